"""Every write to notices: draft, sign-off, issue (number + PDF + SHA-256), delivery, the loop.

Conventions as in tracker.services: keyword-only, `acting_user` explicit (None = the scheduler,
recorded as “系统”), one transaction, an audit row (AuditAction.NOTICE) in that transaction,
side effects (email) sent on commit through the Celery task in notices.tasks.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from notices import documents, mail, rendering
from notices.models import (
    AnswerAttachment,
    AnswerStatus,
    Contact,
    Delivery,
    DeliveryStatus,
    Notice,
    NoticeAnswer,
    NoticeFormat,
    NoticeKind,
    NoticeKindSetting,
    NoticeState,
    NumberCounter,
)
from tracker import permissions
from tracker.models import AdministrativeUnit, AuditAction, Department, Role
from tracker.services import audit_record
from tracker.workdays import add_working_days

logger = logging.getLogger(__name__)

CITY_GOVERNMENT_NAME = "市人民政府"
DOCUMENT_TEMPLATE = "notices/pdf/document.html"
# When an act is dated another day than today (run_cycle, beat catch-up, the demo), it is recorded
# at this local time of that day: inside office hours, after the 07:00 and 08:30 beat slots.
OFFICE_HOUR = dt.time(9, 0)
# Back-off between email attempts (minutes); after the last one the delivery stays failed.
RETRY_BACKOFF_MINUTES = (1, 5, 30, 120, 480)
# A fanned-out draft untouched for longer than a task may run (notices.tasks: 10 min) was lost.
STALLED_DRAFT_MINUTES = 15


@dataclass(frozen=True)
class KindDefaults:
    number_prefix: str
    notice_format: str
    auto_issue: bool
    answer_required: bool
    acknowledge_workdays: int
    answer_workdays: int


# Defaults per kind (issue 3): the weekly report issues itself; letters wait for a leader.
# Letters share one 代字 (专办函) and so one gapless sequence, as a real office numbers its 函.
KIND_DEFAULTS: dict[str, KindDefaults] = {
    NoticeKind.WEEKLY_REPORT: KindDefaults("临一泓专办报", NoticeFormat.ORDINARY, True, False, 2, 0),
    NoticeKind.MONTHLY_CIRCULAR: KindDefaults("临一泓专办通", NoticeFormat.ORDINARY, False, False, 3, 0),
    NoticeKind.WARNING: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, True, 2, 10),
    NoticeKind.REMINDER: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, False, 2, 0),
    # 督办函: acknowledge within 1 working day, answer within 10 (issue 4, R3).
    NoticeKind.SUPERVISION: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, True, 1, 10),
    NoticeKind.SUMMONS: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, False, 1, 0),
    NoticeKind.LISTED_SUPERVISION: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, True, 2, 15),
    NoticeKind.URGE_REPORT: KindDefaults("临一泓专办催", NoticeFormat.LETTER, True, False, 1, 0),
    NoticeKind.CORRECTION: KindDefaults("临一泓专办更", NoticeFormat.ORDINARY, False, False, 2, 0),
}

DEFAULT_TITLES = {
    NoticeKind.WEEKLY_REPORT: "关于全市生态保护工程本周调度情况的报告",
    NoticeKind.MONTHLY_CIRCULAR: "关于全市生态保护工程月度进展情况的通报",
    NoticeKind.WARNING: "关于生态保护工程进度风险的预警函",
    NoticeKind.REMINDER: "关于加快生态保护工程建设进度的提醒函",
    NoticeKind.SUPERVISION: "关于生态保护工程进度滞后的督办函",
    NoticeKind.SUMMONS: "关于生态保护工程推进不力的约谈通知",
    NoticeKind.LISTED_SUPERVISION: "关于对生态保护工程实行挂牌督办的通知",
    NoticeKind.URGE_REPORT: "关于及时报送工程周调度信息的催报通知",
    NoticeKind.CORRECTION: "更正通知",
}


class NoticeRefused(ValidationError):
    """A notice action that the notice's state or the input does not allow."""


def kind_setting_get(*, kind: str) -> NoticeKindSetting:
    """The kind's settings row, created from the defaults the first time it is needed."""
    defaults = KIND_DEFAULTS[kind]
    setting, _ = NoticeKindSetting.objects.get_or_create(
        kind=kind,
        defaults={
            "number_prefix": defaults.number_prefix,
            "notice_format": defaults.notice_format,
            "auto_issue": defaults.auto_issue,
            "answer_required": defaults.answer_required,
            "acknowledge_workdays": defaults.acknowledge_workdays,
            "answer_workdays": defaults.answer_workdays,
        },
    )
    return setting


