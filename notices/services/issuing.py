"""签发 and issue: number (gapless, per 代字 and year), PDF, SHA-256, deliveries.

Every document the calendar drafts (letters, the weekly report, the monthly circular) is issued
by `notice_advance_in_steps` in the `notices.advance_notice` task (notices.services.fan_out
enqueues it): reserve the number, render outside the lock, seal, issue, deliver. A leader's
签发 (`notice_sign_and_issue`) and a clerk's hand-made letter take `notice_advance_after_draft`,
the same steps in the request's one transaction."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import cast

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.actors import SYSTEM, actor_user
from core.workdays import add_working_days
from notices import attached_files, documents, outbound, sealing
from notices.models import (
    Delivery,
    DeliveryStatus,
    Notice,
    NoticeState,
    NumberCounter,
)
from notices.services import arrangements
from notices.services.drafting import CITY_GOVERNMENT_NAME
from notices.services.records import (
    NoticeRefused,
    _audit,
    _lock_notice,
    _require_office_staff,
    _sync_notice_state,
    moment_on,
)
from offices.models import DocumentKindSetting
from offices.selectors import document_kind_setting
from tracker import permissions

logger = logging.getLogger(__name__)

DOCUMENT_TEMPLATE = "notices/pdf/document.html"
# The same document with a 草稿 watermark on every page (the leader's preview before 签发).
PREVIEW_TEMPLATE = "notices/pdf/preview.html"

# A fanned-out draft untouched for longer than a task may run (notices.tasks: 10 min) was lost.
STALLED_DRAFT_MINUTES = 15


@transaction.atomic
def notice_advance_after_draft(*, notice_id: int, acting_user, issued_on: dt.date | None = None) -> Notice:
    """Issue at once when the kind issues automatically, else queue it for a leader's sign-off.

    `issued_on`: the date the notice is issued on (成文日期, number year, deadlines); the
    calendar passes the date its job runs for. Default: today."""
    notice = _lock_notice(notice_id)
    if notice.state != NoticeState.DRAFT:
        return notice
    setting = document_kind_setting(notice.kind)
    # A kind that issues itself still waits for sign-off while something it must state is
    # missing (the office's contact, a summons's meeting): never a letter without them.
    if setting.auto_issue and not arrangements.issue_blockers(notice, setting):
        return _issue(notice, acting_user=acting_user, setting=setting, issued_on=issued_on)
    _require_office_staff(acting_user)
    notice.submit_for_signoff()
    notice.save()
    _audit(notice, acting_user=acting_user, transition="submit_for_signoff", from_state=NoticeState.DRAFT)
    return notice


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
        setting = document_kind_setting(notice.kind)
        if not setting.auto_issue or arrangements.issue_blockers(notice, setting):
            return notice_advance_after_draft(notice_id=notice_id, acting_user=SYSTEM, issued_on=issued_on)
        if notice.number_sequence is None:
            _number_reserve(notice, setting=setting, issued_on=issued_on)
            _audit(notice, acting_user=SYSTEM, transition="reserve_number", from_state=notice.state,
                   extra={"reserved": _reserved_number(notice)},
                   effective_on=issued_on)
    rendered_version = notice.updated_at
    pdf_bytes: bytes | None = _pdf_render(notice)
    with transaction.atomic():
        notice = _lock_notice(notice_id)
        if notice.state != NoticeState.DRAFT:
            return notice  # issued meanwhile (a redelivered task, a leader's signature)
        if notice.updated_at != rendered_version:
            pdf_bytes = None  # the draft changed while it rendered: render it again, here
        return _issue(notice, acting_user=SYSTEM, setting=document_kind_setting(notice.kind),
                      pdf_bytes=pdf_bytes)


def _number_reserve(notice: Notice, *, setting: DocumentKindSetting, issued_on: dt.date) -> None:
    """Take the next number for the draft and keep it there, with the date it is issued on (the
    counter stays locked until the caller's transaction ends)."""
    notice.number_prefix = setting.number_prefix
    notice.number_year = issued_on.year
    notice.number_sequence = _next_number(setting.number_prefix, issued_on.year)
    notice.issued_on = issued_on
    # The letter's demand carries calendar dates counted from the issue date, and its 附注 the
    # office's contact as it stands now: both are fixed here, before the PDF is rendered.
    acknowledge_by, answer_by = arrangements.deadlines_at_issue(
        issued_on=issued_on, acknowledge_workdays=_deadline_workdays(notice, setting)[0],
        answer_workdays=_deadline_workdays(notice, setting)[1], answer_required=setting.answer_required)
    notice.context = arrangements.content_at_issue(notice, acknowledge_by=acknowledge_by, answer_by=answer_by)
    notice.save(update_fields=["number_prefix", "number_year", "number_sequence", "issued_on", "context",
                               "updated_at"])


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
    return _issue(notice, acting_user=acting_user, setting=document_kind_setting(notice.kind),
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


def signer_name(notice: Notice) -> str:
    """签发人 of an 上行文 (GB/T 9704 §7.2.5): the leader who signed it; for a kind that issues
    automatically, the office's leader (the first active one by name), who set it to."""
    from django.contrib.auth import get_user_model

    from tracker.choices import Role

    user = notice.signed_by
    # A clerk who pressed "issue" on an automatically issued report did not sign it: the 签发人
    # printed on a report to 市人民政府 is always a leader of the office.
    if user is not None and getattr(getattr(user, "staff_profile", None), "role", None) != Role.OFFICE_LEADER:
        user = None
    if user is None:
        user = (get_user_model().objects.filter(is_active=True, staff_profile__role=Role.OFFICE_LEADER)
                .order_by("first_name", "username").first())
    if user is None:
        return ""
    return user.get_full_name() or user.username


def document_for(notice: Notice, *, number: str | None, issued_on: dt.date,
                 files: Sequence[attached_files.AttachedFile] = ()) -> dict:
    """The document of the notice; `files` (its own attached files, read from storage) to lay
    out as 附件 after the body — the PDF needs them, the letter's page lists them only."""
    return documents.build_document(
        notice_format=notice.notice_format,
        number=number,
        title=notice.title,
        main_recipients=notice.main_recipients,
        context=notice.context,
        issued_on=issued_on,
        copy_to=notice.copy_to,
        kind=notice.kind,
        signer=signer_name(notice) if notice.kind in documents.UPWARD_KINDS else "",
        files=attached_files.appendix_files(list(files)),
    )


def _pdf_with_files(notice: Notice, template_name: str, *, number: str | None, issued_on: dt.date) -> bytes:
    """The notice's PDF with its own files appended after the body (GB/T 9704 §7.3.7)."""
    files = attached_files.notice_files(notice)
    doc = document_for(notice, number=number, issued_on=issued_on, files=files)
    return attached_files.pdf_render(template_name, doc, files)


def notice_preview_pdf(*, notice: Notice) -> bytes:
    """The draft as it would print (no number), watermarked 草稿. Nothing is stored."""
    return _pdf_with_files(notice, PREVIEW_TEMPLATE, number=None, issued_on=timezone.localdate())


def _recipients(notice: Notice) -> list[dict]:
    rows: list[dict] = []
    if notice.to_city_government:
        rows.append({"recipient_key": "city", "recipient_name": CITY_GOVERNMENT_NAME, "unit": None,
                     "department": None})
    for unit in notice.recipient_units.all():
        rows.append({"recipient_key": f"unit:{unit.pk}", "recipient_name": unit.name, "unit": unit,
                     "department": None})
    for department in notice.recipient_departments.all():
        rows.append({"recipient_key": f"department:{department.pk}", "recipient_name": department.name,
                     "unit": None, "department": department})
    return rows


def _deadline_workdays(notice: Notice, setting: DocumentKindSetting) -> tuple[int, int]:
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


def _reserved_number(notice: Notice) -> str:
    """The 文号 of a notice whose number is reserved (its prefix, year and sequence set)."""
    assert notice.number_year is not None and notice.number_sequence is not None
    return documents.document_number(notice.number_prefix, notice.number_year, notice.number_sequence)


def _pdf_render(notice: Notice) -> bytes:
    """The PDF of a notice whose number is reserved (number fields and issue date set)."""
    assert notice.issued_on is not None
    pdf_bytes = _pdf_with_files(notice, DOCUMENT_TEMPLATE, number=_reserved_number(notice),
                                issued_on=notice.issued_on)
    # 电子签章: the issued file is the office's signed one, attachments appended first so
    # that the signature covers them; its SHA-256 is of these bytes.
    return sealing.pdf_sign(pdf_bytes, signer_name=signer_name(notice))


def _issue(notice: Notice, *, acting_user, setting: DocumentKindSetting,
           issued_on: dt.date | None = None, pdf_bytes: bytes | None = None) -> Notice:
    """Number, render, store and freeze. All or nothing: a failure rolls the number back too.

    `issued_on` dates everything the document carries (成文日期, the number's year, deadlines
    in working days from it, issued_at); default today. A draft whose number was reserved
    (`notice_advance_in_steps`) keeps that number and date; `pdf_bytes`, when given, is its PDF
    already rendered with them."""
    from_state = notice.state
    blockers = arrangements.issue_blockers(notice, setting)
    if blockers:
        raise NoticeRefused("；".join(blockers))
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
    number = _reserved_number(notice)
    # The 签发人 printed on an 上行文 is the one signing now.
    notice.signed_by = actor_user(acting_user)
    if pdf_bytes is None:
        pdf_bytes = _pdf_render(notice)
    stored_name = _pdf_store(
        f"notices/{issued_on.year}/{notice.number_prefix}-{issued_on.year}-{sequence}.pdf", pdf_bytes
    )
    # If anything below fails the transaction rolls back; the file must not outlive it.
    try:
        notice.number = number
        notice.pdf.name = stored_name
        notice.sha256 = hashlib.sha256(pdf_bytes).hexdigest()
        notice.issued_at = now
        notice.issued_on = issued_on
        notice.answer_required = setting.answer_required
        notice.acknowledge_deadline = add_working_days(issued_on, acknowledge_workdays)
        notice.answer_deadline = (
            add_working_days(issued_on, answer_workdays) if setting.answer_required else None
        )
        notice.issue()
        notice.save()
        rows = _recipients(notice)
        # Told of the letter by some channel (outreach reports when), or only in the inbox.
        reachable = outbound.hooks.reachable(row["recipient_key"] for row in rows)
        Delivery.objects.bulk_create([
            Delivery(notice=notice, status=DeliveryStatus.PENDING if row["recipient_key"] in reachable
                     else DeliveryStatus.INBOX_ONLY, **row)
            for row in rows
        ])
        _audit(notice, acting_user=acting_user, transition="issue", from_state=from_state,
               extra={"sha256": notice.sha256, "recipients": len(rows)}, effective_on=issued_on)
        _sync_notice_state(notice, acting_user=acting_user)
        # The recipients are told outside the system once the letter is there for good.
        transaction.on_commit(lambda: outbound.hooks.letter_issued(notice.pk))
    except Exception:
        default_storage.delete(stored_name)
        raise
    return notice


def fanned_out_drafts_stalled(*, now: dt.datetime | None = None) -> list[tuple[int, dt.date]]:
    """(id, issue date) of the drafts sent to a worker (their issue date set, their number
    perhaps reserved) that no task has advanced for longer than any task may run: the message
    was lost (a broker restarted without its data). The periodic sweep sends them again, so no
    calendar letter stays unissued and no reserved number stays a gap."""
    now = now or timezone.now()
    stalled = (
        Notice.objects.filter(state=NoticeState.DRAFT, issued_on__isnull=False,
                              updated_at__lt=now - dt.timedelta(minutes=STALLED_DRAFT_MINUTES))
        .order_by("pk")
        .values_list("pk", "issued_on")
    )
    return cast("list[tuple[int, dt.date]]", list(stalled))  # issued_on__isnull=False
