"""手续: the procedures a project must settle before it starts."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction

from core.actors import is_system
from core.uploads import document_or_image_check
from tracker import permissions
from tracker.audit.records import audit_record
from tracker.choices import AuditAction, ProcedureKind, ProcedureStatus
from tracker.models import Procedure
from tracker.services.projects import _lock_project


def procedure_update(
    *,
    project_id: int,
    kind: str,
    acting_user,
    status: str,
    started_on: dt.date | None = None,
    completed_on: dt.date | None = None,
    approving_body: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    approval_number: str | None = None,
    approval_date: dt.date | None = None,
    approval_file: File | None = None,
) -> Procedure:
    """Record where one procedure (手续) stands, with its 批复文件 (number, date, scan: a PDF or
    image checked by its content); `expected_version` guards against stale pages."""
    if kind not in ProcedureKind.values:
        raise ValidationError(f"未知的手续类型：{kind}")
    if status not in ProcedureStatus.values:
        raise ValidationError(f"未知的办理状态：{status}")
    if status == ProcedureStatus.DONE and completed_on is None:
        raise ValidationError("手续办结须填写办结日期")
    if started_on and completed_on and completed_on < started_on:
        raise ValidationError(f"办结日期（{completed_on}）不能早于启动日期（{started_on}）")
    if approval_file is not None:
        document_or_image_check(approval_file, what="批复文件")
    with transaction.atomic():
        project = _lock_project(project_id, expected_version)
        if not is_system(acting_user):
            permissions.require(permissions.can_edit_project(acting_user, project), "您没有修改该项目手续的权限")
        procedure, _ = Procedure.objects.get_or_create(project=project, kind=kind)
        before = procedure.status
        procedure.status = status
        procedure.started_on = started_on or procedure.started_on
        procedure.completed_on = completed_on if status == ProcedureStatus.DONE else procedure.completed_on
        if approving_body is not None:
            procedure.approving_body = approving_body
        if note is not None:
            procedure.note = note
        if approval_number is not None:
            procedure.approval_number = approval_number.strip()
        if approval_date is not None:
            procedure.approval_date = approval_date
        if approval_file is not None:
            procedure.approval_file.save(getattr(approval_file, "name", "approval"), approval_file,
                                         save=False)
        procedure.full_clean(exclude=["project"])
        procedure.save()
        project.version += 1
        project.save(update_fields=["version", "updated_at"])
        audit_record(
            action=AuditAction.PROCEDURE_UPDATE,
            acting_user=acting_user,
            project=project,
            object_type="procedure",
            object_id=procedure.pk,
            from_state=before,
            to_state=status,
            effective_on=completed_on or started_on,
            reason=_history_text(procedure),
            evidence_path=procedure.approval_file.name if approval_file is not None else "",
            data={"kind": kind} | _approval_facts(procedure),
        )
    return procedure


def _approval_facts(procedure: Procedure) -> dict:
    """The 批复文件's number and date as the history shows them (empty when none is recorded)."""
    facts = {}
    if procedure.approval_number:
        facts["approval_number"] = procedure.approval_number
    if procedure.approval_date:
        facts["approval_date"] = procedure.approval_date.isoformat()
    return facts


def _history_text(procedure: Procedure) -> str:
    """What the project's 操作记录 says about the update: the procedure, its status, its 批复文件."""
    parts = [f"{procedure.get_kind_display()}：{procedure.get_status_display()}"]
    if procedure.approval_number:
        parts.append(f"批复文号 {procedure.approval_number}")
    if procedure.approval_date:
        parts.append(f"批复日期 {procedure.approval_date:%Y-%m-%d}")
    if procedure.approval_file:
        parts.append("附批复文件")
    return "；".join(parts)
