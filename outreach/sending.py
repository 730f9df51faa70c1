"""Sending each message once, recording what the provider said, and telling notices.

`message_send` locks the message row while sending, so a message sent twice by the broker, or by
the sweep and a worker at once, reaches the provider once; a failure is recorded with the
provider's error and retried after RETRY_BACKOFF_MINUTES. A new letter's message reports to its
letter's Delivery (notices.services.delivery_outbound_record, in the same transaction): the first
message that reaches a channel makes the recipient 已通知; when every message for it has failed
for good, 通知失败.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notices.models import AnswerStatus
from notices.services import delivery_outbound_record
from outreach import channels
from outreach.channels import sms
from outreach.models import Channel, Message, MessageKind, MessageStatus

logger = logging.getLogger(__name__)

# Back-off between attempts (minutes); after the last one the message stays 发送失败.
RETRY_BACKOFF_MINUTES = (1, 5, 30, 120, 480)
# A pending message no task has sent for this long: its task was lost; the sweep sends it.
LOST_TASK_MINUTES = 10
RATE_LIMIT_WAIT_MINUTES = 1
BATCH = 1000


def _still_needed(message: Message) -> bool:
    """A reminder about a letter the body has signed / answered since it was planned is not sent."""
    delivery = message.delivery
    if delivery is None:
        return True
    if message.kind in (MessageKind.ACK_DUE, MessageKind.ACK_OVERDUE):
        return delivery.acknowledged_at is None
    if message.kind in (MessageKind.ANSWER_DUE, MessageKind.ANSWER_OVERDUE):
        return not delivery.answers.filter(
            status__in=(AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED)
        ).exists()
    return True


def message_send(*, message_id: int) -> Message:
    """Send one message once. A failure is recorded (provider's code and text, next attempt) and
    re-raised as ChannelError; a message sent or skipped is never sent again."""
    with transaction.atomic():
        # Only the message row is locked: its delivery is optional (an outer join PostgreSQL will
        # not lock), and the endpoint is read, not changed.
        message = (Message.objects.select_for_update(of=("self",))
                   .select_related("endpoint", "delivery").get(pk=message_id))
        if message.status in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.SKIPPED):
            return message
        if not message.endpoint.enabled or not _still_needed(message):
            message.status = MessageStatus.SKIPPED
            message.next_attempt_at = None
            message.save(update_fields=["status", "next_attempt_at", "updated_at"])
            _report_to_delivery(message)
            return message
        message.attempts += 1
        try:
            receipt = channels.send(message)
        except channels.ChannelError as error:
            message.status = MessageStatus.FAILED
            message.last_error = str(error)[:2000]
            message.next_attempt_at = _next_attempt(message.attempts, error)
            message.save()
            _report_to_delivery(message)
            failure: channels.ChannelError | None = error
        else:
            failure = None
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.provider_ref = receipt.provider_ref[:100]
            message.last_error = ""
            message.next_attempt_at = None
            message.save()
            _report_to_delivery(message)
    if failure is not None:
        raise failure
    return message


def _report_to_delivery(message: Message) -> None:
    """Tell the letter's Delivery what became of telling its recipient (new-letter messages only):
    sent as soon as one message is; failed once none of its messages can still go out."""
    if message.kind != MessageKind.NEW_LETTER or message.delivery_id is None:
        return
    if message.status == MessageStatus.SENT:
        assert message.sent_at is not None  # set with the status
        delivery_outbound_record(delivery_id=message.delivery_id, outcome="sent", at=message.sent_at,
                                 channel=message.channel)
        return
    if message.status == MessageStatus.FAILED and message.next_attempt_at is not None:
        return  # it will be tried again
    siblings = Message.objects.filter(kind=MessageKind.NEW_LETTER, delivery_id=message.delivery_id)
    if siblings.filter(status__in=(MessageStatus.SENT, MessageStatus.DELIVERED)).exists():
        return
    still_possible = siblings.exclude(pk=message.pk).filter(
        Q(status=MessageStatus.PENDING) | Q(status=MessageStatus.FAILED, next_attempt_at__isnull=False))
    if still_possible.exists():
        return
    if message.status == MessageStatus.SKIPPED and not siblings.filter(status=MessageStatus.FAILED).exists():
        # Every channel was switched off before anything went out: the letter is in the inbox only.
        delivery_outbound_record(delivery_id=message.delivery_id, outcome="inbox_only", at=timezone.now())
        return
    delivery_outbound_record(delivery_id=message.delivery_id, outcome="failed", at=timezone.now(),
                             channel=message.channel, error=message.last_error)


def _next_attempt(attempts: int, error: channels.ChannelError) -> dt.datetime | None:
    if not error.transient or attempts > len(RETRY_BACKOFF_MINUTES):
        return None
    minutes = RETRY_BACKOFF_MINUTES[attempts - 1]
    if error.code in ("130101", "45009", "isv.BUSINESS_LIMIT_CONTROL"):
        minutes = max(minutes, RATE_LIMIT_WAIT_MINUTES)
    return timezone.now() + dt.timedelta(minutes=minutes)


def messages_due_for_retry(*, now: dt.datetime | None = None) -> list[int]:
    """Failed messages whose back-off has elapsed, and pending ones whose task was lost."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(
            Q(status=MessageStatus.FAILED, next_attempt_at__lte=now)
            | Q(status=MessageStatus.PENDING, updated_at__lt=now - dt.timedelta(minutes=LOST_TASK_MINUTES))
        ).order_by("pk").values_list("pk", flat=True)
    )


