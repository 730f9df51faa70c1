"""Reads of outreach: endpoints with whether their secrets are set, messages of a letter, the outbox."""
from __future__ import annotations

import json
import urllib.parse
from collections import Counter

from django.conf import settings

from outreach.channels.base import secret_is_set
from outreach.models import Endpoint, Message, MessageStatus
from tracker import permissions


def endpoint_rows() -> list[dict]:
    """Every endpoint and whether its environment variables are set (never their values)."""
    rows = []
    for endpoint in Endpoint.objects.select_related("unit", "department", "user__staff_profile"):
        names = [name for name in (endpoint.token_env, endpoint.secret_env) if name]
        rows.append({
            "endpoint": endpoint,
            "recipient": endpoint.unit or endpoint.department or getattr(
                getattr(endpoint.user, "staff_profile", None), "full_name", None) or endpoint.user or "专班办",
            "secrets": [(name, secret_is_set(name)) for name in names],
            "channel_on": endpoint.channel in settings.YIHONG_OUTREACH_CHANNELS,
        })
    return rows


def notice_messages(*, notice, user) -> dict:
    """The letter page's panel: what was sent about it, on which channel, with what result."""
    if not permissions.is_office_staff(user):
        return {}
    # Each row's receipt (Message.receipt): 已发送, 已送达 by the SMS carrier's report, 已读 when
    # the recipient opened the message's own link, 发送失败 with the provider's code and text.
    messages = list(notice.outreach_messages.select_related("endpoint", "read_by__staff_profile")
                    .order_by("planned_on", "kind", "pk"))
    return {"outreach_messages": messages,
            "outreach_counts": Counter(m.get_status_display() for m in messages)}


def message_target(message: Message) -> str:
    """Where a message's link leads: the path of its item on this site (never another host)."""
    parts = urllib.parse.urlsplit(message.link)
    return urllib.parse.urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, ""))


def outbox(*, limit: int = 300) -> list[Message]:
    return list(Message.objects.select_related("endpoint", "notice").order_by("-created_at", "-pk")[:limit])


def status_counts() -> dict[str, int]:
    counts = Counter(Message.objects.values_list("status", flat=True))
    return {label: counts.get(value, 0) for value, label in MessageStatus.choices}


def sandbox_log(*, limit: int = 200) -> list[dict]:
    """What the demo's local receiver accepted (manage.py outreach_sandbox), newest first."""
    path = settings.YIHONG_OUTREACH_SANDBOX_LOG
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines()[-limit:]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        body = entry.get("body") or {}
        part = body.get(body.get("msgtype", ""), {}) if isinstance(body, dict) else {}
        entry["shown"] = part.get("content") or part.get("text") or body.get("TemplateParam") or ""
        entries.append(entry)
    return entries[::-1]
