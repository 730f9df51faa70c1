"""What the audit pages (tracker.audit.display) call a letter: its 文号 and title, and its states."""
from __future__ import annotations

from notices.models import Notice, NoticeState


def notice_names(ids: list[str]) -> dict[str, str]:
    """{notice id: "文号 标题"} (a draft: "（未编号）标题"), one query."""
    numeric = [int(i) for i in ids if str(i).isdigit()]
    return {
        str(pk): f"{number or '（未编号）'} {title}"
        for pk, number, title in Notice.objects.filter(pk__in=numeric).values_list("pk", "number", "title")
    }


def register() -> None:
    from tracker.audit import display as audit_display

    audit_display.register("notice", states=dict(NoticeState.choices), describe=notice_names)
