"""The demo's robot keys, secrets and SMS templates, shared by the local receiver and the endpoints
`manage.py outreach_demo` configures. Demo values only: production secrets live in the environment."""
from __future__ import annotations

import os

from outreach.sandbox import Accounts

DEMO_PORT = int(os.environ.get("YIHONG_OUTREACH_SANDBOX_PORT", "8190"))
WECOM_KEY = "demo-wecom-key-0001"
DING_TOKEN, DING_SECRET = "demo-ding-token-0001", "SECdemo0001"
SMS_ID, SMS_SECRET = "LTAIdemo", "demo-sms-secret"
SIGN_NAME = "一泓专班"
TEMPLATES = {kind: f"SMS_9000{n}" for n, kind in enumerate(
    ("new_letter", "ack_due", "ack_overdue", "answer_due", "answer_overdue", "weekly_unreported",
     "instruction"))}
ENVIRONMENT = {
    "YIHONG_DEMO_WECOM_KEY": WECOM_KEY,
    "YIHONG_DEMO_DING_TOKEN": DING_TOKEN,
    "YIHONG_DEMO_DING_SECRET": DING_SECRET,
    "ALIBABA_CLOUD_ACCESS_KEY_ID": SMS_ID,
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SMS_SECRET,
}


def demo_accounts() -> Accounts:
    return Accounts(wecom_keys={WECOM_KEY}, dingtalk={DING_TOKEN: DING_SECRET}, sms_keys={SMS_ID: SMS_SECRET},
                    sms_signs={SIGN_NAME}, sms_templates=set(TEMPLATES.values()), sms_per_minute=100)


def demo_settings(settings) -> None:
    """Point the channels at the local receiver and put the demo's secrets in the environment."""
    base = f"http://127.0.0.1:{DEMO_PORT}"
    settings.YIHONG_WECOM_WEBHOOK_URL = f"{base}/cgi-bin/webhook/send"
    settings.YIHONG_DINGTALK_WEBHOOK_URL = f"{base}/robot/send"
    settings.YIHONG_SMS_ENDPOINT = f"127.0.0.1:{DEMO_PORT}"
    settings.YIHONG_SMS_PROTOCOL = "http"
    settings.YIHONG_SMS_SIGN_NAME = SIGN_NAME
    settings.YIHONG_SMS_TEMPLATES = TEMPLATES
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