def _audit(notice: Notice, *, acting_user, transition: str, from_state: str = "", reason: str = "",
           unit=None, extra: dict | None = None, effective_on: dt.date | None = None) -> None:
    audit_record(
        action=AuditAction.NOTICE,
        acting_user=acting_user,
        unit=unit,
        effective_on=effective_on,
        object_type="notice",
        object_id=notice.pk,
        from_state=from_state,
        to_state=notice.state,
        reason=reason,
        data={"notice_id": notice.pk, "transition": transition, "number": notice.number or "", **(extra or {})},
    )


def _require_office_staff(user) -> None:
    if user is not None:
        permissions.require(permissions.is_office_staff(user), "只有专班办工作人员可以拟制公文")


def _default_title(kind: str, units: list, departments: list) -> str:
    """A letter to one body names it: 关于侯马市生态保护工程进度滞后的督办函."""
    title = DEFAULT_TITLES[kind]
    recipients = [*units, *departments]
    if len(recipients) == 1 and title.startswith("关于"):
        return f"关于{recipients[0].name}{title.removeprefix('关于')}"
    return title


def _main_recipients_text(units, departments, to_city_government: bool) -> str:
    names = []
    if to_city_government:
        names.append(CITY_GOVERNMENT_NAME)
    if len(units) >= AdministrativeUnit.objects.count() and units:
        names.append("各县（市、区）人民政府，临汾经济开发区管委会")
    else:
        names += [f"{u.name}人民政府" if not u.name.endswith("开发区") else f"{u.name}管委会" for u in units]
    names += [d.name for d in departments]
    return "，".join(names)


@transaction.atomic
def notice_draft_create(
    *,
    kind: str,
    title: str | None = None,
    recipient_units=(),
    recipient_departments=(),
    to_city_government: bool = False,
    context: dict,
    source_key: str | None = None,
    period_start: dt.date | None = None,
    acting_user,
    corrects: Notice | None = None,
) -> Notice:
    """A draft notice. Idempotent on `source_key`: the existing notice is returned unchanged."""
    if kind not in NoticeKind.values:
        raise NoticeRefused(f"未知的公文种类：{kind}")
    _require_office_staff(acting_user)
    if source_key:
        existing = Notice.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    units = [u if isinstance(u, AdministrativeUnit) else AdministrativeUnit.objects.get(pk=u) for u in recipient_units]
    departments = [d if isinstance(d, Department) else Department.objects.get(pk=d) for d in recipient_departments]
    if not (units or departments or to_city_government):
        raise NoticeRefused("公文须至少有一个主送机关（县、部门或市人民政府）")
    setting = kind_setting_get(kind=kind)
    notice = Notice(
        kind=kind,
        notice_format=setting.notice_format,
        title=title or context.get("title") or _default_title(kind, units, departments),
        main_recipients=_main_recipients_text(units, departments, to_city_government),
        copy_to=context.get("copy_to", ""),
        to_city_government=to_city_government,
        context=context,
        source_key=source_key or None,
        period_start=period_start,
        corrects=corrects,
        answer_required=setting.answer_required,
        created_by=acting_user if acting_user is not None and acting_user.pk else None,
    )
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        # Two schedulers raced on the same natural key: the other one's draft wins.
        if source_key:
            return Notice.objects.get(source_key=source_key)
        raise
    notice.recipient_units.set(units)
    notice.recipient_departments.set(departments)
    _audit(notice, acting_user=acting_user, transition="draft", extra={"kind": kind})
    return notice


def _lock_notice(notice_id: int) -> Notice:
    return Notice.objects.select_for_update().get(pk=notice_id)


def moment_on(day: dt.date | None) -> dt.datetime:
    """The instant an act dated `day` is recorded at: now when `day` is today (or not given);
    for another day (a simulated or caught-up date), that day at OFFICE_HOUR, so that what a
    calendar job does for a date carries that date and not the wall clock's."""
    now = timezone.now()
    if day is None or day == timezone.localdate(now):
        return now
    return timezone.make_aware(dt.datetime.combine(day, OFFICE_HOUR))


