"""What every channel shares: secrets from the environment, errors, HTTP with a timeout."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings


class ChannelError(Exception):
    """A send that failed: the provider's code and text, and whether a retry may help."""

    def __init__(self, text: str, *, code: str = "", transient: bool = True):
        super().__init__(f"{code}: {text}" if code else text)
        self.code = code
        self.transient = transient


@dataclass(frozen=True)
class Receipt:
    provider_ref: str = ""


def secret(name: str, *, what: str) -> str:
    """The value of the environment variable `name` (never stored, never shown back)."""
    value = os.environ.get(name, "") if name else ""
    if not value:
        raise ChannelError(f"未配置{what}（环境变量 {name or '未指定'}）", code="config", transient=False)
    return value


def secret_is_set(name: str) -> bool:
    return bool(name and os.environ.get(name))


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def require_allowed_host(url_or_host: str) -> None:
    """Outside production (settings.YIHONG_OUTREACH_LIVE false) send only to this machine: a
    developer's, the demo's or CI's run must never reach a real robot or SMS gateway."""
    if settings.YIHONG_OUTREACH_LIVE:
        return
    host = urllib.parse.urlsplit(url_or_host if "//" in url_or_host else f"//{url_or_host}").hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise ChannelError(f"非生产环境只向本机发送（{host}）；生产环境设置 YIHONG_OUTREACH_LIVE=true",
                           code="config", transient=False)


def post_json(url: str, body: dict) -> dict:
    """POST a JSON body and return the JSON answer; network failures are transient errors."""
    require_allowed_host(url)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=settings.YIHONG_OUTREACH_TIMEOUT) as response:
            return json.loads(response.read().decode("utf-8") or "{}")
    except urllib.error.HTTPError as error:
        raise ChannelError(f"HTTP {error.code}", code=f"http{error.code}",
                           transient=error.code >= 500) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ChannelError(f"{type(error).__name__}: {error}", code="network") from error
