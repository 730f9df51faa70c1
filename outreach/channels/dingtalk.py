"""钉钉自定义机器人, 加签: POST {base}?access_token=T&timestamp=MS&sign=S with a markdown body.

S = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))), timestamp in
milliseconds, accepted within one hour of the server's clock. The answer is {"errcode": 0,
"errmsg": "ok"}; 310000 a bad signature or timestamp, 300001 a bad token, 130101 the robot's
rate limit (20 messages a minute).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

from django.conf import settings

from outreach.channels.base import ChannelError, Receipt, post_json, secret
from outreach.texts import open_link

RATE_LIMITED = {130101}


def now_ms() -> str:
    return str(round(time.time() * 1000))


def signature(timestamp_ms: str, sign_secret: str) -> str:
    """The 加签 signature, base64 (not yet urlencoded)."""
    digest = hmac.new(sign_secret.encode("utf-8"), f"{timestamp_ms}\n{sign_secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def body_for(message) -> dict:
    text = "\n\n".join([f"#### {message.title}", *[line for line in message.text.splitlines() if line],
                        f"[点击办理]({open_link(message)})"])
    return {"msgtype": "markdown", "markdown": {"title": message.title[:60], "text": text}}


def send(message) -> Receipt:
    token = secret(message.endpoint.token_env, what="钉钉机器人 access_token")
    sign_secret = secret(message.endpoint.secret_env, what="钉钉机器人加签密钥")
    timestamp = now_ms()
    query = urllib.parse.urlencode({"access_token": token, "timestamp": timestamp,
                                    "sign": signature(timestamp, sign_secret)})
    answer = post_json(f"{settings.YIHONG_DINGTALK_WEBHOOK_URL}?{query}", body_for(message))
    code = int(answer.get("errcode", -1))
    if code != 0:
        raise ChannelError(str(answer.get("errmsg", "")), code=str(code),
                           transient=code in RATE_LIMITED or code == -1)
    return Receipt()
