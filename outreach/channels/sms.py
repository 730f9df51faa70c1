"""短信 through Alibaba Cloud's maintained SDK (alibabacloud-dysmsapi20170525, SendSms).

Only an approved template and its parameters are sent, never free text: the template code per
message kind comes from settings.YIHONG_SMS_TEMPLATES, the 签名 from YIHONG_SMS_SIGN_NAME, the
AccessKey from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET). The SDK signs each
request with Alibaba Cloud's V3 signature (Authorization: ACS3-HMAC-SHA256 …); its endpoint and
protocol are settings, so the tests and the demo point it at a local receiver. The answer's
Code is "OK", or e.g. isv.BUSINESS_LIMIT_CONTROL (rate limit: retried), isv.MOBILE_NUMBER_ILLEGAL,
isv.SMS_TEMPLATE_ILLEGAL, SignatureDoesNotMatch (not retried).

SendSms answers only that the provider accepted the message (its BizId is kept as the message's
provider_ref); whether the phone received it is the carrier's report, read with QuerySendDetails
(PhoneNumber, SendDate yyyyMMdd, BizId, PageSize, CurrentPage): SendStatus 1 waiting for the
carrier, 2 failed (ErrCode the carrier's code), 3 delivered (ErrCode DELIVERED, ReceiveDate).
"""
from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass

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


def _call(action):
    """Run one SDK call, its failures as ChannelError with the provider's code."""
    try:
        return action(_client())
    except ChannelError:
        raise
    except Exception as error:  # the SDK raises its own exceptions with the provider's code
        code = str(getattr(error, "code", "") or type(error).__name__)
        text = str(getattr(error, "message", "") or error)
        network = not getattr(error, "code", None) or code in ("None",)
        raise ChannelError(text[:500], code=code, transient=network or code in TRANSIENT_CODES) from error


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
    body = _call(lambda client: client.send_sms(request)).body
    if body.code != "OK":
        raise ChannelError(body.message or "", code=body.code or "", transient=body.code in TRANSIENT_CODES)
    return Receipt(provider_ref=body.biz_id or "")


WAITING, FAILED, DELIVERED = 1, 2, 3
# Errors of the account, not of one message: every further query would fail alike.
ACCOUNT_ERRORS = {"config", "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive",
                  "SignatureDoesNotMatch", "IncompleteSignature", "Forbidden.RAM", "isp.RAM_PERMISSION_DENY",
                  "isv.ACCOUNT_NOT_EXISTS", "isv.PRODUCT_UN_SUBSCRIPT", "isv.ACCOUNT_ABNORMAL"}
# The provider reports its dates in Beijing time, without a zone.
PROVIDER_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class CarrierReport:
    """One SmsSendDetailDTO: SendStatus, the carrier's ErrCode, and when the report came."""

    status: int
    err_code: str = ""
    received_at: dt.datetime | None = None


def _provider_time(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=PROVIDER_ZONE)
    except ValueError:
        return None


def query_report(*, phone: str, biz_id: str, sent_at: dt.datetime) -> CarrierReport | None:
    """The carrier's report of one SMS (QuerySendDetails by BizId), or None if the provider has
    no record of it yet. Raises ChannelError like send()."""
    from alibabacloud_dysmsapi20170525.models import QuerySendDetailsRequest

    require_allowed_host(settings.YIHONG_SMS_ENDPOINT)
    request = QuerySendDetailsRequest(
        phone_number=phone, biz_id=biz_id, send_date=sent_at.astimezone(PROVIDER_ZONE).strftime("%Y%m%d"),
        page_size=10, current_page=1,
    )
    body = _call(lambda client: client.query_send_details(request)).body
    if body.code != "OK":
        raise ChannelError(body.message or "", code=body.code or "", transient=body.code in TRANSIENT_CODES)
    details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
    if not details:
        return None
    detail = details[0]
    return CarrierReport(status=int(detail.send_status or WAITING), err_code=detail.err_code or "",
                         received_at=_provider_time(detail.receive_date))
