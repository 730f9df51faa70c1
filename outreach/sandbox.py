"""A local stand-in for the three providers, checking what the real services check.

Used by the tests (tests/outreach/) and by `make demo` (manage.py outreach_sandbox): a threaded
http.server on 127.0.0.1 that answers as 企业微信, 钉钉 and Alibaba Cloud SMS answer, errors and
rate limits included, and records what it accepted (in memory, and as JSON lines when given a
log file — the demo's outbox page reads it).

Contract points enforced:
- 企业微信 POST /cgi-bin/webhook/send?key=K: unknown key → errcode 93000; body must be JSON with
  msgtype text|markdown and a non-empty {msgtype}.content (≤ 2048 / 4096 bytes) → else 40008 /
  44004; more than 20 messages a minute per key → 45009.
- 钉钉 POST /robot/send?access_token=T&timestamp=MS&sign=S: unknown token → 300001; timestamp
  missing or more than an hour from the receiver's clock → 310000 (invalid timestamp); sign ≠
  urlencoded base64 HMAC-SHA256(secret, "timestamp\\nsecret") → 310000 (sign not match); body
  msgtype text (text.content) or markdown (markdown.title + markdown.text) → else 40035; more than
  20 messages a minute per robot → 130101.
- 短信 POST / (x-acs-action: SendSms, x-acs-version: 2017-05-25) signed with Alibaba Cloud's V3
  signature: Authorization "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=…,Signature=hex";
  unknown AK → 404 InvalidAccessKeyId.NotFound; the signed headers must cover host and every
  x-acs-* header; x-acs-content-sha256 must be the body's SHA-256; x-acs-date within 15 minutes;
  a nonce used twice → SignatureNonceUsed; a signature recomputed from the canonical request that
  differs → 400 SignatureDoesNotMatch. Then, as SendSms answers with HTTP 200: unknown sign name
  → isv.SMS_SIGNATURE_ILLEGAL, unknown template → isv.SMS_TEMPLATE_ILLEGAL, a template variable
  missing → isv.TEMPLATE_MISSING_PARAMETERS, a bad mobile → isv.MOBILE_NUMBER_ILLEGAL, more than
  `sms_per_minute` to one mobile a minute → isv.BUSINESS_LIMIT_CONTROL; else Code OK + BizId.
- 短信回执 POST / (x-acs-action: QuerySendDetails), signed and checked as SendSms: PhoneNumber,
  SendDate, PageSize and CurrentPage required → else 400 Missing{Name}; SendDate yyyyMMdd within
  the last 30 days and PageSize 1–50 → else isv.INVALID_PARAMETERS; a bad mobile →
  isv.MOBILE_NUMBER_ILLEGAL; then the SMS sent to that
  mobile on that date (one BizId if given) as SmsSendDetailDTOs, each reported as a carrier
  would: SendStatus 1 (waiting) at the first query, then 3 (ErrCode DELIVERED, ReceiveDate) —
  or 2 with the carrier's ErrCode for a mobile in `sms_unreachable` (e.g. a suspended number).
"""
from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROBOT_PER_MINUTE = 20
SMS_TEMPLATE_VARIABLES = ("title", "deadline")
BEIJING_OFFSET = 8 * 3600  # the provider's dates are Beijing time, written without a zone


def _beijing(epoch: float, pattern: str) -> str:
    return time.strftime(pattern, time.gmtime(epoch + BEIJING_OFFSET))


@dataclass
class Accounts:
    """What the receiver knows: robot keys/tokens and secrets, SMS keys, signs and templates."""

    wecom_keys: set[str] = field(default_factory=set)
    dingtalk: dict[str, str] = field(default_factory=dict)  # access_token → 加签 secret
    sms_keys: dict[str, str] = field(default_factory=dict)  # AccessKey ID → secret
    sms_signs: set[str] = field(default_factory=set)
    sms_templates: set[str] = field(default_factory=set)
    sms_per_minute: int = 1
    sms_unreachable: dict[str, str] = field(default_factory=dict)  # mobile → the carrier's ErrCode


