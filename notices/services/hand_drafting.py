"""拟稿 by hand: the office writes any kind itself, and amends the calendar's drafts.

Every wording is kept as a `NoticeVersion` (who, when, what it said); the page shows the diff.
A hand-written or amended body is the text the office typed (notices.body) and is issued as
typed: the calendar's composer no longer rewrites it at issue (the facts that made its rule fire
stay in the context). Editing a draft waiting for 核稿 or 签发 takes it back to 草稿.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction

from core.actors import actor_user
from notices import appending, body, documents
from notices.models import EDITABLE_STATES, Notice, NoticeFile, NoticeKind, NoticeState, NoticeVersion
from notices.services.drafting import CITY_GOVERNMENT_NAME, _main_recipients_text, notice_draft_create
from notices.services.records import NoticeRefused, _audit, _lock_notice, _require_office_staff
from notices.services.replies import UploadedAttachment, _validate_attachments
from tracker.models import AdministrativeUnit, Department, Project

PROVINCIAL_TASK_FORCE = "省“一泓清水入黄河”工程专班办公室"
MAX_WORKDAYS = 60


@dataclass
class DraftInput:
    """What the 拟稿 form holds."""

    kind: str
    title: str
    body: str
    unit_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    to_city_government: bool = False
    copy_to: list[str] = field(default_factory=list)
    project_ids: list[int] = field(default_factory=list)
    acknowledge_workdays: int | None = None
    answer_workdays: int | None = None
    files: list[tuple[str, UploadedAttachment]] = field(default_factory=list)  # (附件名称, file)
    remove_file_ids: list[int] = field(default_factory=list)


def copy_to_choices() -> list[str]:
    """抄送 from the contact book: the city government, the provincial task force, the units'
    governments and the departments."""
    units = [_unit_body(unit) for unit in AdministrativeUnit.objects.order_by("display_order", "name")]
    return [
        CITY_GOVERNMENT_NAME,
        PROVINCIAL_TASK_FORCE,
        *units,
        *Department.objects.order_by("display_order", "name").values_list("name", flat=True),
    ]


def _unit_body(unit) -> str:
    return f"{unit.name}管委会" if unit.name.endswith("开发区") else f"{unit.name}人民政府"


def draft_body(notice: Notice) -> tuple[str, list[dict]]:
    """(typed text, tables) of the draft as it stands: the office's text, or the composer's."""
    context = notice.context or {}
    if context.get("body_text") is not None:
        return context["body_text"], list(context.get("tables") or [])
    blocks = context.get("blocks")
    if blocks is None:
        blocks = documents.letter_blocks(context)
    return body.text_from_blocks(blocks)


def current_version_number(notice: Notice) -> int:
    latest = notice.versions.order_by("-number").values_list("number", flat=True).first()
    return latest or 0


def _version_add(notice: Notice, *, acting_user, note: str) -> NoticeVersion:
    text, _ = draft_body(notice)
    return NoticeVersion.objects.create(
        notice=notice,
        number=current_version_number(notice) + 1,
        title=notice.title,
        main_recipients=notice.main_recipients,
        copy_to=notice.copy_to,
        body=text,
        attachments=list((notice.context or {}).get("attachments") or []),
        edited_by=actor_user(acting_user) if acting_user is not None else None,
        note=note,
    )


def version_diffs(notice: Notice) -> list[dict]:
    """Each version with its diff against the one before (the first against nothing)."""
    rows, before = [], ""
    for version in notice.versions.select_related("edited_by").order_by("number"):
        text = body.version_text(
            title=version.title,
            main_recipients=version.main_recipients,
            copy_to=version.copy_to,
            body=version.body,
            attachments=version.attachments,
        )
        rows.append({"version": version, "diff": body.text_diff(before, text) if before else []})
        before = text
    return rows


def _clean(data: DraftInput) -> DraftInput:
    data.title = (data.title or "").strip()
    data.body = (data.body or "").strip()
    if data.kind not in NoticeKind.values or data.kind == NoticeKind.CORRECTION:
        raise NoticeRefused("请选择公文种类（更正通知请从已签发公文发起）")
    if not data.title:
        raise NoticeRefused("请填写标题")
    if not data.body:
        raise NoticeRefused("请填写正文")
    if not (data.unit_ids or data.department_ids or data.to_city_government):
        raise NoticeRefused("公文须至少有一个主送机关（县、部门或市人民政府）")
    for value in (data.acknowledge_workdays, data.answer_workdays):
        if value is not None and not 0 < value <= MAX_WORKDAYS:
            raise NoticeRefused(f"签收、反馈时限须在1至{MAX_WORKDAYS}个工作日之间")
    choices = set(copy_to_choices())
    unknown = [name for name in data.copy_to if name not in choices]
    if unknown:
        raise NoticeRefused(f"抄送机关不在通讯录中：{'、'.join(unknown)}")
    for title, _ in data.files:
        if not (title or "").strip():
            raise NoticeRefused("请填写附件名称（列入附件说明）")
    uploads = [upload for _, upload in data.files]
    for upload, file_type in zip(uploads, _validate_attachments(uploads), strict=True):
        # The letter's PDFs and images are bound into the issued file: one that cannot be read is
        # refused now, not when the leader signs.
        if file_type == "pdf":
            problem = appending.pdf_upload_problem(upload.content)
        elif file_type in ("jpg", "png"):
            problem = appending.image_upload_problem(upload.content)
        else:
            problem = None
        if problem:
            raise NoticeRefused(f"附件“{upload.name}”{problem}")
    return data


def _apply(notice: Notice, data: DraftInput, *, acting_user, keep_tables: list[dict]) -> None:
    """Write the form onto the draft (content, recipients, projects, files) and save it."""
    units = list(AdministrativeUnit.objects.filter(pk__in=data.unit_ids).order_by("display_order"))
    departments = list(Department.objects.filter(pk__in=data.department_ids).order_by("display_order"))
    same_recipients = (
        {u.pk for u in notice.recipient_units.all()} == {u.pk for u in units}
        and {d.pk for d in notice.recipient_departments.all()} == {d.pk for d in departments}
        and notice.to_city_government == data.to_city_government
    )
    if not (same_recipients and notice.main_recipients):
        notice.main_recipients = _main_recipients_text(units, departments, data.to_city_government)
    notice.title = data.title
    notice.copy_to = "，".join(data.copy_to)
    notice.to_city_government = data.to_city_government
    for file in notice.files.filter(pk__in=data.remove_file_ids):
        file.file.delete(save=False)
        file.delete()
    for title, upload in data.files:
        NoticeFile.objects.create(
            notice=notice,
            title=title.strip(),
            original_name=upload.name,
            size=len(upload.content),
            uploaded_by=actor_user(acting_user),
            file=ContentFile(upload.content, name=upload.name),
        )
    context = dict(notice.context or {})
    context["body_text"] = data.body
    context["tables"] = keep_tables
    context["blocks"] = body.blocks_from_text(data.body, keep_tables)
    context["copy_to"] = notice.copy_to
    context["attachments"] = list(notice.files.order_by("pk").values_list("title", flat=True))
    workdays = dict(context.get("deadline_workdays") or {})
    if data.acknowledge_workdays:
        workdays["acknowledge"] = data.acknowledge_workdays
    if data.answer_workdays:
        workdays["answer"] = data.answer_workdays
    if workdays:
        context["deadline_workdays"] = workdays
    notice.context = context
    notice.save()
    notice.recipient_units.set(units)
    notice.recipient_departments.set(departments)
    notice.projects.set(Project.objects.filter(pk__in=data.project_ids))


@transaction.atomic
def notice_hand_draft(*, data: DraftInput, acting_user) -> Notice:
    """拟稿: a letter the office writes itself; version 1 records it."""
    _require_office_staff(acting_user)
    data = _clean(data)
    notice = notice_draft_create(
        kind=data.kind,
        title=data.title,
        recipient_units=data.unit_ids,
        recipient_departments=data.department_ids,
        to_city_government=data.to_city_government,
        context={"hand_written": True},
        acting_user=acting_user,
    )
    _apply(notice, data, acting_user=acting_user, keep_tables=[])
    _version_add(notice, acting_user=acting_user, note="拟稿")
    return notice


@transaction.atomic
def notice_draft_edit(*, notice_id: int, data: DraftInput, acting_user) -> Notice:
    """修改 a draft (the office's or the calendar's): a new version; back to 草稿 if it was waiting."""
    _require_office_staff(acting_user)
    notice = _lock_notice(notice_id)
    if notice.state not in EDITABLE_STATES:
        raise NoticeRefused(
            f"公文当前状态为“{notice.get_state_display()}”，不能修改；已签发的公文请发更正通知"
        )
    if notice.number_sequence is not None:
        raise NoticeRefused("该公文正在签发，文号已预留，不能修改")
    data.kind = notice.kind  # the kind decides the number and the format: not changed in an edit
    data = _clean(data)
    if not notice.versions.exists():
        _version_add(notice, acting_user=None, note="系统生成" if notice.created_by_id is None else "拟稿")
    _, tables = draft_body(notice)
    from_state = notice.state
    if notice.state != NoticeState.DRAFT:
        notice.send_back()
        notice.sent_back_reason = "拟稿人修改"
    notice.signoff_read_by = None
    notice.signoff_read_version = None
    notice.context = {**notice.context, "amended": True}
    _apply(notice, data, acting_user=acting_user, keep_tables=tables)
    version = _version_add(notice, acting_user=acting_user, note="修改")
    _audit(
        notice,
        acting_user=acting_user,
        transition="edit",
        from_state=from_state,
        extra={"version": version.number},
    )
    return notice
