"""`acting_user` is required: a service called without a user is refused, never authorised; the
system's own acts say so with SYSTEM and are recorded as “系统”."""
from __future__ import annotations

import datetime as dt

import pytest

from core.actors import SYSTEM, ActorMissing
from dispatch import jobs
from dispatch import services as dispatch_services
from tests.factories import ProjectFactory, UnitFactory, UserFactory
from tracker import services
from tracker.choices import AuditAction, Role
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "call",
    [
        lambda project: services.project_update(
            project_id=project.pk, acting_user=None, expected_version=None, changes={"remarks": "未说明是谁"}
        ),
        lambda project: services.weekly_report_submit(
            project_id=project.pk, week_start=dt.date(2025, 9, 22), acting_user=None,
            progress_percent=10, completed_investment=100, funds_in_place=100,
        ),
        lambda project: services.problem_raise(
            project_id=project.pk, acting_user=None, category="funds", description="资金未到位",
        ),
        lambda project: services.project_create(
            acting_user=None, code="LF-NONE-1", map_number=9901, name="无人新增的工程", unit=project.unit,
            domain=project.domain, lead_department=project.lead_department, owner_name="某单位",
            total_investment=1, planned_start=dt.date(2026, 1, 1), planned_completion=dt.date(2026, 12, 31),
            target_year=2026,
        ),
    ],
    ids=["project_update", "weekly_report_submit", "problem_raise", "project_create"],
)
def test_a_service_called_without_a_user_is_refused_and_writes_nothing(call):
    # given
    project = ProjectFactory()
    events = AuditEvent.objects.count()
    # when / then
    with pytest.raises(ActorMissing):
        call(project)
    assert AuditEvent.objects.count() == events
    project.refresh_from_db()
    assert project.remarks == ""


def test_the_system_acts_without_a_person_and_is_recorded_as_system():
    # given
    project = ProjectFactory()
    # when
    services.project_update(project_id=project.pk, acting_user=SYSTEM, expected_version=None,
                            changes={"remarks": "系统校正"})
    # then
    event = AuditEvent.objects.filter(action=AuditAction.PROJECT_EDIT, project=project).get()
    assert event.actor is None
    assert event.actor_name == "系统"


def test_a_person_without_the_right_is_refused_where_the_system_may_act():
    # given: a county liaison of another unit may not change the calendar's thresholds
    liaison = UserFactory(role=Role.COUNTY_LIAISON, role__unit=UnitFactory())
    # when / then
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        dispatch_services.threshold_set(key="r3_report_count", value=5, acting_user=liaison)
    dispatch_services.threshold_set(key="r3_report_count", value=5, acting_user=SYSTEM)


def test_a_calendar_job_without_a_user_is_refused():
    with pytest.raises(TypeError):
        jobs.job_run_for_date(job="daily", on_date=dt.date(2025, 9, 1))  # acting_user missing
