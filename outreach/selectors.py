"""Reads of outreach: endpoints with whether their secrets are set, messages of a letter, the outbox."""
from __future__ import annotations

import json
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
    messages = list(notice.outreach_messages.select_related("endpoint", "delivery")
                    .order_by("planned_on", "kind", "pk"))
    for message in messages:
        # Read where it is known: the robots and SMS report no reading, but the recipient body
        # opening the letter in the system after the message was sent is recorded (Delivery.read_at).
        read_at = message.delivery.read_at if message.delivery else None
        message.seen_at = read_at if read_at and message.sent_at and read_at >= message.sent_at else None
    return {"outreach_messages": messages, "outreach_counts": Counter(m.get_status_display() for m in messages)}


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
