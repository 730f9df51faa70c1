"""Celery tasks for notices: thin — load by id, call one service, retry on transient errors."""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError

from notices.services import issuing

TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


@shared_task(name="notices.advance_notice", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=TRANSIENT_DATABASE_ERRORS, retry_backoff=10, retry_backoff_max=300, max_retries=5,
             time_limit=600, soft_time_limit=570)
def advance_notice(notice_id: int, issued_on: str) -> str:
    """Issue (or queue for sign-off) one drafted notice, dated `issued_on`: one per letter, so a
    calendar job's letters are rendered by every worker at once (the PDF outside the numbering
    lock). Redelivered or sent twice, it finishes the draft with the number it reserved, or finds
    the notice no longer a draft and does nothing."""
    notice = issuing.notice_advance_in_steps(notice_id=notice_id, issued_on=dt.date.fromisoformat(issued_on))
    return notice.state


@shared_task(name="notices.finish_stalled_drafts", acks_late=True, time_limit=600)
def finish_stalled_drafts() -> int:
    """Send again the fanned-out drafts whose issuing task was lost (number reserved or not)."""
    stalled = issuing.fanned_out_drafts_stalled()
    for notice_id, issued_on in stalled:
        advance_notice.delay(notice_id, issued_on.isoformat())
    return len(stalled)
