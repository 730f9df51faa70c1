"""Tasks that plan messages: a letter issued, a 批示 made, the daily reminder scan."""
from __future__ import annotations

import datetime as dt

from celery import shared_task

from outreach import services
from outreach.tasks.sending import TRANSIENT_DATABASE_ERRORS


@shared_task(name="outreach.announce_notice", acks_late=True, autoretry_for=TRANSIENT_DATABASE_ERRORS,
             max_retries=5, retry_backoff=10, time_limit=120, soft_time_limit=100)
def announce_notice(notice_id: int) -> int:
    return services.notice_announce(notice_id=notice_id)


@shared_task(name="outreach.announce_instruction", acks_late=True, autoretry_for=TRANSIENT_DATABASE_ERRORS,
             max_retries=5, retry_backoff=10, time_limit=120, soft_time_limit=100)
def announce_instruction(instruction_id: int) -> int:
    return services.instruction_announce(instruction_id=instruction_id)


@shared_task(name="outreach.plan_reminders", acks_late=True, autoretry_for=TRANSIENT_DATABASE_ERRORS,
             max_retries=3, time_limit=300, soft_time_limit=270)
def plan_reminders(on_date: str) -> int:
    """The reminder scan for one date (run by the calendar's daily job; by hand for a replay)."""
    return services.reminders_plan(on_date=dt.date.fromisoformat(on_date))
