"""短信 through Alibaba Cloud's maintained SDK (alibabacloud-dysmsapi20170525, SendSms).

Only an approved template and its parameters are sent, never free text: the template code per
message kind comes from settings.YIHONG_SMS_TEMPLATES, the 签名 from YIHONG_SMS_SIGN_NAME, the
AccessKey from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET). The SDK signs each
request with Alibaba Cloud's V3 signature (Authorization: ACS3-HMAC-SHA256 …); its endpoint and
protocol are settings, so the tests and the demo point it at a local receiver. The answer's
Code is "OK", or e.g. isv.BUSINESS_LIMIT_CONTROL (rate limit: retried), isv.MOBILE_NUMBER_ILLEGAL,
isv.SMS_TEMPLATE_ILLEGAL, SignatureDoesNotMatch (not retried).
"""
from __future__ import annotations

import json

from django.conf import settings

from outreach.channels.base import ChannelError, Receipt, require_allowed_host, secret

TRANSIENT_CODES = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling", "Throttling.User", "ServiceUnavailable",
                   "InternalError", "isp.SYSTEM_ERROR", "isp.RAM_PERMISSION_DENY_TIMEOUT"}


def _client():
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    timeout_ms = int(settings.YIHONG_OUTREACH_TIMEOUT * 1000)
    return Client(Config(
        access_key_id=secret("ALIBABA_CLOUD_ACCESS_KEY_ID", what="阿里云短信 AccessKey ID"),
        access_key_secret=secret("ALIBABA_CLOUD_ACCESS_KEY_SECRET", what="阿里云短信 AccessKey Secret"),
        endpoint=settings.YIHONG_SMS_ENDPOINT,
        protocol=settings.YIHONG_SMS_PROTOCOL,
        connect_timeout=timeout_ms,
        read_timeout=timeout_ms,
    ))


def send(message) -> Receipt:
    from alibabacloud_dysmsapi20170525.models import SendSmsRequest

    template = settings.YIHONG_SMS_TEMPLATES.get(message.kind, "")
    if not template or not settings.YIHONG_SMS_SIGN_NAME:
        raise ChannelError(f"未配置短信签名或“{message.get_kind_display()}”的短信模板", code="config", transient=False)
    require_allowed_host(settings.YIHONG_SMS_ENDPOINT)
    request = SendSmsRequest(
        phone_numbers=message.endpoint.address,
        sign_name=settings.YIHONG_SMS_SIGN_NAME,
        template_code=template,
        template_param=json.dumps(message.params, ensure_ascii=False),
        out_id=str(message.pk),
    )
    try:
        response = _client().send_sms(request)
    except ChannelError:
        raise
    except Exception as error:  # the SDK raises its own exceptions with the provider's code
        code = str(getattr(error, "code", "") or type(error).__name__)
        text = str(getattr(error, "message", "") or error)
        network = not getattr(error, "code", None) or code in ("None",)
        raise ChannelError(text[:500], code=code, transient=network or code in TRANSIENT_CODES) from error
    body = response.body
    if body.code != "OK":
        raise ChannelError(body.message or "", code=body.code or "", transient=body.code in TRANSIENT_CODES)
    return Receipt(provider_ref=body.biz_id or "")