# --- receipts -----------------------------------------------------------------------------

# The provider waits up to 72 hours for a carrier's report; an SMS still without one after that
# stays 已发送 (no report will come).
RECEIPT_WAIT_HOURS = 72


def sms_receipts_poll(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Ask the SMS provider (QuerySendDetails) what became of every SMS sent in the last 72 hours
    with no final report, and record it: 已送达 with the carrier's time, or 发送失败 with the
    carrier's code (not retried: a resend to a phone the carrier refused would fail the same way
    and would be a second message if it did not). Each row changes by a conditional update, so a
    poll run twice, or beside a slow one, records each report once."""
    counts = {"checked": 0, "delivered": 0, "failed": 0, "waiting": 0, "errors": 0}
    if Channel.SMS not in settings.YIHONG_OUTREACH_CHANNELS:
        return counts
    now = now or timezone.now()
    waiting = (Message.objects.filter(channel=Channel.SMS, status=MessageStatus.SENT,
                                      sent_at__gte=now - dt.timedelta(hours=RECEIPT_WAIT_HOURS))
               .exclude(provider_ref="").select_related("endpoint").order_by("pk"))
    for message in waiting.iterator(chunk_size=BATCH):
        counts["checked"] += 1
        assert message.sent_at is not None  # sent_at__gte above
        try:
            report = sms.query_report(phone=message.endpoint.address, biz_id=message.provider_ref,
                                      sent_at=message.sent_at)
        except channels.ChannelError as error:
            counts["errors"] += 1
            logger.warning("SMS receipt of message %s not read: %s", message.pk, error)
            if error.code in sms.ACCOUNT_ERRORS:
                break  # a bad key, signature or permission fails every query alike
            continue
        still_sent = Message.objects.filter(pk=message.pk, status=MessageStatus.SENT)
        if report is None or report.status == sms.WAITING:
            counts["waiting"] += 1
        elif report.status == sms.DELIVERED:
            counts["delivered"] += still_sent.update(status=MessageStatus.DELIVERED,
                                                     delivered_at=report.received_at or now, updated_at=now)
        else:
            counts["failed"] += still_sent.update(
                status=MessageStatus.FAILED, next_attempt_at=None, updated_at=now,
                last_error=f"{report.err_code or 'UNKNOWN'}: 运营商回执发送失败（短信未送达手机）")
    logger.info("SMS receipts: %s", counts)
    return counts


