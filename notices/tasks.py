"""Celery tasks for notices: thin — load by id, call one service, retry on transient errors."""
from __future__ import annotations

import smtplib
import socket

from celery import shared_task

from notices import services

TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, socket.error, TimeoutError, ConnectionError)


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
