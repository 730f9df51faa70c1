"""The conditions each transition needs, as pure functions over a project in memory.

Each `*_problems` function returns the Chinese messages saying what is missing (empty when the
transition may proceed); the django-fsm conditions are the same checks as booleans, so the
state machine and the messages can never disagree. tracker.services prefetches the project's
procedures before calling them, so no guard queries the database on its own.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tracker.choices import PROCEDURE_SETTLED

if TYPE_CHECKING:
    from tracker.models import Project

# 前期→开工 needs the construction permit (or its equivalent for works that need none,
# recorded as 无需办理) — issue 2, "Default guards".
START_GATE_PROCEDURE = "construction_permit"


def start_problems(project: Project) -> list[str]:
    problems = []
    permit = next((p for p in project.procedures.all() if p.kind == START_GATE_PROCEDURE), None)
    if permit is None or permit.status not in PROCEDURE_SETTLED:
        status = permit.get_status_display() if permit else "未录入"
        problems.append(f"施工许可(开工备案)手续尚未办结（当前：{status}），不能开工")
    if project.actual_start is None:
        problems.append("请填写实际开工日期")
    return problems


def suspend_problems(project: Project) -> list[str]:
    return []


def complete_problems(project: Project) -> list[str]:
    problems = []
    if project.progress_percent is None or Decimal(project.progress_percent) < Decimal("100"):
        problems.append(f"形象进度未达到100%（当前：{project.progress_percent}%），不能完工")
    if project.actual_completion is None:
        problems.append("请填写实际完工日期")
    elif project.actual_start and project.actual_completion < project.actual_start:
        problems.append("实际完工日期早于实际开工日期")
    return problems


def make_effective_problems(project: Project) -> list[str]:
    problems = []
    if project.accepted_on is None:
        problems.append("请填写验收日期")
    elif project.actual_completion and project.accepted_on < project.actual_completion:
        problems.append("验收日期早于实际完工日期")
    if not (project.effect_note or "").strip():
        problems.append("请填写达效情况说明")
    if not project.effect_evidence:
        problems.append("请上传达效佐证材料")
    return problems


def can_start(project: Project) -> bool:
    return not start_problems(project)


def can_suspend(project: Project) -> bool:
    return not suspend_problems(project)


def can_complete(project: Project) -> bool:
    return not complete_problems(project)


def can_make_effective(project: Project) -> bool:
    return not make_effective_problems(project)
