"""Tasks that send: thin — an id in, one service call, retried with back-off."""
from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from outreach import sending
from outreach.channels import ChannelError
from outreach.sending import RETRY_BACKOFF_MINUTES

TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


@shared_task(name="outreach.send_message", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=TRANSIENT_DATABASE_ERRORS, max_retries=len(RETRY_BACKOFF_MINUTES),
             time_limit=120, soft_time_limit=100)
def send_message(self, message_id: int) -> str:
    """Send one message. The service records a failure and its next attempt; a worker retries a
    transient one with back-off, and the sweep below picks up whatever a worker lost."""
    try:
        return sending.message_send(message_id=message_id).status
    except ChannelError as error:
        if self.request.is_eager or not error.transient:
            return "failed"
        countdown = RETRY_BACKOFF_MINUTES[min(self.request.retries, len(RETRY_BACKOFF_MINUTES) - 1)] * 60
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="outreach.retry_due_messages", acks_late=True, time_limit=600, soft_time_limit=570)
def retry_due_messages() -> int:
    """Send again every failed message whose back-off has elapsed and every pending one whose task
    was lost."""
    due = sending.messages_due_for_retry()
    for message_id in due:
        send_message.delay(message_id)
    return len(due)


@shared_task(name="outreach.poll_sms_receipts", acks_late=True, autoretry_for=TRANSIENT_DATABASE_ERRORS,
             max_retries=3, time_limit=600, soft_time_limit=570)
def poll_sms_receipts() -> dict:
    """Record the carriers' reports of the SMS sent and not yet delivered or failed."""
    return sending.sms_receipts_poll()
