"""Writes of outreach: endpoints (the office leader's), planning messages once, sending each once.

Every message is saved under its natural key (kind, subject, endpoint, due date; a unique
constraint) and sent by `outreach.send_message`, enqueued on commit. `message_send` locks the
row while sending, so a message sent twice by the broker, or by the sweep and a worker at once,
reaches the provider once; a failure is recorded with the provider's error and retried after
the same back-off as the letters' e-mail (notices RETRY_BACKOFF_MINUTES).
"""
from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.actors import is_system
from core.task_queue import task_send
from notices.models import AnswerStatus
from notices.services import RETRY_BACKOFF_MINUTES
from outreach import channels, planning
from outreach.channels import sms
from outreach.models import Channel, Endpoint, Message, MessageKind, MessageStatus, Scope
from tracker import permissions
from tracker.choices import AuditAction, Role
from tracker.services import audit_record

logger = logging.getLogger(__name__)

SEND_TASK = "outreach.send_message"
# A pending message no task has sent for this long: its task was lost; the sweep sends it.
LOST_TASK_MINUTES = 10
RATE_LIMIT_WAIT_MINUTES = 1
BATCH = 1000


# --- planning -----------------------------------------------------------------------------


INSERT_FIELDS = ("kind", "subject", "endpoint_id", "channel", "due_on", "planned_on", "notice_id", "delivery_id",
                 "recipient_name", "title", "text", "link", "params", "status", "attempts", "last_error",
                 "provider_ref", "token", "created_at", "updated_at")


def _insert_new(planned: list[Message]) -> int:
    """Insert the rows whose natural key is not taken yet: one query for the keys already there,
    one executemany for the new rows (constant in the number of rows; bulk_create would split
    them into batches of ~45 on SQLite). The unique constraint still refuses a concurrent twin."""
    days = {m.due_on for m in planned}
    taken = set(
        Message.objects.filter(due_on__gte=min(days), due_on__lte=max(days), kind__in={m.kind for m in planned})
        .values_list("kind", "subject", "endpoint_id", "due_on")
    )
    now = timezone.now()
    rows, seen = [], set()
    for m in planned:
        key = (m.kind, m.subject, m.endpoint_id, m.due_on)
        if key in taken or key in seen:
            continue
        seen.add(key)
        rows.append((m.kind, m.subject, m.endpoint_id, m.channel, m.due_on, m.planned_on, m.notice_id, m.delivery_id,
                     m.recipient_name, m.title, m.text, m.link, json.dumps(m.params, ensure_ascii=False),
                     MessageStatus.PENDING, 0, "", "", m.token, now, now))
    if rows:
        table = connection.ops.quote_name(Message._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(name) for name in INSERT_FIELDS)
        placeholders = ", ".join(["%s"] * len(INSERT_FIELDS))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING", rows)
    return len(rows)


def _save_and_enqueue(planned: list[Message], *, on_date: dt.date) -> int:
    """Insert the planned rows (a row already there is left alone) and send the pending ones on commit."""
    if not planned:
        return 0
    with transaction.atomic():
        created = _insert_new(planned)
        ids = list(Message.objects.filter(planned_on=on_date, status=MessageStatus.PENDING, attempts=0)
                   .values_list("pk", flat=True))
        transaction.on_commit(lambda: [task_send(SEND_TASK, pk) for pk in ids])
    return created


def reminders_plan(*, on_date: dt.date) -> int:
    """The daily reminder scan (part of the calendar's daily job): 签收/反馈 reminders, 本周未报,
    and any new letter or 批示 of the last days not announced yet. Returns the rows created."""
    found = planning.recipients()
    if not found.has_any:
        return 0
    planned = planning.letter_reminders(on_date=on_date, found=found)
    planned += planning.weekly_unreported(on_date=on_date, found=found)
    planned += planning.new_letters(on_date=on_date, found=found)
    planned += planning.instructions(on_date=on_date, found=found)
    created = _save_and_enqueue(planned, on_date=on_date)
    logger.info("outreach scan %s: %d planned, %d new", on_date, len(planned), created)
    return created


def notice_announce(*, notice_id: int, on_date: dt.date | None = None) -> int:
    """新公文 to every endpoint of the letter's recipients (sent when the letter is issued)."""
    on_date = on_date or timezone.localdate()
    found = planning.recipients()
    if not found.has_any:
        return 0
    return _save_and_enqueue(planning.new_letters(on_date=on_date, found=found, notice_id=notice_id), on_date=on_date)


def instruction_announce(*, instruction_id: int, on_date: dt.date | None = None) -> int:
    """A city leader's 批示 to the office's endpoints."""
    on_date = on_date or timezone.localdate()
    found = planning.recipients()
    if not found.office:
        return 0
    return _save_and_enqueue(planning.instructions(on_date=on_date, found=found, instruction_id=instruction_id),
                             on_date=on_date)


