"""Fixtures of the web tests: a fresh 前期 project (the demo has none left by its date)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tracker import services
from tracker.models import AdministrativeUnit, Department, Domain, Project


@pytest.fixture
def preparation_project(demo_ledger, leader) -> Project:
    """A project in 前期 in 侯马市 whose construction permit is still being processed."""
    unit = AdministrativeUnit.objects.get(code="houma")
    project = services.project_create(
        acting_user=leader,
        code="LF-TEST-901",
        map_number=901,
        name="侯马市测试污水管网改造工程",
        unit=unit,
        lead_department=Department.objects.order_by("id").first(),
        domain=Domain.objects.order_by("id").first(),
        owner_name="侯马市住建局",
        total_investment=Decimal("1200.00"),
        planned_start=dt.date(2025, 9, 1),
        planned_completion=dt.date(2026, 6, 30),
        target_year=2025,
        longitude=Decimal("111.372"),
        latitude=Decimal("35.619"),
    )
    services.procedure_update(
        project_id=project.pk, kind="construction_permit", acting_user=leader, status="in_progress",
        started_on=dt.date(2025, 8, 1),
    )
    project.refresh_from_db()
    return project
