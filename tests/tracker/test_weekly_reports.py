"""Weekly dispatch figures: one per project per week, never silently going down."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.actors import SYSTEM
from tracker import services
from tracker.choices import AuditAction, ProjectState
from tracker.models import AuditEvent, Project, WeeklyReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(demo_ledger):
    return Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).order_by("map_number").first()


def _submit(project, user, week, progress, note=""):
    return services.weekly_report_submit(
        project_id=project.pk, week_start=week, acting_user=user, progress_percent=progress,
        completed_investment=project.completed_investment, funds_in_place=project.funds_in_place,
        decrease_note=note,
    )


def test_progress_going_down_without_note_is_refused(project, clerk):
    # given
    previous = project.progress_percent
    # when / then
    with pytest.raises(ValidationError) as refusal:
        _submit(project, clerk, dt.date(2025, 10, 6), previous - 5)
    assert "请填写进度回调说明" in refusal.value.messages[0]
    assert not WeeklyReport.objects.filter(project=project, week_start=dt.date(2025, 10, 6)).exists()


def test_progress_going_down_with_note_is_kept(project, clerk):
    report = _submit(project, clerk, dt.date(2025, 10, 6), project.progress_percent - 5, note="复核后核减")
    assert report.decrease_note == "复核后核减"


def test_same_week_twice_updates_the_one_report(project, county_liaison):
    week = dt.date(2025, 10, 8)  # a Wednesday: keyed by its Monday
    _submit(project, SYSTEM, week, project.progress_percent + 1)
    _submit(project, SYSTEM, week, project.progress_percent + 2)
    reports = WeeklyReport.objects.filter(project=project, week_start=dt.date(2025, 10, 6))
    assert reports.count() == 1
    project.refresh_from_db()
    assert project.progress_percent == reports.get().progress_percent
    assert AuditEvent.objects.filter(project=project, action=AuditAction.WEEKLY_REPORT,
                                     actor_name="系统").count() == 2


def test_progress_above_100_is_refused(project, clerk):
    with pytest.raises(ValidationError):
        _submit(project, clerk, dt.date(2025, 10, 6), Decimal("100.5"))


def test_negative_money_is_refused(project, clerk):
    with pytest.raises(ValidationError) as refusal:
        services.weekly_report_submit(
            project_id=project.pk, week_start=dt.date(2025, 10, 6), acting_user=clerk, progress_percent=50,
            completed_investment=-1, funds_in_place=0,
        )
    assert "不能为负数" in refusal.value.messages[0]