# --- sending ------------------------------------------------------------------------------


def _still_needed(message: Message) -> bool:
    """A reminder about a letter the body has signed / answered since it was planned is not sent."""
    delivery = message.delivery
    if delivery is None:
        return True
    if message.kind in (MessageKind.ACK_DUE, MessageKind.ACK_OVERDUE):
        return delivery.acknowledged_at is None
    if message.kind in (MessageKind.ANSWER_DUE, MessageKind.ANSWER_OVERDUE):
        return not delivery.answers.filter(status__in=(AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED)).exists()
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
            return message
        message.attempts += 1
        try:
            receipt = channels.send(message)
        except channels.ChannelError as error:
            message.status = MessageStatus.FAILED
            message.last_error = str(error)[:2000]
            message.next_attempt_at = _next_attempt(message.attempts, error)
            message.save()
            failure = error
        else:
            failure = None
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.provider_ref = receipt.provider_ref[:100]
            message.last_error = ""
            message.next_attempt_at = None
            message.save()
    if failure is not None:
        raise failure
    return message


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


def _reads_for(message: Message, user) -> bool:
    """Whether `user` is a person the message was written for: the unit's or department's
    liaison, the endpoint's own person, the office's staff for the office's messages."""
    endpoint = message.endpoint
    profile = getattr(user, "staff_profile", None)
    if endpoint.scope == Scope.PERSON:
        return endpoint.user_id == user.pk
    if endpoint.scope == Scope.OFFICE:
        return permissions.is_office_staff(user)
    if profile is None:
        return False
    if endpoint.scope == Scope.UNIT:
        return profile.role == Role.COUNTY_LIAISON and profile.unit_id == endpoint.unit_id
    return profile.role == Role.DEPARTMENT_LIAISON and profile.department_id == endpoint.department_id


def message_open(*, message: Message, acting_user) -> bool:
    """The message's link was opened by `acting_user` (logged in): if the message was for them,
    it is 已读 from now on (the first opening counts; later ones change nothing). Returns whether
    this opening marked it. Reading is a receipt, not a decision: it is not 签收 — the letter's
    page asks for that — and, like a letter's Delivery.read_at, it is not audited."""
    if not acting_user.is_authenticated or not _reads_for(message, acting_user):
        return False
    now = timezone.now()
    return bool(Message.objects.filter(pk=message.pk, read_at__isnull=True)
                .update(read_at=now, read_by=acting_user, updated_at=now))


# --- endpoints (the office leader's page) --------------------------------------------------


def _require_leader(acting_user) -> None:
    if not is_system(acting_user):
        permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以配置消息渠道")


def endpoint_save(*, acting_user, channel: str, scope: str, label: str, unit=None, department=None, user=None,
                  address: str = "", token_env: str = "", secret_env: str = "", endpoint_id: int | None = None,
                  enabled: bool = True) -> Endpoint:
    """Create or change an endpoint (audited). Secrets are never given: only the names of the
    environment variables that hold them."""
    _require_leader(acting_user)
    if channel not in Channel.values or scope not in Scope.values:
        raise ValidationError("渠道或接收方无效")
    if channel in (Channel.WECOM, Channel.DINGTALK) and not token_env:
        raise ValidationError("群机器人须填写保存密钥的环境变量名")
    if channel == Channel.DINGTALK and not secret_env:
        raise ValidationError("钉钉机器人须填写保存“加签”密钥的环境变量名")
    if channel in (Channel.SMS, Channel.EMAIL) and not address.strip():
        raise ValidationError("短信须填写手机号，电子邮件须填写邮箱")
    for name in (token_env, secret_env):
        if name and not name.replace("_", "").isalnum():
            raise ValidationError(f"环境变量名只能含字母、数字和下划线：{name}")
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id) if endpoint_id else Endpoint()
        endpoint.channel, endpoint.scope, endpoint.label = channel, scope, label.strip()[:100] or channel
        endpoint.unit = unit if scope == Scope.UNIT else None
        endpoint.department = department if scope == Scope.DEPARTMENT else None
        endpoint.user = user if scope == Scope.PERSON else None
        endpoint.address, endpoint.token_env, endpoint.secret_env = address.strip(), token_env, secret_env
        endpoint.enabled = enabled
        try:
            endpoint.full_clean()
        except ValidationError as error:
            raise ValidationError("接收方与所选范围不符，请选择对应的县(市、区)、部门或个人") from error
        endpoint.save()
        audit_record(action=AuditAction.OTHER, acting_user=acting_user, object_type="outreach.endpoint",
                     object_id=endpoint.pk, reason=f"配置消息渠道：{endpoint}（{'启用' if enabled else '停用'}）",
                     data={"channel": channel, "scope": scope, "token_env": token_env, "secret_env": secret_env})
    return endpoint
