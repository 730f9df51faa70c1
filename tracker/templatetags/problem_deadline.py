"""`{{ problem|deadline_state:today }}`: how a problem stands against its 办理时限."""
from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def deadline_state(problem, today) -> dict | None:
    """{"days": n, "overdue": bool, "text": "剩余3天" / "已逾期2天" / "今日到期"}, or None."""
    days = problem.days_left(today)
    if days is None:
        return None
    if days < 0:
        return {"days": -days, "overdue": True, "text": f"已逾期{-days}天"}
    if days == 0:
        return {"days": 0, "overdue": False, "text": "今日到期"}
    return {"days": days, "overdue": False, "text": f"剩余{days}天"}
