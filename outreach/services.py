"""Writes of outreach: endpoints (the office leader's), planning messages once.

Every message is saved under its natural key (kind, subject, endpoint, due date; a unique
constraint) and sent by the `outreach.send_message` task, enqueued on commit; sending, retries
and receipts are `outreach.sending`. Messages are planned on the business date of what they are
about (the letter's 成文日期, the 批示's day, the scan's date), never on the wall clock, so a
calendar replayed for past dates plans what it would have planned then.
"""
from __future__ import annotations

import datetime as dt
import json
import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.actors import is_system
from core.task_queue import enqueue_each_on_commit
from notices.models import Delivery, DeliveryStatus, Notice
from notices.services import delivery_outbound_record
from outreach import planning
from outreach.models import Channel, Endpoint, Message, MessageKind, MessageStatus, Scope
from outreach.tasks.sending import send_message
from tracker import permissions
from tracker.choices import AuditAction, Role
from tracker.models import ProblemInstruction
from tracker.services import audit_record

logger = logging.getLogger(__name__)


# --- planning -----------------------------------------------------------------------------


INSERT_FIELDS = ("kind", "subject", "endpoint_id", "channel", "due_on", "planned_on", "notice_id",
                 "delivery_id", "recipient_name", "title", "text", "link", "params", "status", "attempts",
                 "last_error", "provider_ref", "token", "created_at", "updated_at")


def _insert_new(planned: list[Message]) -> int:
    """Insert the rows whose natural key is not taken yet: one query for the keys already there,
    one executemany for the new rows (constant in the number of rows; bulk_create would split
    them into batches of ~45 on SQLite). The unique constraint still refuses a concurrent twin."""
    days = {m.due_on for m in planned}
    taken = set(
        Message.objects.filter(due_on__gte=min(days), due_on__lte=max(days),
                               kind__in={m.kind for m in planned})
        .values_list("kind", "subject", "endpoint_id", "due_on")
    )
    now = timezone.now()
    rows, seen = [], set()
    for m in planned:
        key = (m.kind, m.subject, m.endpoint_id, m.due_on)
        if key in taken or key in seen:
            continue
        seen.add(key)
        rows.append((m.kind, m.subject, m.endpoint_id, m.channel, m.due_on, m.planned_on, m.notice_id,
                     m.delivery_id, m.recipient_name, m.title, m.text, m.link,
                     json.dumps(m.params, ensure_ascii=False), MessageStatus.PENDING, 0, "", "", m.token, now,
                     now))
    if rows:
        table = connection.ops.quote_name(Message._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(name) for name in INSERT_FIELDS)
        placeholders = ", ".join(["%s"] * len(INSERT_FIELDS))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING", rows
            )
    return len(rows)


def _save_and_enqueue(planned: list[Message], *, on_date: dt.date) -> int:
    """Insert the planned rows (a row already there is left alone) and send the pending ones on commit."""
    if not planned:
        return 0
    with transaction.atomic():
        created = _insert_new(planned)
        ids = list(Message.objects.filter(planned_on=on_date, status=MessageStatus.PENDING, attempts=0)
                   .values_list("pk", flat=True))
        enqueue_each_on_commit(send_message, ([pk] for pk in ids))
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


def notice_announce(*, notice_id: int) -> int:
    """新公文 to every endpoint of the letter's recipients (sent when the letter is issued),
    planned on the letter's date. A recipient that no channel reaches any longer (its endpoints
    were removed since the letter was issued) is told it has the letter in its inbox only."""
    notice = Notice.objects.only("issued_on", "created_at").get(pk=notice_id)
    on_date = notice.issued_on or timezone.localtime(notice.created_at).date()
    found = planning.recipients()
    planned = planning.new_letters(on_date=on_date, found=found, notice_id=notice_id) if found.has_any else []
    created = _save_and_enqueue(planned, on_date=on_date)
    with transaction.atomic():
        # Every new-letter message of the letter is in the table now (just planned or planned before).
        told = Message.objects.filter(kind=MessageKind.NEW_LETTER, notice_id=notice_id).values("delivery_id")
        for delivery_id in (Delivery.objects.filter(notice_id=notice_id, status=DeliveryStatus.PENDING)
                            .exclude(pk__in=told).values_list("pk", flat=True)):
            delivery_outbound_record(delivery_id=delivery_id, outcome="inbox_only", at=timezone.now())
    return created


def instruction_announce(*, instruction_id: int) -> int:
    """A city leader's 批示 to the office's endpoints, planned on the day it was made."""
    instruction = ProblemInstruction.objects.only("instructed_at").get(pk=instruction_id)
    on_date = timezone.localtime(instruction.instructed_at).date()
    found = planning.recipients()
    if not found.office:
        return 0
    return _save_and_enqueue(planning.instructions(on_date=on_date, found=found,
                                                   instruction_id=instruction_id),
                             on_date=on_date)


# --- who reads a message -------------------------------------------------------------------


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
                  address: str = "", token_env: str = "", secret_env: str = "",
                  endpoint_id: int | None = None, enabled: bool = True) -> Endpoint:
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
                     data={"channel": channel, "scope": scope, "token_env": token_env,
                           "secret_env": secret_env})
    return endpoint
