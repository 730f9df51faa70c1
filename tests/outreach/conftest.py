"""Fixtures of the outreach tests: the local receiver (outreach.sandbox) standing in for the
providers, endpoints of 侯马市 on every channel, and an issued 督办函 to 侯马市."""
from __future__ import annotations

import pytest

from demo.notices import email_endpoints_from_demo_users
from notices import services as notice_services
from notices.models import NoticeKind
from outreach.models import Channel, Endpoint, Scope
from outreach.sandbox import Accounts, Receiver
from tracker.models import AdministrativeUnit

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "ding-token-houma"
DING_SECRET = "SECb5c1f4e0d7a3"
SMS_ID, SMS_SECRET = "LTAI-test-id", "sms-test-secret"
TEMPLATES = {"new_letter": "SMS_100", "ack_due": "SMS_101", "ack_overdue": "SMS_102", "answer_due": "SMS_103",
             "answer_overdue": "SMS_104", "weekly_unreported": "SMS_105", "instruction": "SMS_106"}


@pytest.fixture
def accounts() -> Accounts:
    return Accounts(wecom_keys={WECOM_KEY}, dingtalk={DING_TOKEN: DING_SECRET}, sms_keys={SMS_ID: SMS_SECRET},
                    sms_signs={"一泓专班"}, sms_templates=set(TEMPLATES.values()), sms_per_minute=5)


@pytest.fixture
def receiver(accounts, settings, monkeypatch):
    """The providers on 127.0.0.1, the settings pointing at them, the secrets in the environment."""
    server = Receiver(accounts).start()
    settings.YIHONG_WECOM_WEBHOOK_URL = f"{server.base_url}/cgi-bin/webhook/send"
    settings.YIHONG_DINGTALK_WEBHOOK_URL = f"{server.base_url}/robot/send"
    settings.YIHONG_SMS_ENDPOINT = f"127.0.0.1:{server.port}"
    settings.YIHONG_SMS_PROTOCOL = "http"
    settings.YIHONG_SMS_SIGN_NAME = "一泓专班"
    settings.YIHONG_SMS_TEMPLATES = TEMPLATES
    settings.YIHONG_OUTREACH_TIMEOUT = 2
    settings.YIHONG_SITE_URL = "https://yihong.linfen.example.gov.cn"
    monkeypatch.setenv("YIHONG_WECOM_KEY_HOUMA", WECOM_KEY)
    monkeypatch.setenv("YIHONG_DING_TOKEN_HOUMA", DING_TOKEN)
    monkeypatch.setenv("YIHONG_DING_SECRET_HOUMA", DING_SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", SMS_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SMS_SECRET)
    yield server
    server.stop()


@pytest.fixture
def houma(demo_ledger):
    return AdministrativeUnit.objects.get(code="houma")


@pytest.fixture
def houma_endpoints(houma) -> dict[str, Endpoint]:
    make = Endpoint.objects.create
    return {
        "wecom": make(channel=Channel.WECOM, scope=Scope.UNIT, unit=houma, label="侯马市工作群（企业微信）",
                      token_env="YIHONG_WECOM_KEY_HOUMA"),
        "dingtalk": make(channel=Channel.DINGTALK, scope=Scope.UNIT, unit=houma, label="侯马市工作群（钉钉）",
                         token_env="YIHONG_DING_TOKEN_HOUMA", secret_env="YIHONG_DING_SECRET_HOUMA"),
        "sms": make(channel=Channel.SMS, scope=Scope.UNIT, unit=houma, label="侯马市联络员手机",
                    address="13903570001"),
        "email": make(channel=Channel.EMAIL, scope=Scope.UNIT, unit=houma, label="侯马市联络员邮箱",
                      address="houma-liaison@example.gov.cn"),
    }


def issue_letter(*, houma, clerk, leader, capture, title="关于侯马市汾河治理工程进度滞后的督办函"):
    """An issued 督办函 to 侯马市 (answer required), its on-commit work run."""
    email_endpoints_from_demo_users()
    notice = notice_services.notice_draft_create(
        kind=NoticeKind.SUPERVISION, title=title, recipient_units=[houma],
        context={"reason": "督办规则", "items": [{"project_id": 1, "project_code": "LF-001",
                                              "project_name": "汾河侯马段综合治理工程", "facts": "形象进度45%。",
                                              "requirement": "请于反馈期限前报送整改情况。"}],
                 "requirements": "请于反馈期限前将整改情况书面报送专班办。"},
        source_key=f"test:outreach:{title}", acting_user=clerk,
    )
    notice_services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)
    with capture(execute=True):
        return notice_services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
