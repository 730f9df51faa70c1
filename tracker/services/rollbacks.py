"""Rollbacks of a stage: a clerk asks, an office leader decides."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.actors import is_system
from core.uploads import document_or_image_check
from tracker import permissions
from tracker.audit.records import actor_display_name, audit_record
from tracker.choices import AuditAction, ProjectState, RollbackStatus
from tracker.models import Project, RollbackRequest
from tracker.services.projects import TRANSITIONS, TransitionRefused, _lock_project, project_transition


def _rollback_target(transition: str, project: Project) -> str:
    """The state `transition` leads to from the project's state; refuses when it cannot start there."""
    for candidate in project.get_all_state_transitions():
        if candidate.name == transition and candidate.source == project.state:
            return str(candidate.target)
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
    if evidence is not None:
        document_or_image_check(evidence, what="退回申请佐证材料")  # documents and photos only, by content
    with transaction.atomic():
        project = _lock_project(project_id, expected_version)
        permissions.require(permissions.can_request_rollback(acting_user, project), "您没有为该项目申请退回的权限")
        target = _rollback_target(transition, project)
        pending = (
            project.rollback_requests.filter(status=RollbackStatus.PENDING)
            .select_related("requested_by").first()
        )
        if pending is not None:
            raise ValidationError(
                f"该项目已有待审批的退回申请（{actor_display_name(pending.requested_by)}于"
                f"{timezone.localtime(pending.requested_at):%Y-%m-%d %H:%M}"
                f"提出“{pending.get_transition_display()}”），"
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
    if not is_system(acting_user):
        permissions.require(permissions.can_decide_rollback(acting_user), "只有专班办领导可以审批退回申请")
    rollback = (
        RollbackRequest.objects.select_for_update(of=("self",)).select_related("project", "requested_by")
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
            data={"transition": rollback.transition,
                  "requested_by": actor_display_name(rollback.requested_by)},
        )
    return rollback
