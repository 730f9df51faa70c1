"""Celery tasks for notices: thin — load by id, call one service, retry on transient errors."""
from __future__ import annotations

import datetime as dt
import smtplib
import socket

from celery import shared_task
from django.db import InterfaceError, OperationalError

from notices import services

TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, socket.error, TimeoutError, ConnectionError)
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


@shared_task(name="notices.advance_notice", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=TRANSIENT_DATABASE_ERRORS, retry_backoff=10, retry_backoff_max=300, max_retries=5,
             time_limit=600, soft_time_limit=570)
def advance_notice(notice_id: int, issued_on: str) -> str:
    """Issue (or queue for sign-off) one drafted notice, dated `issued_on`: one per letter, so a
    calendar job's letters are rendered by every worker at once (the PDF outside the numbering
    lock). Redelivered or sent twice, it finishes the draft with the number it reserved, or finds
    the notice no longer a draft and does nothing."""
    notice = services.notice_advance_in_steps(notice_id=notice_id, issued_on=dt.date.fromisoformat(issued_on))
    return notice.state


@shared_task(name="notices.deliver_notice_email", bind=True, acks_late=True, max_retries=5,
             time_limit=120, soft_time_limit=100)
def deliver_notice_email(self, delivery_id: int) -> None:
    """Email one delivery. The service records a failure and its next attempt time; a worker
    retries with back-off, and the periodic sweep below picks up whatever a worker lost."""
    try:
        services.notice_email_deliver(delivery_id=delivery_id)
    except Exception as error:
        if self.request.is_eager or not isinstance(error, TRANSIENT_MAIL_ERRORS):
            # In-process (demo, tests) or not transient: the failure is recorded on the
            # delivery and the periodic sweep retries it after its back-off.
            return
        countdown = services.RETRY_BACKOFF_MINUTES[min(self.request.retries, len(services.RETRY_BACKOFF_MINUTES) - 1)] * 60
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="notices.retry_failed_deliveries", acks_late=True, time_limit=600)
def retry_failed_deliveries() -> int:
    """Resend every failed delivery whose back-off has elapsed; a sent one is never resent."""
    due = services.deliveries_due_for_retry()
    for delivery_id in due:
        deliver_notice_email.delay(delivery_id)
    return len(due)


@shared_task(name="notices.finish_stalled_drafts", acks_late=True, time_limit=600)
def finish_stalled_drafts() -> int:
    """Send again the fanned-out drafts whose issuing task was lost (number reserved or not)."""
    stalled = services.fanned_out_drafts_stalled()
    for notice_id, issued_on in stalled:
        advance_notice.delay(notice_id, issued_on.isoformat())
    return len(stalled)
