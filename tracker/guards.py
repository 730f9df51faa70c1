"""The conditions each transition needs, as pure functions over a project in memory.

Each `*_problems` function returns the Chinese messages saying what is missing (empty when the
transition may proceed); the django-fsm conditions are the same checks as booleans, so the
state machine and the messages can never disagree. tracker.services prefetches the project's
procedures before calling them, so no guard queries the database on its own.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tracker.choices import PROCEDURE_SETTLED, START_EARLIER_PROCEDURES, ProcedureKind

if TYPE_CHECKING:
    from tracker.models import Project

# 前期→开工 needs the construction permit (or its equivalent for works that need none,
# recorded as 无需办理).
START_GATE_PROCEDURE = "construction_permit"


def start_problems(project: Project) -> list[str]:
    problems = []
    permit = next((p for p in project.procedures.all() if p.kind == START_GATE_PROCEDURE), None)
    if permit is None or permit.status not in PROCEDURE_SETTLED:
        status = permit.get_status_display() if permit else "未录入"
        problems.append(f"施工许可(开工备案)手续尚未办结（当前：{status}），不能开工")
    if project.actual_start is None:
        # The form's field is 发生日期: say so, the clerk sees no "实际开工日期" there.
        problems.append("请填写发生日期（实际开工日期）")
    return problems + date_order_problems(project, actual_only=True)


def start_evidence_problems(*, reason: str, has_evidence: bool) -> list[str]:
    """开工 is recorded on the strength of a document: the 开工令 or photos of the site, and a word why."""
    problems = []
    if not has_evidence:
        problems.append("请上传开工令或现场照片作为佐证材料")
    if not (reason or "").strip():
        problems.append("请填写开工说明（原因/说明）")
    return problems


def earlier_procedures_unsettled(project: Project) -> list[str]:
    """The labels (with status) of the procedures before the permit that are not yet settled."""
    by_kind = {p.kind: p for p in project.procedures.all()}
    unsettled = []
    for kind in START_EARLIER_PROCEDURES:
        procedure = by_kind.get(kind)
        if procedure is None or procedure.status not in PROCEDURE_SETTLED:
            status = procedure.get_status_display() if procedure else "未录入"
            unsettled.append(f"{ProcedureKind(kind).label}（{status}）")
    return unsettled


PLANNED_DATE_ORDER = (
    (("planned_start", "计划开工日期"), ("planned_completion", "计划完工日期")),
    (("planned_completion", "计划完工日期"), ("planned_effective", "计划达效日期")),
    (("planned_start", "计划开工日期"), ("planned_effective", "计划达效日期")),
)
ACTUAL_DATE_ORDER = (
    (("actual_start", "实际开工日期"), ("actual_completion", "实际完工日期")),
    (("actual_completion", "实际完工日期"), ("accepted_on", "验收(达效)日期")),
    (("actual_start", "实际开工日期"), ("accepted_on", "验收(达效)日期")),
)


def date_order_problems(project, *, actual_only: bool = False) -> list[str]:
    """开工 ≤ 完工 ≤ 达效, planned and actual; works on anything with the project's date attributes
    (a model instance, or an import row's namespace)."""
    problems = []
    pairs = ACTUAL_DATE_ORDER if actual_only else PLANNED_DATE_ORDER + ACTUAL_DATE_ORDER
    for (early, early_label), (late, late_label) in pairs:
        first, then = getattr(project, early, None), getattr(project, late, None)
        if first is not None and then is not None and then < first:
            problems.append(f"{late_label}（{then}）不能早于{early_label}（{first}）")
    return problems


def suspend_problems(project: Project) -> list[str]:
    return []


def complete_problems(project: Project) -> list[str]:
    problems = []
    if project.progress_percent is None or Decimal(project.progress_percent) < Decimal("100"):
        problems.append(f"形象进度未达到100%（当前：{project.progress_percent}%），不能完工")
    if project.actual_completion is None:
        problems.append("请填写发生日期（实际完工日期）")
    return problems + date_order_problems(project, actual_only=True)


def make_effective_problems(project: Project) -> list[str]:
    problems = []
    if project.accepted_on is None:
        problems.append("请填写发生日期（验收日期）")
    if not (project.effect_note or "").strip():
        problems.append("请填写达效情况说明")
    if not project.effect_evidence:
        problems.append("请上传达效佐证材料")
    return problems + date_order_problems(project, actual_only=True)


def can_start(project: Project) -> bool:
    return not start_problems(project)


def can_suspend(project: Project) -> bool:
    return not suspend_problems(project)


def can_complete(project: Project) -> bool:
    return not complete_problems(project)


def can_make_effective(project: Project) -> bool:
    return not make_effective_problems(project)