@transaction.atomic
def notice_advance_after_draft(*, notice_id: int, acting_user, issued_on: dt.date | None = None) -> Notice:
    """Issue at once when the kind issues automatically, else queue it for a leader's sign-off.

    `issued_on`: the date the notice is issued on (成文日期, number year, deadlines); the
    calendar passes the date its job runs for. Default: today."""
    notice = _lock_notice(notice_id)
    if notice.state != NoticeState.DRAFT:
        return notice
    setting = kind_setting_get(kind=notice.kind)
    if setting.auto_issue:
        return _issue(notice, acting_user=acting_user, setting=setting, issued_on=issued_on)
    _require_office_staff(acting_user)
    notice.submit_for_signoff()
    notice.save()
    _audit(notice, acting_user=acting_user, transition="submit_for_signoff", from_state=NoticeState.DRAFT)
    return notice


def tasks_run_in_process() -> bool:
    """True when Celery tasks run eagerly in this process (no broker: the embedded default)."""
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def notice_advance_later(*, notice_id: int, issued_on: dt.date) -> None:
    """Fan-out: advance (issue or queue) the draft in its own Celery task once the caller's
    transaction commits — one task per notice, so that N workers render N letters at once.

    With no broker (tasks eager, the embedded default) it is done here, inside the caller's
    transaction, exactly as before: the firing and its issued notice commit together.
    Idempotent either way: a notice no longer a draft is left as it is."""
    if tasks_run_in_process():
        notice_advance_after_draft(notice_id=notice_id, acting_user=None, issued_on=issued_on)
        return
    # The date it is to be issued on, kept on the draft: should the task be lost (a broker
    # restarted without its data), the periodic sweep sends it again for that date.
    Notice.objects.filter(pk=notice_id, state=NoticeState.DRAFT).update(issued_on=issued_on,
                                                                        updated_at=timezone.now())

    def enqueue():
        from notices.tasks import advance_notice

        advance_notice.delay(notice_id, issued_on.isoformat())

    transaction.on_commit(enqueue)


def notice_advance_in_steps(*, notice_id: int, issued_on: dt.date) -> Notice:
    """What a worker does with one fanned-out draft: `notice_advance_after_draft`, but with the
    PDF rendered between two short transactions rather than inside the one that holds the
    number counter's lock. Letters sharing a 机关代字 (all the month's 函) would otherwise be
    rendered one after another however many workers there are.

    1. (short) Lock the notice. Not a draft: nothing to do. A kind needing sign-off: queue it.
       Otherwise reserve its number (the counter is locked for the increment only) and keep it
       on the draft with the issue date.
    2. Render the PDF with that number — no transaction, no lock.
    3. (short) Lock the notice again; still the draft holding that number: store, freeze, deliver.

    The numbers stay gapless: a failure after step 1 leaves the reservation on the draft, and
    the redelivered task (acks late), the sweep of stalled drafts (`fanned_out_drafts_stalled`)
    or a leader's signature issues it with that same number; a reserved draft cannot be voided."""
    with transaction.atomic():
        notice = _lock_notice(notice_id)
        if notice.state != NoticeState.DRAFT:
            return notice
        setting = kind_setting_get(kind=notice.kind)
        if not setting.auto_issue:
            return notice_advance_after_draft(notice_id=notice_id, acting_user=None, issued_on=issued_on)
        if notice.number_sequence is None:
            _number_reserve(notice, setting=setting, issued_on=issued_on)
            _audit(notice, acting_user=None, transition="reserve_number", from_state=notice.state,
                   extra={"reserved": documents.document_number(notice.number_prefix, notice.number_year,
                                                                notice.number_sequence)},
                   effective_on=issued_on)
    rendered_version = notice.updated_at
    pdf_bytes = _pdf_render(notice)
    with transaction.atomic():
        notice = _lock_notice(notice_id)
        if notice.state != NoticeState.DRAFT:
            return notice  # issued meanwhile (a redelivered task, a leader's signature)
        if notice.updated_at != rendered_version:
            pdf_bytes = None  # the draft changed while it rendered: render it again, here
        return _issue(notice, acting_user=None, setting=kind_setting_get(kind=notice.kind), pdf_bytes=pdf_bytes)


