"""Builders of rule facts for the pure rule tests (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dispatch.rules import ProjectFacts
from offices.keys import THRESHOLD_DEFAULTS
from tracker.choices import ProjectState
from tracker.lights import lights_compute

THRESHOLDS = dict(THRESHOLD_DEFAULTS)


def project_facts(
    *,
    on_date: dt.date,
    pk: int = 1,
    unit_id: int = 1,
    department_id: int = 1,
    state: str = ProjectState.UNDER_CONSTRUCTION,
    planned_start: dt.date = dt.date(2025, 1, 1),
    planned_completion: dt.date = dt.date(2025, 12, 31),
    actual_start: dt.date | None = dt.date(2025, 1, 1),
    progress: str | Decimal = "0",
    recent: tuple = (),
    pending: tuple[str, ...] = (),
    thresholds: dict | None = None,
) -> ProjectFacts:
    progress = Decimal(str(progress))
    recent_values = tuple(Decimal(str(v)) for v in recent) or (progress,)
    return ProjectFacts(
        id=pk,
        code=f"P{pk:03d}",
        name=f"项目{pk}",
        unit_id=unit_id,
        unit_name=f"县{unit_id}",
        department_id=department_id,
        department_name=f"部门{department_id}",
        domain_id=1,
        state=state,
        planned_start=planned_start,
        planned_completion=planned_completion,
        actual_start=actual_start,
        progress=progress,
        recent_progress=recent_values,
        pending_procedures=pending,
        lights=lights_compute(
            state=state,
            planned_start=planned_start,
            planned_completion=planned_completion,
            actual_start=actual_start,
            progress=progress,
            on_date=on_date,
            thresholds=thresholds or THRESHOLDS,
        ),
    )
