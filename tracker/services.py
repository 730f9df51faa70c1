"""Every write to the portfolio: transitions, edits, weekly reports, procedures, problems.

Each service takes the acting user explicitly (None for the scheduler, recorded as “系统”),
checks permissions itself, runs in one transaction with the row locked, and writes its audit
row in that same transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from tracker import guards, permissions
from tracker.models import (
    ESCALATION_ORDER,
    AuditAction,
    AuditEvent,
    EscalationLevel,
    MonthlyPlan,
    Problem,
    ProblemStatus,
    Procedure,
    ProcedureKind,
    ProcedureStatus,
    Project,
    ProjectState,
    RollbackRequest,
    RollbackStatus,
    WeeklyReport,
)
from tracker.workdays import week_start as monday_of

SYSTEM_ACTOR_NAME = "系统"


class TransitionRefused(ValidationError):
    """A guard, the role or the source state forbids the transition; messages say why."""


class EditConflict(ValidationError):
    """Someone else changed the project since the form was loaded."""


@dataclass(frozen=True)
class TransitionSpec:
    label: str
    method: str
    # Which date field the transition's effective date is stored in, if any.
    date_field: str | None
    reason_required: bool = False


# The transitions a user can ask for, by name (the fsm method names).
TRANSITIONS: dict[str, TransitionSpec] = {
    "start": TransitionSpec("开工", "start", "actual_start"),
    "suspend": TransitionSpec("停工", "suspend", None, reason_required=True),
    "resume": TransitionSpec("复工", "resume", None),
    "complete": TransitionSpec("完工", "complete", "actual_completion"),
    "make_effective": TransitionSpec("达效", "make_effective", "accepted_on"),
    "reopen": TransitionSpec("退回开工（撤销完工）", "reopen", None, reason_required=True),
    "revert_to_preparation": TransitionSpec("退回前期（撤销开工）", "revert_to_preparation", None, reason_required=True),
}

GUARD_MESSAGES = {
    "start": guards.start_problems,
    "suspend": guards.suspend_problems,
    "complete": guards.complete_problems,
    "make_effective": guards.make_effective_problems,
}


def actor_display_name(user) -> str:
    if user is None:
        return SYSTEM_ACTOR_NAME
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.full_name:
        return profile.full_name
    return user.get_full_name() or user.get_username()


def audit_record(
    *,
    action: str,
    acting_user,
    project: Project | None = None,
    unit=None,
    object_type: str = "",
    object_id: Any = "",
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
    evidence: File | None = None,
    evidence_path: str = "",
    data: dict | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one row to the audit log. Call it inside the transaction of the change.

    `actor_name` overrides the recorded name (a failed login records the name that was tried).
    """
    event = AuditEvent(
        action=action,
        occurred_at=timezone.now(),
        effective_on=effective_on,
        actor=acting_user if acting_user is not None and acting_user.pk else None,
        actor_name=actor_name or actor_display_name(acting_user),
        project=project,
        unit=unit if unit is not None else (project.unit if project is not None else None),
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
    if evidence is not None:
        event.evidence.save(getattr(evidence, "name", "evidence"), evidence, save=False)
    elif evidence_path:
        # The file is already stored (e.g. as the project's effect evidence): point at it.
        event.evidence.name = evidence_path
    event.save()
    return event


def _lock_project(project_id: int, expected_version: int | None) -> Project:
    project = Project.objects.select_for_update().select_related("unit").get(pk=project_id)
    if expected_version is not None and project.version != expected_version:
        last = project.audit_events.order_by("-occurred_at", "-id").first()
        who = f"（{last.actor_name}于{timezone.localtime(last.occurred_at):%Y-%m-%d %H:%M}）" if last else ""
        raise EditConflict(
            f"项目“{project.name}”已被他人修改{who}，您看到的是旧版本（版本{expected_version}，当前版本{project.version}）。"
            "请刷新页面核对最新数据后重新提交，您填写的内容未被保存。",
            code="conflict",
        )
    return project


def project_transition(
    *,
    project_id: int,
    transition: str,
    acting_user,
    reason: str = "",
    effective_on: dt.date | None = None,
    expected_version: int | None = None,
    evidence: File | None = None,
    effect_note: str | None = None,
) -> Project:
    """Move a project along its life cycle, guarded, permitted by role and audited.

    `effective_on` is the date of the event in the field: the actual start date for 开工,
    the completion date for 完工, the acceptance date for 达效, the day of stopping or
    resuming for 停工/复工. Refusals raise TransitionRefused with every reason in Chinese.
    """
    spec = TRANSITIONS.get(transition)
    if spec is None:
        raise TransitionRefused(f"未知的阶段变更：{transition}")
    reason = (reason or "").strip()
    if spec.reason_required and not reason:
        raise TransitionRefused(f"“{spec.label}”必须填写原因")

    with transaction.atomic():
        project = _lock_project(project_id, expected_version)
        if acting_user is not None:
            permissions.require(
                permissions.can_transition(acting_user, project, transition),
                "只有专班办领导可以退回阶段，请在项目页提交退回申请" if transition in permissions.BACKWARD_TRANSITIONS
                else "您没有变更该项目阶段的权限",
            )
        method = getattr(project, spec.method)
        source = project.state
        allowed_sources = {t.source for t in project.get_all_state_transitions() if t.name == spec.method}
        if source not in allowed_sources:
            raise TransitionRefused(
                f"项目当前阶段为“{ProjectState(source).label}”，不能执行“{spec.label}”"
            )

        when = effective_on or timezone.localdate()
        if spec.date_field:
            setattr(project, spec.date_field, effective_on or getattr(project, spec.date_field))
            when = getattr(project, spec.date_field) or when
        if effect_note is not None:
            project.effect_note = effect_note
        if transition == "make_effective" and evidence is not None:
            project.effect_evidence.save(getattr(evidence, "name", "evidence"), evidence, save=False)
        if transition == "revert_to_preparation":
            project.actual_start = None
        if transition == "reopen":
            project.actual_completion = None

        # Guards read the procedures; fetch them once here so the checks stay free of I/O.
        prefetch_related_objects([project], "procedures")
        problems = GUARD_MESSAGES.get(transition, lambda p: [])(project)
        if problems:
            raise TransitionRefused(problems)

        method()
        project.version += 1
        project.save()
        audit_record(
            action=AuditAction.PROJECT_TRANSITION,
            acting_user=acting_user,
            project=project,
            object_type="project",
            object_id=project.pk,
            from_state=source,
            to_state=project.state,
            reason=reason,
            effective_on=when,
            evidence=evidence if transition != "make_effective" else None,
            evidence_path=project.effect_evidence.name if transition == "make_effective" else "",
            data={"transition": transition, "label": spec.label},
        )
    return project


# Fields of a project that the edit form may change; the state never, the version never.
EDITABLE_PROJECT_FIELDS = frozenset(
    {
        "name", "lead_department", "domain", "basin", "owner_name", "owner_contact", "owner_phone",
        "content_scale", "total_investment", "annual_planned_investment", "planned_start",
        "planned_completion", "planned_effective", "longitude", "latitude", "is_provincial",
        "target_year", "remarks", "unit",
    }
)


def project_update(*, project_id: int, acting_user, expected_version: int | None, changes: dict) -> Project:
    """Change a project's facts (never its state), with the optimistic version check."""
    forbidden = set(changes) - EDITABLE_PROJECT_FIELDS
    if "state" in changes:
        raise ValidationError("当前阶段只能通过阶段变更操作修改")
    if forbidden:
        raise ValidationError(f"以下字段不能直接修改：{'、'.join(sorted(forbidden))}")
    with transaction.atomic():
        project = _lock_project(project_id, expected_version)
        if acting_user is not None:
            permissions.require(permissions.can_edit_project(acting_user, project), "您没有修改该项目的权限")
        before = {}
        for field, value in changes.items():
            old = getattr(project, field)
            if old != value:
                before[field] = (str(old), str(value))
                setattr(project, field, value)
        if not before:
            return project
        project.full_clean(exclude=["state", "effect_evidence"])
        project.version += 1
        project.save()
        audit_record(
            action=AuditAction.PROJECT_EDIT,
            acting_user=acting_user,
            project=project,
            object_type="project",
            object_id=project.pk,
            data={"changes": before},
        )
    return project


def project_create(*, acting_user, **fields) -> Project:
    """Add a project to the portfolio (in 前期; its state is never set here)."""
    if "state" in fields:
        raise ValidationError("新建项目的阶段只能为“前期”，阶段只能通过阶段变更操作修改")
    unknown = set(fields) - EDITABLE_PROJECT_FIELDS - {"code", "map_number", "unit"}
    if unknown:
        raise ValidationError(f"以下字段不能在新建时填写：{'、'.join(sorted(unknown))}")
    if acting_user is not None:
        permissions.require(permissions.is_office_staff(acting_user), "只有专班办人员可以新增项目")
    with transaction.atomic():
        project = Project(**fields)
        project.full_clean(exclude=["state", "effect_evidence"])
        project.save()
        audit_record(
            action=AuditAction.PROJECT_CREATE,
            acting_user=acting_user,
            project=project,
            object_type="project",
            object_id=project.pk,
            data={"code": project.code, "name": project.name},
        )
    return project


def _money(value, label: str) -> Decimal:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    if amount < 0:
        raise ValidationError(f"{label}不能为负数")
    return amount


def weekly_report_submit(
    *,
    project_id: int,
    week_start: dt.date,
    acting_user,
    progress_percent,
    completed_investment,
    funds_in_place,
    procedure_note: str = "",
    problem_note: str = "",
    decrease_note: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reported_at: dt.datetime | None = None,
) -> WeeklyReport:
    """Record (or correct) a project's figures for one ISO week.

    Progress may not go down against the previous week without a note (issue 2). When this
    is the project's latest week, the project's current figures follow it.
    """
    week_start = monday_of(week_start)
    progress = Decimal(str(progress_percent)).quantize(Decimal("0.01"))
    if progress < 0 or progress > 100:
        raise ValidationError(f"形象进度应在0到100之间（填报值：{progress}）")
    completed = _money(completed_investment, "累计完成投资")
    funds = _money(funds_in_place, "资金到位")
    with transaction.atomic():
        project = _lock_project(project_id, None)
        if acting_user is not None:
            permissions.require(permissions.can_report_progress(acting_user, project), "您没有填报该项目周调度的权限")
        previous = (
            WeeklyReport.objects.filter(project=project, week_start__lt=week_start).order_by("-week_start").first()
        )
        if previous and progress < previous.progress_percent and not decrease_note.strip():
            raise ValidationError(
                f"本周形象进度（{progress}%）低于上周（{previous.progress_percent}%），请填写进度回调说明"
            )
        report, created = WeeklyReport.objects.update_or_create(
            project=project,
            week_start=week_start,
            defaults={
                "progress_percent": progress,
                "completed_investment": completed,
                "funds_in_place": funds,
                "procedure_note": procedure_note,
                "problem_note": problem_note,
                "decrease_note": decrease_note,
                "reporter_name": reporter_name or actor_display_name(acting_user),
                "reporter_phone": reporter_phone,
                "reported_by": acting_user if acting_user is not None and acting_user.pk else None,
                "reported_at": reported_at or timezone.now(),
            },
        )
        is_latest = not WeeklyReport.objects.filter(project=project, week_start__gt=week_start).exists()
        if is_latest:
            project.progress_percent = progress
            project.completed_investment = completed
            project.funds_in_place = funds
            project.version += 1
            project.save(update_fields=["progress_percent", "completed_investment", "funds_in_place", "version", "updated_at"])
        audit_record(
            action=AuditAction.WEEKLY_REPORT,
            acting_user=acting_user,
            project=project,
            object_type="weekly_report",
            object_id=report.pk,
            effective_on=week_start,
            reason=decrease_note,
            data={
                "week_start": week_start.isoformat(),
                "progress_percent": str(progress),
                "completed_investment": str(completed),
                "funds_in_place": str(funds),
                "created": created,
            },
        )
    return report


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
        if acting_user is not None:
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


def problem_raise(
    *,
    project_id: int,
    acting_user,
    description: str,
    category: str,
    raised_on: dt.date | None = None,
) -> Problem:
    description = (description or "").strip()
    if not description:
        raise ValidationError("请填写问题描述")
    raised_on = raised_on or timezone.localdate()
    with transaction.atomic():
        project = _lock_project(project_id, None)
        if acting_user is not None:
            permissions.require(permissions.can_report_progress(acting_user, project), "您没有为该项目提出问题的权限")
        problem = Problem(
            project=project,
            description=description,
            category=category,
            level=EscalationLevel.OFFICE,
            level_since=raised_on,
            raised_on=raised_on,
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
        problem = Problem.objects.select_for_update().select_related("project__unit").get(pk=problem_id)
        if acting_user is not None:
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


def problem_resolve(*, problem_id: int, acting_user, resolution: str, on_date: dt.date | None = None) -> Problem:
    if not (resolution or "").strip():
        raise ValidationError("请填写解决情况")
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        problem = Problem.objects.select_for_update().select_related("project__unit").get(pk=problem_id)
        if acting_user is not None:
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



# --- monthly plans ------------------------------------------------------------------------------


def monthly_plan_save(
    *,
    project_id: int,
    month: dt.date,
    acting_user,
    planned_progress_percent,
    planned_investment=Decimal("0"),
    milestone: str = "",
    expected_version: int | None = None,
) -> MonthlyPlan:
    """Record (or correct) what a project plans to reach by the end of `month` (月进展计划).

    The month is keyed by its first day. The actual figure is not stored here: the project
    page reads it from the month's last weekly report.
    """
    month = month.replace(day=1)
    progress = Decimal(str(planned_progress_percent)).quantize(Decimal("0.01"))
    if progress < 0 or progress > 100:
        raise ValidationError(f"计划形象进度应在0到100之间（填写值：{progress}）")
    investment = _money(planned_investment or 0, "计划累计投资")
    milestone = (milestone or "").strip()
    with transaction.atomic():
        project = _lock_project(project_id, expected_version)
        if acting_user is not None:
            permissions.require(permissions.can_edit_project(acting_user, project), "您没有修改该项目月度计划的权限")
        if investment > project.total_investment:
            raise ValidationError(
                f"计划累计投资（{investment}万元）不能超过项目总投资（{project.total_investment}万元）"
            )
        plan = MonthlyPlan.objects.filter(project=project, month=month).first()
        before = (
            {"planned_progress_percent": str(plan.planned_progress_percent),
             "planned_investment": str(plan.planned_investment), "milestone": plan.milestone}
            if plan else None
        )
        if plan is None:
            plan = MonthlyPlan(project=project, month=month)
        plan.planned_progress_percent = progress
        plan.planned_investment = investment
        plan.milestone = milestone
        plan.full_clean(exclude=["project"])
        plan.save()
        project.version += 1
        project.save(update_fields=["version", "updated_at"])
        audit_record(
            action=AuditAction.MONTHLY_PLAN,
            acting_user=acting_user,
            project=project,
            object_type="monthly_plan",
            object_id=plan.pk,
            effective_on=month,
            reason=milestone,
            data={
                "month": month.strftime("%Y-%m"),
                "before": before,
                "after": {"planned_progress_percent": str(progress), "planned_investment": str(investment),
                          "milestone": milestone},
            },
        )
    return plan


# --- rollback requests ----------------------------------------------------------------------------
# Backward moves (完工→开工, 开工→前期) are for the office's leaders only, with a reason (issue 2,
# "The life cycle"). A clerk asks for one with a request; a leader approves it, which performs the
# transition through project_transition in the same transaction, or rejects it with a reason.


def _rollback_target(transition: str, project: Project) -> str:
    """The state `transition` leads to from the project's state; refuses when it cannot start there."""
    for candidate in project.get_all_state_transitions():
        if candidate.name == transition and candidate.source == project.state:
            return candidate.target
    raise TransitionRefused(
        f"项目当前阶段为“{ProjectState(project.state).label}”，不能申请“{TRANSITIONS[transition].label}”"
    )


def rollback_request_file(
    *,
    project_id: int,
    transition: str,
    acting_user,
    reason: str,
    evidence: File | None = None,
    expected_version: int | None = None,
) -> RollbackRequest:
    """File a request to move a project backwards, for an office leader to decide."""
    if transition not in permissions.BACKWARD_TRANSITIONS:
        label = TRANSITIONS[transition].label if transition in TRANSITIONS else transition
        raise ValidationError(f"“{label}”不是退回操作，无需申请")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("退回申请必须填写原因")
    with transaction.atomic():
        project = _lock_project(project_id, expected_version)
        permissions.require(permissions.can_request_rollback(acting_user, project), "您没有为该项目申请退回的权限")
        target = _rollback_target(transition, project)
        pending = (
            project.rollback_requests.filter(status=RollbackStatus.PENDING).select_related("requested_by").first()
        )
        if pending is not None:
            raise ValidationError(
                f"该项目已有待审批的退回申请（{actor_display_name(pending.requested_by)}于"
                f"{timezone.localtime(pending.requested_at):%Y-%m-%d %H:%M}提出“{pending.get_transition_display()}”），"
                "请等待专班办领导审批"
            )
        rollback = RollbackRequest(
            project=project, transition=transition, from_state=project.state, project_version=project.version,
            reason=reason, requested_by=acting_user, requested_at=timezone.now(),
        )
        if evidence is not None:
            rollback.evidence.save(getattr(evidence, "name", "evidence"), evidence, save=False)
        try:
            # The unique constraint is the last word when two clerks file at the same moment.
            with transaction.atomic():
                rollback.save()
        except IntegrityError:
            raise ValidationError("该项目已有待审批的退回申请，请等待专班办领导审批") from None
        audit_record(
            action=AuditAction.ROLLBACK_REQUEST,
            acting_user=acting_user,
            project=project,
            object_type="rollback_request",
            object_id=rollback.pk,
            from_state=project.state,
            to_state=target,
            reason=reason,
            evidence_path=rollback.evidence.name or "",
            data={"transition": transition, "label": TRANSITIONS[transition].label},
        )
    return rollback


def _lock_pending_rollback(request_id: int, acting_user) -> RollbackRequest:
    if acting_user is not None:
        permissions.require(permissions.can_decide_rollback(acting_user), "只有专班办领导可以审批退回申请")
    rollback = (
        RollbackRequest.objects.select_for_update().select_related("project", "requested_by")
        .filter(pk=request_id).first()
    )
    if rollback is None:
        raise ValidationError("退回申请不存在")
    if rollback.status != RollbackStatus.PENDING:
        raise ValidationError(f"该退回申请已{rollback.get_status_display()}，不能重复审批")
    return rollback


def rollback_request_approve(
    *,
    request_id: int,
    acting_user,
    note: str = "",
    effective_on: dt.date | None = None,
    expected_version: int | None = None,
) -> RollbackRequest:
    """Approve a pending request: the transition is performed (guarded, audited) in this transaction.

    `expected_version` is the project's version on the leader's page, so an approval never
    acts on a project that changed under the leader's eyes. A refusal leaves the request pending.
    """
    note = (note or "").strip()
    with transaction.atomic():
        rollback = _lock_pending_rollback(request_id, acting_user)
        requester = actor_display_name(rollback.requested_by)
        approver = actor_display_name(acting_user)
        reason = f"{rollback.reason}（{requester}申请，{approver}批准{'：' + note if note else ''}）"
        evidence = None
        if rollback.evidence:
            evidence = File(rollback.evidence.open("rb"), name=rollback.evidence.name.rsplit("/", 1)[-1])
        try:
            project_transition(
                project_id=rollback.project_id,
                transition=rollback.transition,
                acting_user=acting_user,
                reason=reason,
                effective_on=effective_on,
                expected_version=expected_version,
                evidence=evidence,
            )
        finally:
            if evidence is not None:
                evidence.close()
        rollback.status = RollbackStatus.APPROVED
        rollback.decided_by = acting_user
        rollback.decided_at = timezone.now()
        rollback.decision_note = note
        rollback.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit_record(
            action=AuditAction.ROLLBACK_APPROVE,
            acting_user=acting_user,
            project=rollback.project,
            object_type="rollback_request",
            object_id=rollback.pk,
            from_state=RollbackStatus.PENDING,
            to_state=RollbackStatus.APPROVED,
            reason=note,
            data={"transition": rollback.transition, "requested_by": requester},
        )
    return rollback


def rollback_request_reject(*, request_id: int, acting_user, reason: str) -> RollbackRequest:
    """Reject a pending request with a reason; the project is left as it is."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("驳回退回申请必须填写理由")
    with transaction.atomic():
        rollback = _lock_pending_rollback(request_id, acting_user)
        rollback.status = RollbackStatus.REJECTED
        rollback.decided_by = acting_user
        rollback.decided_at = timezone.now()
        rollback.decision_note = reason
        rollback.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit_record(
            action=AuditAction.ROLLBACK_REJECT,
            acting_user=acting_user,
            project=rollback.project,
            object_type="rollback_request",
            object_id=rollback.pk,
            from_state=RollbackStatus.PENDING,
            to_state=RollbackStatus.REJECTED,
            reason=reason,
            data={"transition": rollback.transition, "requested_by": actor_display_name(rollback.requested_by)},
        )
    return rollback