def _number_reserve(notice: Notice, *, setting: NoticeKindSetting, issued_on: dt.date) -> None:
    """Take the next number for the draft and keep it there, with the date it is issued on (the
    counter stays locked until the caller's transaction ends)."""
    notice.number_prefix = setting.number_prefix
    notice.number_year = issued_on.year
    notice.number_sequence = _next_number(setting.number_prefix, issued_on.year)
    notice.issued_on = issued_on
    notice.save(update_fields=["number_prefix", "number_year", "number_sequence", "issued_on", "updated_at"])


def _number_is_reserved(notice: Notice) -> bool:
    return notice.number_sequence is not None and not notice.is_issued


@transaction.atomic
def notice_sign_and_issue(*, notice_id: int, acting_user, issued_on: dt.date | None = None) -> Notice:
    """A leader signs a draft or queued notice: it is numbered, rendered, frozen and delivered.
    `issued_on`: the signing date (default today)."""
    permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以签发公文")
    notice = _lock_notice(notice_id)
    if notice.state not in (NoticeState.DRAFT, NoticeState.PENDING_SIGNOFF):
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能签发")
    return _issue(notice, acting_user=acting_user, setting=kind_setting_get(kind=notice.kind),
                  issued_on=issued_on)


def _next_number(prefix: str, year: int) -> int:
    """The next sequence number, with the counter row locked until the transaction ends."""
    try:
        with transaction.atomic():
            NumberCounter.objects.get_or_create(number_prefix=prefix, year=year)
    except IntegrityError:
        pass  # created concurrently by another issuer; it exists now
    counter = NumberCounter.objects.select_for_update().get(number_prefix=prefix, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def document_for(notice: Notice, *, number: str | None, issued_on: dt.date) -> dict:
    return documents.build_document(
        notice_format=notice.notice_format,
        number=number,
        title=notice.title,
        main_recipients=notice.main_recipients,
        context=notice.context,
        issued_on=issued_on,
        copy_to=notice.copy_to,
    )


def notice_preview_pdf(*, notice: Notice) -> bytes:
    """The draft as it would print (no number). Nothing is stored."""
    return rendering.render_pdf(DOCUMENT_TEMPLATE, {"doc": document_for(notice, number=None,
                                                                         issued_on=timezone.localdate())})


def _recipients(notice: Notice) -> list[dict]:
    rows = []
    if notice.to_city_government:
        rows.append({"recipient_key": "city", "recipient_name": CITY_GOVERNMENT_NAME, "unit": None,
                     "department": None,
                     "emails": list(Contact.objects.filter(for_city_government=True).exclude(email="")
                                    .values_list("email", flat=True))})
    for unit in notice.recipient_units.all():
        rows.append({"recipient_key": f"unit:{unit.pk}", "recipient_name": unit.name, "unit": unit,
                     "department": None,
                     "emails": list(unit.notice_contacts.exclude(email="").values_list("email", flat=True))})
    for department in notice.recipient_departments.all():
        rows.append({"recipient_key": f"department:{department.pk}", "recipient_name": department.name,
                     "unit": None, "department": department,
                     "emails": list(department.notice_contacts.exclude(email="").values_list("email", flat=True))})
    return rows


def _deadline_workdays(notice: Notice, setting: NoticeKindSetting) -> tuple[int, int]:
    """(acknowledge, answer) working days: the kind's setting, unless the rule that drafted the
    letter fixed them (the calendar's thresholds, e.g. R3's 1 and 10, stored in the context)."""
    fixed = notice.context.get("deadline_workdays") or {}
    return (int(fixed.get("acknowledge", setting.acknowledge_workdays)),
            int(fixed.get("answer", setting.answer_workdays)))


def _pdf_store(name: str, pdf_bytes: bytes) -> str:
    """Write the issued PDF; a full disk or an unwritable media folder refuses the issue (the
    caller's transaction rolls the number back) and leaves no partial file behind."""
    name = default_storage.get_available_name(name)
    try:
        return default_storage.save(name, ContentFile(pdf_bytes))
    except OSError as error:
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
        except OSError:
            logger.exception("partial PDF %s could not be removed", name)
        logger.error("notice PDF %s could not be stored: %s", name, error)
        raise NoticeRefused(
            f"公文PDF无法写入存储（{error.strerror or type(error).__name__}），请检查磁盘空间和文件目录权限；"
            "公文未签发，文号未占用"
        ) from error


def _pdf_render(notice: Notice) -> bytes:
    """The PDF of a notice whose number is reserved (number fields and issue date set)."""
    number = documents.document_number(notice.number_prefix, notice.number_year, notice.number_sequence)
    return rendering.render_pdf(DOCUMENT_TEMPLATE, {"doc": document_for(notice, number=number,
                                                                         issued_on=notice.issued_on)})


def _issue(notice: Notice, *, acting_user, setting: NoticeKindSetting,
           issued_on: dt.date | None = None, pdf_bytes: bytes | None = None) -> Notice:
    """Number, render, store and freeze. All or nothing: a failure rolls the number back too.

    `issued_on` dates everything the document carries (成文日期, the number's year, deadlines
    in working days from it, issued_at); default today. A draft whose number was reserved
    (`notice_advance_in_steps`) keeps that number and date; `pdf_bytes`, when given, is its PDF
    already rendered with them."""
    from_state = notice.state
    reserved = _number_is_reserved(notice)
    if reserved:
        issued_on = notice.issued_on
    else:
        pdf_bytes = None  # rendered with a number it may not get
    now = moment_on(issued_on)
    issued_on = timezone.localdate(now)
    acknowledge_workdays, answer_workdays = _deadline_workdays(notice, setting)
    if not reserved:
        _number_reserve(notice, setting=setting, issued_on=issued_on)
    sequence = notice.number_sequence
    number = documents.document_number(notice.number_prefix, notice.number_year, sequence)
    if pdf_bytes is None:
        pdf_bytes = _pdf_render(notice)
    stored_name = _pdf_store(f"notices/{issued_on.year}/{notice.number_prefix}-{issued_on.year}-{sequence}.pdf",
                             pdf_bytes)
    # If anything below fails the transaction rolls back; the file must not outlive it.
    try:
        notice.number = number
        notice.pdf.name = stored_name
        notice.sha256 = hashlib.sha256(pdf_bytes).hexdigest()
        notice.issued_at = now
        notice.issued_on = issued_on
        notice.signed_by = acting_user if acting_user is not None and acting_user.pk else None
        notice.answer_required = setting.answer_required
        notice.acknowledge_deadline = add_working_days(issued_on, acknowledge_workdays)
        notice.answer_deadline = (
            add_working_days(issued_on, answer_workdays) if setting.answer_required else None
        )
        notice.issue()
        notice.save()
        delivery_ids = []
        for row in _recipients(notice):
            delivery = Delivery.objects.create(
                notice=notice,
                status=DeliveryStatus.PENDING if row["emails"] else DeliveryStatus.INBOX_ONLY,
                **row,
            )
            delivery_ids.append(delivery.pk)
        _audit(notice, acting_user=acting_user, transition="issue", from_state=from_state,
               extra={"sha256": notice.sha256, "recipients": len(delivery_ids)}, effective_on=issued_on)
        _sync_notice_state(notice, acting_user=acting_user)
    except Exception:
        default_storage.delete(stored_name)
        raise

    def enqueue():
        from notices.tasks import deliver_notice_email

        for delivery_id in delivery_ids:
            deliver_notice_email.delay(delivery_id)

    transaction.on_commit(enqueue)
    return notice


def _sync_notice_state(notice: Notice, *, acting_user) -> None:
    """Advance the notice as far as its deliveries allow (送达 → 签收 → 反馈)."""
    deliveries = list(notice.deliveries.all())
    if not deliveries:
        return
    changed = True
    while changed:
        changed = False
        from_state = notice.state
        if notice.state == NoticeState.ISSUED and all(
            d.status in (DeliveryStatus.SENT, DeliveryStatus.INBOX_ONLY) for d in deliveries
        ):
            notice.mark_delivered()
        elif notice.state in (NoticeState.ISSUED, NoticeState.DELIVERED) and all(
            d.acknowledged_at for d in deliveries
        ):
            notice.acknowledge()
        elif notice.state == NoticeState.ACKNOWLEDGED and notice.answer_required and all(
            d.answers.filter(status__in=[AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED]).exists()
            for d in deliveries
        ):
            notice.answer()
        else:
            break
        notice.save()
        _audit(notice, acting_user=acting_user, transition=notice.state, from_state=from_state)
        changed = True


# --- delivery ------------------------------------------------------------------------------

def notice_email_deliver(*, delivery_id: int) -> Delivery:
    """Send one delivery's email once. A failure is recorded with the next attempt time and
    re-raised; a delivery already sent is never sent again (the row is locked while sending)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("notice").get(pk=delivery_id)
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.INBOX_ONLY):
            return delivery
        notice = delivery.notice
        delivery.attempts += 1
        try:
            with notice.pdf.open("rb") as handle:
                pdf_bytes = handle.read()
            mail.notice_email_send(
                recipients=delivery.emails,
                subject=f"{notice.number} {notice.title}",
                body=(f"{delivery.recipient_name}：\n\n{settings.YIHONG_NOTICE_ISSUER}印发《{notice.title}》"
                      f"（{notice.number}），见附件。请登录一泓系统签收"
                      + (f"，并于{documents.chinese_date(notice.answer_deadline)}前反馈整改情况" if notice.answer_deadline else "")
                      + "。"),
                pdf_name=f"{notice.number}.pdf",
                pdf_bytes=pdf_bytes,
            )
        except Exception as error:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            backoff = RETRY_BACKOFF_MINUTES[min(delivery.attempts, len(RETRY_BACKOFF_MINUTES)) - 1]
            delivery.next_attempt_at = (
                timezone.now() + dt.timedelta(minutes=backoff) if delivery.attempts < len(RETRY_BACKOFF_MINUTES) + 1
                else None
            )
            delivery.save()
            _audit(notice, acting_user=None, transition="delivery_failed", unit=delivery.unit,
                   extra={"delivery_id": delivery.pk, "attempt": delivery.attempts, "error": delivery.last_error})
            failure = error
        else:
            failure = None
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.next_attempt_at = None
            delivery.save()
            _audit(notice, acting_user=None, transition="deliver", unit=delivery.unit,
                   extra={"delivery_id": delivery.pk, "attempt": delivery.attempts})
            locked = _lock_notice(notice.pk)
            _sync_notice_state(locked, acting_user=None)
    if failure is not None:
        raise failure
    return delivery


def fanned_out_drafts_stalled(*, now: dt.datetime | None = None) -> list[tuple[int, dt.date]]:
    """(id, issue date) of the drafts sent to a worker (their issue date set, their number
    perhaps reserved) that no task has advanced for longer than any task may run: the message
    was lost (a broker restarted without its data). The periodic sweep sends them again, so no
    calendar letter stays unissued and no reserved number stays a gap."""
    now = now or timezone.now()
    return list(
        Notice.objects.filter(state=NoticeState.DRAFT, issued_on__isnull=False,
                              updated_at__lt=now - dt.timedelta(minutes=STALLED_DRAFT_MINUTES))
        .order_by("pk")
        .values_list("pk", "issued_on")
    )


def deliveries_due_for_retry(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=DeliveryStatus.FAILED, next_attempt_at__lte=now).values_list("pk", flat=True)
    )


# --- the recipient's loop --------------------------------------------------------------------

def recipient_delivery_for(*, notice: Notice, user) -> Delivery | None:
    """The delivery row the user answers for (their unit's, department's or the city's)."""
    role = permissions.role_of(user)
    profile = getattr(user, "staff_profile", None)
    if role == Role.COUNTY_LIAISON:
        return notice.deliveries.filter(unit_id=profile.unit_id).first()
    if role == Role.DEPARTMENT_LIAISON:
        return notice.deliveries.filter(department_id=profile.department_id).first()
    if role == Role.CITY_LEADER:
        return notice.deliveries.filter(recipient_key="city").first()
    return None


def _delivery_or_refuse(notice: Notice, user) -> Delivery:
    delivery = recipient_delivery_for(notice=notice, user=user)
    if delivery is None:
        raise PermissionDenied("该公文不是发给您所在单位的")
    return delivery


@transaction.atomic
def notice_mark_read(*, notice_id: int, acting_user) -> None:
    notice = Notice.objects.get(pk=notice_id)
    delivery = recipient_delivery_for(notice=notice, user=acting_user)
    if delivery is not None and delivery.read_at is None:
        Delivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notice_acknowledge(*, notice_id: int, acting_user, on_date: dt.date | None = None) -> Delivery:
    """签收: the recipient confirms receipt (timestamped; `on_date` for a simulated day, default
    now). Acknowledging twice changes nothing."""
    notice = _lock_notice(notice_id)
    delivery = _delivery_or_refuse(notice, acting_user)
    if not notice.is_issued or notice.state == NoticeState.CLOSED:
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能签收")
    if delivery.acknowledged_at is not None:
        return delivery
    delivery.acknowledged_at = moment_on(on_date)
    delivery.acknowledged_by = acting_user
    if delivery.read_at is None:
        delivery.read_at = delivery.acknowledged_at
    delivery.save()
    _audit(notice, acting_user=acting_user, transition="acknowledge", unit=delivery.unit,
           extra={"delivery_id": delivery.pk}, effective_on=on_date)
    _sync_notice_state(notice, acting_user=acting_user)
    return delivery


@dataclass(frozen=True)
class UploadedAttachment:
    name: str
    content: bytes


ALLOWED_ATTACHMENT_TYPES = ("pdf", "jpg", "png", "doc", "docx", "xls", "xlsx")


def attachment_type_detect(*, name: str, content: bytes) -> str | None:
    """The file's real type from its first bytes, if it is an allowed one and matches the name."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "jpeg":
        extension = "jpg"
    if content.startswith(b"%PDF-"):
        detected = "pdf"
    elif content.startswith(b"\xff\xd8\xff"):
        detected = "jpg"
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        detected = "png"
    elif content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: legacy .doc / .xls
        detected = extension if extension in ("doc", "xls") else None
    elif content.startswith(b"PK\x03\x04"):  # OOXML is a zip holding word/ or xl/
        marker = {"docx": b"word/", "xlsx": b"xl/"}.get(extension)
        detected = extension if marker and marker in content[:200_000] or marker and _zip_has(content, marker) else None
    else:
        detected = None
    return detected if detected == extension else None


def _zip_has(content: bytes, prefix: bytes) -> bool:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return any(name.encode().startswith(prefix) for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


def _size_text(size: int) -> str:
    return f"{size / 1048576:g} MB" if size >= 1048576 else f"{size / 1024:g} KB"


def _validate_attachments(files: list[UploadedAttachment]) -> list[str]:
    limit = settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES
    types = []
    for upload in files:
        if len(upload.content) > limit:
            raise NoticeRefused(f"附件“{upload.name}”超过大小上限（{_size_text(limit)}）")
        if not upload.content:
            raise NoticeRefused(f"附件“{upload.name}”是空文件")
        detected = attachment_type_detect(name=upload.name, content=upload.content)
        if detected is None:
            raise NoticeRefused(
                f"附件“{upload.name}”的类型不被接受或与文件内容不符；只接受 PDF、JPG、PNG、DOC、DOCX、XLS、XLSX 文件"
            )
        types.append(detected)
    return types


@transaction.atomic
def notice_answer(*, notice_id: int, acting_user, text: str, files: list[UploadedAttachment] = (),
                  on_date: dt.date | None = None) -> NoticeAnswer:
    """整改反馈: the recipient answers, with attachments (`on_date` for a simulated day, default
    now). Bad input changes nothing."""
    files = list(files)
    text = (text or "").strip()
    if not text:
        raise NoticeRefused("请填写整改情况说明")
    types = _validate_attachments(files)
    notice = _lock_notice(notice_id)
    delivery = _delivery_or_refuse(notice, acting_user)
    if delivery.acknowledged_at is None:
        raise NoticeRefused("请先签收公文再提交整改反馈")
    if notice.state in (NoticeState.CLOSED, NoticeState.VOIDED):
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能再反馈")
    if delivery.answers.filter(status=AnswerStatus.SUBMITTED).exists():
        raise NoticeRefused("已提交的反馈正在审核，请等待审核结果")
    answer = NoticeAnswer.objects.create(
        notice=notice, delivery=delivery, text=text, submitted_by=acting_user, submitted_at=moment_on(on_date)
    )
    stored: list[str] = []
    try:
        for upload, file_type in zip(files, types, strict=True):
            attachment = AnswerAttachment(answer=answer, original_name=upload.name[:200], file_type=file_type,
                                          size=len(upload.content))
            attachment.file.save(f"answer-{answer.pk}.{file_type}", ContentFile(upload.content), save=False)
            stored.append(attachment.file.name)
            attachment.save()
        _audit(notice, acting_user=acting_user, transition="answer", unit=delivery.unit,
               extra={"answer_id": answer.pk, "attachments": len(files)}, effective_on=on_date)
        _sync_notice_state(notice, acting_user=acting_user)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return answer


def _require_reviewer(user) -> None:
    permissions.require(permissions.is_office_staff(user), "只有专班办工作人员可以审核反馈")


@transaction.atomic
def notice_close(*, notice_id: int, acting_user, comment: str = "", on_date: dt.date | None = None) -> Notice:
    """办结: the office accepts the answers (or closes a notice that needs none); `on_date` for a
    simulated day (default now)."""
    _require_reviewer(acting_user)
    notice = _lock_notice(notice_id)
    if notice.answer_required and notice.state != NoticeState.ANSWERED:
        raise NoticeRefused("整改反馈尚未全部提交，不能办结")
    if notice.state not in (NoticeState.ANSWERED, NoticeState.ACKNOWLEDGED, NoticeState.DELIVERED):
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能办结")
    now = moment_on(on_date)
    notice.answers.filter(status=AnswerStatus.SUBMITTED).update(
        status=AnswerStatus.ACCEPTED, reviewed_by=acting_user, reviewed_at=now, review_reason=comment
    )
    from_state = notice.state
    notice.close()
    notice.closed_at = now
    notice.save()
    _audit(notice, acting_user=acting_user, transition="close", from_state=from_state, reason=comment,
           effective_on=on_date)
    return notice


@transaction.atomic
def notice_return(*, notice_id: int, acting_user, reason: str) -> Notice:
    """退回: the office rejects the submitted answers; the recipient answers again."""
    _require_reviewer(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise NoticeRefused("退回须填写原因")
    notice = _lock_notice(notice_id)
    if notice.state != NoticeState.ANSWERED:
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，没有待审核的反馈")
    notice.answers.filter(status=AnswerStatus.SUBMITTED).update(
        status=AnswerStatus.RETURNED, reviewed_by=acting_user, reviewed_at=timezone.now(), review_reason=reason
    )
    notice.return_answer()
    notice.save()
    _audit(notice, acting_user=acting_user, transition="return", from_state=NoticeState.ANSWERED, reason=reason)
    return notice


@transaction.atomic
def notice_void(*, notice_id: int, acting_user, reason: str = "") -> Notice:
    """作废 a draft or a notice waiting for sign-off (an issued one is corrected instead)."""
    _require_office_staff(acting_user)
    notice = _lock_notice(notice_id)
    if notice.state not in (NoticeState.DRAFT, NoticeState.PENDING_SIGNOFF):
        raise NoticeRefused("已签发的公文不能作废，请发更正通知")
    if _number_is_reserved(notice):
        # Voiding it would leave a gap in the numbers (发文字号不得空号).
        raise NoticeRefused("该公文正在签发，文号已预留，不能作废；签发后如有错误请发更正通知")
    from_state = notice.state
    notice.void()
    notice.save()
    _audit(notice, acting_user=acting_user, transition="void", from_state=from_state, reason=reason)
    return notice


@transaction.atomic
def notice_correct(*, notice_id: int, acting_user, correction_text: str) -> Notice:
    """更正: a new notice to the same recipients that references the corrected one."""
    _require_office_staff(acting_user)
    original = Notice.objects.get(pk=notice_id)
    if not original.is_issued:
        raise NoticeRefused("只有已签发的公文需要更正；草稿可直接修改或作废")
    correction_text = (correction_text or "").strip()
    if not correction_text:
        raise NoticeRefused("请填写更正内容")
    context = {
        "blocks": [
            {"kind": "p", "text": f"我办于{documents.chinese_date(original.issued_on)}印发的《{original.title}》"
                                  f"（{original.number}）有误，现更正如下："},
            *[{"kind": "p", "text": line.strip()} for line in correction_text.splitlines() if line.strip()],
            {"kind": "p", "text": "其余内容不变。特此更正。"},
        ],
        "copy_to": original.copy_to,
    }
    correction = notice_draft_create(
        kind=NoticeKind.CORRECTION,
        title=f"关于更正《{original.title}》的通知",
        recipient_units=list(original.recipient_units.all()),
        recipient_departments=list(original.recipient_departments.all()),
        to_city_government=original.to_city_government,
        context=context,
        acting_user=acting_user,
        corrects=original,
    )
    _audit(correction, acting_user=acting_user, transition="correct", extra={"corrects": original.pk})
    return correction