class Receiver:
    """Start with `start()`, stop with `stop()` (the same port can be started again)."""

    def __init__(self, accounts: Accounts, *, port: int = 0, log_path: Path | None = None):
        self.accounts = accounts
        self.port = port
        self.log_path = log_path
        self.received: list[dict] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._windows: dict[str, deque] = defaultdict(deque)
        self._nonces: set[str] = set()
        # BizId → what SendSms accepted, and how often QuerySendDetails asked about it.
        self._sms_sent: dict[str, dict] = {}
        self._server: ThreadingHTTPServer | None = None

    # --- life cycle --------------------------------------------------------------------------
    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                receiver._handle(self)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- helpers -----------------------------------------------------------------------------
    def _rate_ok(self, key: str, limit: int) -> bool:
        now = time.time()
        window = self._windows[key]
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True

    def _accept(self, channel: str, target: str, body: dict) -> None:
        entry = {"channel": channel, "target": target, "body": body, "at": time.strftime("%Y-%m-%d %H:%M:%S")}
        self.received.append(entry)
        if self.log_path is not None:
            with self.log_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    @staticmethod
    def _answer(handler, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json;charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        parsed = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        with self._lock:
            self.requests += 1
            if parsed.path == "/cgi-bin/webhook/send":
                status, body = 200, self._wecom(query, raw)
            elif parsed.path == "/robot/send":
                status, body = 200, self._dingtalk(query, raw)
            elif parsed.path == "/" and handler.headers.get("x-acs-action") == "SendSms":
                status, body = self._sms(handler, parsed, raw)
            elif parsed.path == "/" and handler.headers.get("x-acs-action") == "QuerySendDetails":
                status, body = self._sms_details(handler, parsed, raw)
            else:
                status, body = 404, {"errcode": 404, "errmsg": "not found"}
        self._answer(handler, status, body)

    # --- 企业微信 -------------------------------------------------------------------------------
    def _wecom(self, query: dict, raw: bytes) -> dict:
        key = query.get("key", "")
        if key not in self.accounts.wecom_keys:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {"errcode": 40016, "errmsg": "invalid json"}
        msgtype = body.get("msgtype")
        if msgtype not in ("text", "markdown"):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        content = (body.get(msgtype) or {}).get("content")
        if not isinstance(content, str) or not content.strip():
            return {"errcode": 44004, "errmsg": "empty content"}
        if len(content.encode("utf-8")) > (2048 if msgtype == "text" else 4096):
            return {"errcode": 40058, "errmsg": "content exceed max length"}
        if not self._rate_ok(f"wecom:{key}", ROBOT_PER_MINUTE):
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        self._accept("wecom", key, body)
        return {"errcode": 0, "errmsg": "ok"}

    # --- 钉钉 ----------------------------------------------------------------------------------
    def _dingtalk(self, query: dict, raw: bytes) -> dict:
        token = query.get("access_token", "")
        secret = self.accounts.dingtalk.get(token)
        if secret is None:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        timestamp = query.get("timestamp", "")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
            return {"errcode": 310000, "errmsg": "invalid timestamp"}
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        # parse_qsl has already undone the urlencoding the robot's contract asks for.
        if not hmac.compare_digest(query.get("sign", ""), expected):
            return {"errcode": 310000, "errmsg": "sign not match"}
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {"errcode": 40035, "errmsg": "缺少参数 json"}
        msgtype = body.get("msgtype")
        part = body.get(msgtype) if isinstance(body.get(msgtype), dict) else {}
        valid = (msgtype == "text" and part.get("content")) or (
            msgtype == "markdown" and part.get("title") and part.get("text"))
        if not valid:
            return {"errcode": 40035, "errmsg": "缺少参数 msgtype/content"}
        if not self._rate_ok(f"dingtalk:{token}", ROBOT_PER_MINUTE):
            return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        self._accept("dingtalk", token, body)
        return {"errcode": 0, "errmsg": "ok"}

    # --- 短信 (Alibaba Cloud SendSms, V3 signature) ----------------------------------------------
    def _sms_request(self, handler, parsed, raw: bytes) -> tuple[str, tuple[int, dict] | None, dict]:
        """(request id, the refusal of a badly signed request or None, the request's parameters):
        what every SMS API action checks first, as the provider does."""
        request_id = str(uuid.uuid4()).upper()
        error = self._sms_signature_error(handler, parsed, raw)
        if error is not None:
            status, code, text = error
            return request_id, (status, {"Code": code, "Message": text, "RequestId": request_id}), {}
        params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        if raw and handler.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(urllib.parse.parse_qsl(raw.decode("utf-8")))
        return request_id, None, params

    def _sms(self, handler, parsed, raw: bytes) -> tuple[int, dict]:
        request_id, refusal, params = self._sms_request(handler, parsed, raw)
        if refusal is not None:
            return refusal
        phone = params.get("PhoneNumbers", "")
        answer = {"RequestId": request_id}
        if params.get("SignName") not in self.accounts.sms_signs:
            return 200, {**answer, "Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "该账号下找不到对应签名"}
        if params.get("TemplateCode") not in self.accounts.sms_templates:
            return 200, {**answer, "Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板"}
        try:
            variables = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return 200, {**answer, "Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法"}
        if any(not str(variables.get(name, "")).strip() for name in SMS_TEMPLATE_VARIABLES):
            return 200, {**answer, "Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": "模板变量缺少对应参数值"}
        if not re.fullmatch(r"1\d{10}", phone):
            return 200, {**answer, "Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        if not self._rate_ok(f"sms:{phone}", self.accounts.sms_per_minute):
            return 200, {**answer, "Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}
        self._accept("sms", phone,
                     {k: params.get(k) for k in ("SignName", "TemplateCode", "TemplateParam", "OutId")})
        biz_id = f"{int(time.time())}^{len(self.received)}"
        self._sms_sent[biz_id] = {
            "phone": phone, "at": time.time(), "queries": 0, "template": params["TemplateCode"],
            "content": f"【{params['SignName']}】{variables.get('title')}，{variables.get('deadline')}",
            "out_id": params.get("OutId", ""),
        }
        return 200, {**answer, "Code": "OK", "Message": "OK", "BizId": biz_id}

    def _sms_details(self, handler, parsed, raw: bytes) -> tuple[int, dict]:
        """QuerySendDetails: the carrier's report of each SMS sent to one mobile on one date."""
        request_id, refusal, params = self._sms_request(handler, parsed, raw)
        if refusal is not None:
            return refusal
        for name in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
            if not params.get(name):
                return 400, {"Code": f"Missing{name}", "Message": f"{name} is mandatory for this action.",
                             "RequestId": request_id}
        answer = {"RequestId": request_id}
        try:
            day = time.strptime(params["SendDate"], "%Y%m%d")
            size, page = int(params["PageSize"]), int(params["CurrentPage"])
        except ValueError:
            return 200, {**answer, "Code": "isv.INVALID_PARAMETERS", "Message": "参数异常"}
        age_days = (time.time() - calendar.timegm(day)) / 86400
        if not -1 <= age_days <= 31 or not 1 <= size <= 50 or page < 1:
            return 200, {**answer, "Code": "isv.INVALID_PARAMETERS", "Message": "参数异常"}
        if not re.fullmatch(r"1\d{10}", params["PhoneNumber"]):
            return 200, {**answer, "Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        found = [sent for biz_id, sent in self._sms_sent.items()
                 if sent["phone"] == params["PhoneNumber"] and params.get("BizId", biz_id) == biz_id
                 and _beijing(sent["at"], "%Y%m%d") == params["SendDate"]]
        details = []
        for sent in found[(page - 1) * size: page * size]:
            sent["queries"] += 1
            sent_text = _beijing(sent["at"], "%Y-%m-%d %H:%M:%S")
            received = _beijing(sent["at"] + 3, "%Y-%m-%d %H:%M:%S")
            detail = {"PhoneNum": sent["phone"], "TemplateCode": sent["template"], "Content": sent["content"],
                      "OutId": sent["out_id"], "SendDate": sent_text}
            if sent["queries"] == 1:  # the carrier has not reported yet
                detail.update(SendStatus=1, ErrCode="", ReceiveDate="")
            elif sent["phone"] in self.accounts.sms_unreachable:
                carrier_code = self.accounts.sms_unreachable[sent["phone"]]
                detail.update(SendStatus=2, ErrCode=carrier_code, ReceiveDate=received)
            else:
                detail.update(SendStatus=3, ErrCode="DELIVERED", ReceiveDate=received)
            details.append(detail)
        return 200, {**answer, "Code": "OK", "Message": "OK", "TotalCount": len(found),
                     "SmsSendDetailDTOs": {"SmsSendDetailDTO": details}}

    def _sms_signature_error(self, handler, parsed, raw: bytes) -> tuple[int, str, str] | None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        match = re.fullmatch(
            r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})",
            headers.get("authorization", ""),
        )
        if match is None:
            return 400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
        access_key, signed, signature = match.groups()
        secret = self.accounts.sms_keys.get(access_key)
        if secret is None:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        signed_names = signed.split(";")
        required = {"host"} | {name for name in headers if name.startswith("x-acs-")}
        if not required <= set(signed_names) or signed_names != sorted(signed_names):
            return (400, "IncompleteSignature",
                    "SignedHeaders must cover host and every x-acs-* header, sorted.")
        if headers.get("x-acs-content-sha256") != hashlib.sha256(raw).hexdigest():
            return 400, "SignatureDoesNotMatch", "x-acs-content-sha256 does not match the body."
        try:
            sent = calendar.timegm(time.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ"))
        except ValueError:
            return 400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."
        if abs(time.time() - sent) > 15 * 60:
            return 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
        nonce = headers.get("x-acs-signature-nonce", "")
        if not nonce or nonce in self._nonces:
            return 400, "SignatureNonceUsed", "Specified signature nonce was used already."
        canonical_query = "&".join(
            f"{urllib.parse.quote(k, safe='~')}={urllib.parse.quote(v, safe='~')}"
            for k, v in sorted(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        )
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed_names)
        canonical_request = "\n".join([
            handler.command, urllib.parse.unquote(parsed.path) or "/", canonical_query, canonical_headers,
            signed, headers["x-acs-content-sha256"],
        ])
        string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
        expected = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return 400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
        self._nonces.add(nonce)
        return None
