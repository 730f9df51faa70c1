"""Projects: create, edit (with the version check), and the guarded life-cycle transitions."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from core.actors import is_system
from core.uploads import document_or_image_check
from offices.keys import HandlingRuleKey, StartGateMode
from offices.selectors import office_setting
from tracker import guards, permissions
from tracker.audit.records import audit_record
from tracker.choices import AuditAction, ProjectState
from tracker.models import Project


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
    "revert_to_preparation": TransitionSpec("退回前期（撤销开工）", "revert_to_preparation", None,
                                            reason_required=True),
}


GUARD_MESSAGES = {
    "start": guards.start_problems,
    "suspend": guards.suspend_problems,
    "complete": guards.complete_problems,
    "make_effective": guards.make_effective_problems,
}


def _lock_project(project_id: int, expected_version: int | None) -> Project:
    project = Project.objects.select_for_update(of=("self",)).select_related("unit").get(pk=project_id)
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
    if evidence is not None and transition != "start":
        # Documents and photos only, judged by content (开工's evidence is checked together with
        # its other conditions, below): no page or program is ever stored as 佐证.
        try:
            document_or_image_check(evidence, what=f"{spec.label}佐证材料")
        except ValidationError as error:
            raise TransitionRefused(error.messages) from None

    with transaction.atomic():
        project = _lock_project(project_id, expected_version)
        if not is_system(acting_user):
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
        warnings: list[str] = []
        if transition == "start":
            problems += _start_evidence_problems(reason=reason, evidence=evidence)
            unsettled = guards.earlier_procedures_unsettled(project)
            if unsettled:
                message = f"前期手续尚未办结：{'、'.join(unsettled)}"
                if office_setting(HandlingRuleKey.START_EARLIER_PROCEDURES) == StartGateMode.REFUSE:
                    problems.append(message + "，按专班办规定不能开工")
                else:
                    warnings.append(message)
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
            data={"transition": transition, "label": spec.label,
                  **({"warnings": warnings} if warnings else {})},
        )
    # What the clerk should hear although the move went through (the page flashes it).
    project.transition_warnings = warnings
    return project


def _start_evidence_problems(*, reason: str, evidence: File | None) -> list[str]:
    """开工 rests on a 开工令 or site photos (a real PDF/JPG/PNG) and a word of explanation."""
    problems = guards.start_evidence_problems(reason=reason, has_evidence=evidence is not None)
    if evidence is not None:
        try:
            document_or_image_check(evidence, what="开工佐证材料")
        except ValidationError as error:
            problems += error.messages
    return problems


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
        if not is_system(acting_user):
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
    if not is_system(acting_user):
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
