"""Each channel against the local receiver, which checks what the real provider checks."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail

from outreach import sending
from outreach.channels import ChannelError, dingtalk
from outreach.models import Message, MessageKind, MessageStatus

pytestmark = pytest.mark.django_db


def _message(endpoint, *, subject="notice:1", kind=MessageKind.ACK_DUE, due=dt.date(2025, 9, 30)) -> Message:
    return Message.objects.create(
        kind=kind, subject=subject, endpoint=endpoint, channel=endpoint.channel, due_on=due, planned_on=due,
        recipient_name="侯马市", title="【一泓】签收提醒", text="侯马市：督办函《关于…的督办函》签收期限为9月30日，尚未签收，请及时签收。",
        link="https://yihong.linfen.example.gov.cn/notices/1/",
        params={"title": "关于…的督办函", "deadline": "9月30日"},
    )


def _send(message) -> Message:
    try:
        sending.message_send(message_id=message.pk)
    except ChannelError:
        pass
    return Message.objects.get(pk=message.pk)


def test_dingtalk_message_signed_with_its_secret_is_accepted_as_markdown_with_the_link(receiver,
                                                                                      houma_endpoints):
    # given
    message = _message(houma_endpoints["dingtalk"])
    # when
    sent = _send(message)
    # then
    assert sent.status == MessageStatus.SENT and sent.attempts == 1
    [entry] = receiver.received
    assert entry["channel"] == "dingtalk" and entry["body"]["msgtype"] == "markdown"
    link = f"(https://yihong.linfen.example.gov.cn/outreach/m/{sent.token}/)"
    assert link in entry["body"]["markdown"]["text"]


def test_dingtalk_refuses_a_wrong_secret_with_310000_and_it_is_not_retried(receiver, houma_endpoints,
                                                                          monkeypatch):
    # given
    monkeypatch.setenv("YIHONG_DING_SECRET_HOUMA", "SECwrong")
    # when
    sent = _send(_message(houma_endpoints["dingtalk"]))
    # then
    assert sent.status == MessageStatus.FAILED
    assert sent.last_error.startswith("310000") and "sign not match" in sent.last_error
    assert sent.next_attempt_at is None
    assert receiver.received == []


def test_dingtalk_refuses_a_timestamp_older_than_an_hour_with_310000(receiver, houma_endpoints, monkeypatch):
    # given the sender's clock is two hours slow
    real_now = dingtalk.now_ms
    monkeypatch.setattr(dingtalk, "now_ms", lambda: str(int(real_now()) - 7200 * 1000))
    # when
    sent = _send(_message(houma_endpoints["dingtalk"]))
    # then
    assert sent.status == MessageStatus.FAILED and "310000: invalid timestamp" == sent.last_error


def test_dingtalk_signature_matches_the_documented_example_algorithm():
    # given DingTalk's documented recipe: HmacSHA256(secret, f"{timestamp}\n{secret}"), then base64
    import base64
    import hashlib
    import hmac

    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    # then
    assert dingtalk.signature("1700000000000", "SECabc") == expected


def test_dingtalk_21st_message_in_a_minute_is_rate_limited_130101_and_retried_later(receiver,
                                                                                   houma_endpoints):
    # given
    messages = [_message(houma_endpoints["dingtalk"], subject=f"notice:{n}") for n in range(21)]
    # when
    results = [_send(m) for m in messages]
    # then
    assert [m.status for m in results].count(MessageStatus.SENT) == 20
    limited = results[-1]
    assert limited.status == MessageStatus.FAILED and limited.last_error.startswith("130101")
    assert limited.next_attempt_at is not None


def test_wecom_message_with_its_key_is_accepted_as_markdown(receiver, houma_endpoints):
    # when
    sent = _send(_message(houma_endpoints["wecom"]))
    # then
    assert sent.status == MessageStatus.SENT
    [entry] = receiver.received
    assert entry["body"]["msgtype"] == "markdown"
    link = f"https://yihong.linfen.example.gov.cn/outreach/m/{sent.token}/"
    assert f"[点击办理]({link})" in entry["body"]["markdown"]["content"]


def test_wecom_refuses_an_unknown_key_with_93000(receiver, houma_endpoints, monkeypatch):
    # given
    monkeypatch.setenv("YIHONG_WECOM_KEY_HOUMA", "not-a-key")
    # when
    sent = _send(_message(houma_endpoints["wecom"]))
    # then
    assert sent.status == MessageStatus.FAILED and sent.last_error == "93000: invalid webhook url"


def test_wecom_rate_limit_45009_after_20_messages_a_minute(receiver, houma_endpoints):
    # when
    results = [_send(_message(houma_endpoints["wecom"], subject=f"notice:{n}")) for n in range(21)]
    # then
    assert results[-1].last_error.startswith("45009") and results[-1].next_attempt_at is not None


def test_sms_through_the_sdk_is_signed_v3_and_carries_only_template_title_and_deadline(receiver,
                                                                                      houma_endpoints):
    # when
    sent = _send(_message(houma_endpoints["sms"]))
    # then
    assert sent.status == MessageStatus.SENT and sent.provider_ref
    [entry] = receiver.received
    assert entry["target"] == "13903570001"
    assert entry["body"]["TemplateCode"] == "SMS_101" and entry["body"]["SignName"] == "一泓专班"
    assert json.loads(entry["body"]["TemplateParam"]) == {"title": "关于…的督办函", "deadline": "9月30日"}
    assert entry["body"]["OutId"] == str(sent.pk)


def test_sms_signed_with_a_wrong_secret_is_refused_signature_does_not_match(receiver, houma_endpoints,
                                                                           monkeypatch):
    # given
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong")
    # when
    sent = _send(_message(houma_endpoints["sms"]))
    # then
    assert sent.status == MessageStatus.FAILED and sent.last_error.startswith("SignatureDoesNotMatch")
    assert sent.next_attempt_at is None and receiver.received == []


def test_sms_business_limit_is_recorded_with_the_provider_code_and_retried(receiver, accounts,
                                                                           houma_endpoints):
    # given
    accounts.sms_per_minute = 1
    first, second = (_message(houma_endpoints["sms"], subject=f"notice:{n}") for n in (1, 2))
    # when
    _send(first)
    limited = _send(second)
    # then
    assert limited.status == MessageStatus.FAILED
    assert limited.last_error.startswith("isv.BUSINESS_LIMIT_CONTROL")
    assert limited.next_attempt_at is not None


def test_email_reminder_carries_the_absolute_link(receiver, houma_endpoints):
    # when
    sent = _send(_message(houma_endpoints["email"]))
    # then
    assert sent.status == MessageStatus.SENT
    [email] = mail.outbox
    assert email.to == ["houma-liaison@example.gov.cn"]
    assert f"https://yihong.linfen.example.gov.cn/outreach/m/{sent.token}/" in email.body


def test_a_sent_message_is_never_sent_again(receiver, houma_endpoints):
    # given
    message = _message(houma_endpoints["wecom"])
    _send(message)
    # when
    again = _send(message)
    # then
    assert again.attempts == 1 and len(receiver.received) == 1


def test_outside_production_nothing_is_sent_to_a_real_provider(receiver, houma_endpoints, settings):
    # given the default 企业微信 address, as on a developer's machine without the local receiver
    settings.YIHONG_WECOM_WEBHOOK_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    settings.YIHONG_OUTREACH_LIVE = False
    # when
    sent = _send(_message(houma_endpoints["wecom"]))
    # then
    assert sent.status == MessageStatus.FAILED and "非生产环境只向本机发送" in sent.last_error
    assert sent.next_attempt_at is None
