"""A city leader's 批示 on a problem escalated to 市政府."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import actor_user
from tracker import permissions
from tracker.audit.records import actor_display_name, audit_record
from tracker.choices import AuditAction
from tracker.models import Problem, ProblemInstruction

INSTRUCTION_MAX_LENGTH = 1000


def problem_instruct(*, problem_id: int, acting_user, text: str) -> ProblemInstruction:
    """Record a 批示: only a 市领导, only on an open problem at the 市政府 level.

    The office and the responsible unit read it on the problem and the project page; the next
    周调度报告 carries it (tracker.selectors.problem_instructions_in).
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写批示内容")
    if len(text) > INSTRUCTION_MAX_LENGTH:
        raise ValidationError(f"批示内容不超过 {INSTRUCTION_MAX_LENGTH} 字")
    with transaction.atomic():
        problem = (
            Problem.objects.select_for_update(of=("self",)).select_related("project__unit").get(pk=problem_id)
        )
        permissions.require(
            permissions.can_instruct(acting_user, problem), "只有市领导可以对提请市政府协调的问题作出批示"
        )
        instruction = ProblemInstruction.objects.create(
            problem=problem,
            text=text,
            instructed_at=timezone.now(),
            instructed_by=actor_user(acting_user),
            instructed_by_name=actor_display_name(acting_user),
        )
        audit_record(
            action=AuditAction.PROBLEM_INSTRUCT,
            acting_user=acting_user,
            project=problem.project,
            object_type="problem",
            object_id=problem.pk,
            reason=text,
            data={"instruction_id": instruction.pk},
        )
    return instruction
