"""企业微信群机器人: POST {base}?key=KEY with {"msgtype": "markdown", "markdown": {"content": …}}.

The answer is {"errcode": 0, "errmsg": "ok"}; 93000 is an invalid webhook key, 45009 the robot's
rate limit (20 messages a minute), 40058/44004 a bad body. Markdown content at most 4096 bytes.
"""
from __future__ import annotations

import urllib.parse

from django.conf import settings

from outreach.channels.base import ChannelError, Receipt, post_json, secret
from outreach.texts import open_link

RATE_LIMITED = {45009}
MAX_BYTES = 4096


def body_for(message) -> dict:
    lines = [f"**{message.title}**", *[f"> {line}" for line in message.text.splitlines() if line],
             f"[点击办理]({open_link(message)})"]
    content = "\n".join(lines)
    while len(content.encode("utf-8")) > MAX_BYTES:
        content = content[:-50]
    return {"msgtype": "markdown", "markdown": {"content": content}}


def send(message) -> Receipt:
    key = secret(message.endpoint.token_env, what="企业微信机器人 webhook key")
    url = f"{settings.YIHONG_WECOM_WEBHOOK_URL}?{urllib.parse.urlencode({'key': key})}"
    answer = post_json(url, body_for(message))
    code = int(answer.get("errcode", -1))
    if code != 0:
        raise ChannelError(str(answer.get("errmsg", "")), code=str(code),
                           transient=code in RATE_LIMITED or code == -1)
    return Receipt()
