"""手续: the procedures a project must settle before it starts."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from tracker import permissions
from tracker.actors import is_system
from tracker.models import (
    AuditAction,
    Procedure,
    ProcedureKind,
    ProcedureStatus,
)
from tracker.services.audit import audit_record
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
) -> Procedure:
    """Record where one procedure (手续) stands; `expected_version` guards against stale pages."""
    if kind not in ProcedureKind.values:
        raise ValidationError(f"未知的手续类型：{kind}")
    if status not in ProcedureStatus.values:
        raise ValidationError(f"未知的办理状态：{status}")
    if status == ProcedureStatus.DONE and completed_on is None:
        raise ValidationError("手续办结须填写办结日期")
    if started_on and completed_on and completed_on < started_on:
        raise ValidationError(f"办结日期（{completed_on}）不能早于启动日期（{started_on}）")
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
            data={"kind": kind},
        )
    return procedure
