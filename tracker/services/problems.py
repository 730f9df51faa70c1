"""Problems and their escalation ladder (专班 → 市政府 → 省专班)."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import is_system
from tracker import permissions
from tracker.audit.records import audit_record
from tracker.choices import ESCALATION_ORDER, AuditAction, EscalationLevel, ProblemStatus
from tracker.models import Problem
from tracker.services.projects import _lock_project


def problem_raise(
    *,
    project_id: int,
    acting_user,
    description: str,
    category: str,
    raised_on: dt.date | None = None,
    responsible_unit: str = "",
    due_on: dt.date | None = None,
) -> Problem:
    """Register a problem at the office's rung, with who must solve it (责任单位, the project's
    county when left empty) and by when (办理时限, not before the day it is raised)."""
    description = (description or "").strip()
    if not description:
        raise ValidationError("请填写问题描述")
    raised_on = raised_on or timezone.localdate()
    if due_on is not None and due_on < raised_on:
        raise ValidationError(f"办理时限（{due_on}）不能早于提出日期（{raised_on}）")
    with transaction.atomic():
        project = _lock_project(project_id, None)
        if not is_system(acting_user):
            permissions.require(permissions.can_report_progress(acting_user, project), "您没有为该项目提出问题的权限")
        problem = Problem(
            project=project,
            description=description,
            category=category,
            level=EscalationLevel.OFFICE,
            level_since=raised_on,
            raised_on=raised_on,
            responsible_unit=(responsible_unit or "").strip() or project.unit.name,
            due_on=due_on,
        )
        problem.full_clean()
        problem.save()
        audit_record(
            action=AuditAction.PROBLEM_RAISE,
            acting_user=acting_user,
            project=project,
            object_type="problem",
            object_id=problem.pk,
            to_state=problem.level,
            effective_on=raised_on,
            reason=description,
            data={"responsible_unit": problem.responsible_unit,
                  "due_on": due_on.isoformat() if due_on else None},
        )
    return problem


def problem_escalate(
    *,
    problem_id: int,
    acting_user,
    reason: str,
    on_date: dt.date | None = None,
    responsible_leader: str = "",
    expected_level: str | None = None,
) -> Problem | None:
    """Raise an open problem one rung up the ladder (专班 → 市政府 → 省专班).

    `expected_level` makes the escalation conditional: the scheduler passes the level it saw,
    so a rerun (or a clerk who escalated first) never escalates the same overdue twice; it
    then returns None.
    """
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        problem = (
            Problem.objects.select_for_update(of=("self",)).select_related("project__unit").get(pk=problem_id)
        )
        if not is_system(acting_user):
            permissions.require(permissions.can_escalate(acting_user), "只有专班办人员可以升级问题")
        if expected_level is not None and problem.level != expected_level:
            return None
        if problem.status != ProblemStatus.OPEN:
            raise ValidationError("问题已解决，不能升级")
        position = ESCALATION_ORDER.index(EscalationLevel(problem.level))
        if position + 1 >= len(ESCALATION_ORDER):
            raise ValidationError("问题已提交省专班协调，无法继续升级")
        before = problem.level
        problem.level = ESCALATION_ORDER[position + 1]
        problem.level_since = on_date
        if responsible_leader:
            problem.responsible_leader = responsible_leader
        problem.save()
        audit_record(
            action=AuditAction.PROBLEM_ESCALATE,
            acting_user=acting_user,
            project=problem.project,
            object_type="problem",
            object_id=problem.pk,
            from_state=before,
            to_state=problem.level,
            effective_on=on_date,
            reason=reason,
        )
    return problem


def problem_resolve(*, problem_id: int, acting_user, resolution: str,
                    on_date: dt.date | None = None) -> Problem:
    if not (resolution or "").strip():
        raise ValidationError("请填写解决情况")
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        problem = (
            Problem.objects.select_for_update(of=("self",)).select_related("project__unit").get(pk=problem_id)
        )
        if not is_system(acting_user):
            permissions.require(permissions.can_edit_project(acting_user, problem.project), "您没有处理该问题的权限")
        if problem.status == ProblemStatus.RESOLVED:
            raise ValidationError("问题已解决")
        problem.status = ProblemStatus.RESOLVED
        problem.resolved_on = on_date
        problem.resolution = resolution
        problem.save()
        audit_record(
            action=AuditAction.PROBLEM_RESOLVE,
            acting_user=acting_user,
            project=problem.project,
            object_type="problem",
            object_id=problem.pk,
            from_state=ProblemStatus.OPEN,
            to_state=ProblemStatus.RESOLVED,
            effective_on=on_date,
            reason=resolution,
        )
    return problem
