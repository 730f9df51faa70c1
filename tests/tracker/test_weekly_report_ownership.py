"""One owner of a project's weekly figures (the county it lies in), weeks
closed to the units after the Office's deadline, and a lower figure explained at every entry point."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from tracker import services
from tracker.choices import AuditAction, ProjectState
from tracker.models import AuditEvent, Project, WeeklyReport
from tracker.services.progress import weekly_report_deadline

pytestmark = pytest.mark.django_db

WEEK = dt.date(2025, 10, 6)  # 国庆 week: its figures stay open until Tuesday 2025-10-14
OPEN = dt.datetime(2025, 10, 9, 10, 0)
CLOSED = dt.datetime(2025, 10, 20, 10, 0)


@pytest.fixture
def project(demo_ledger):
    """A 侯马市 water project: county_houma's unit, dept_water's department."""
    project = Project.objects.filter(unit__code="houma", lead_department__code="water_bureau").exclude(
        state=ProjectState.EFFECTIVE).order_by("map_number").first()
    return project


def _submit(project, user, *, progress=None, note="", reason=None):
    return services.weekly_report_submit(
        project_id=project.pk, week_start=WEEK, acting_user=user,
        progress_percent=progress if progress is not None else project.progress_percent,
        completed_investment=project.completed_investment, funds_in_place=project.funds_in_place,
        decrease_note=note, correction_reason=reason,
    )


def test_deadline_is_the_second_working_day_after_the_week():
    # then (2025-10-11, a Saturday, was a working day, but it is inside the week)
    assert weekly_report_deadline(WEEK) == dt.date(2025, 10, 14)
    assert weekly_report_deadline(dt.date(2025, 9, 17)) == dt.date(2025, 9, 23)


@time_machine.travel(OPEN, tick=False)
def test_department_cannot_overwrite_the_countys_figures(project, county_liaison, department_liaison):
    # given the county reported the week
    _submit(project, county_liaison, progress=project.progress_percent + 2)
    # when the lead department reports other figures for the same week
    with pytest.raises(ValidationError) as refused:
        _submit(project, department_liaison, progress=project.progress_percent + 7)
    # then the county's figure stands
    assert "以县(市、区)填报为准" in refused.value.messages[0]
    report = WeeklyReport.objects.get(project=project, week_start=WEEK)
    assert report.progress_percent == project.progress_percent + 2
    assert report.reported_by == county_liaison


@time_machine.travel(OPEN, tick=False)
def test_countys_report_replaces_a_departments_stand_in(project, county_liaison, department_liaison):
    # given the department stood in while the county had not reported
    _submit(project, department_liaison, progress=project.progress_percent + 7)
    # when the county reports
    _submit(project, county_liaison, progress=project.progress_percent + 2)
    # then the county's figure is the week's
    report = WeeklyReport.objects.get(project=project, week_start=WEEK)
    assert report.progress_percent == project.progress_percent + 2 and report.reported_by == county_liaison


@time_machine.travel(CLOSED, tick=False)
@pytest.mark.parametrize("liaison", ["county_liaison", "department_liaison"])
def test_closed_week_cannot_be_rewritten_by_the_units(request, project, liaison):
    # when a unit reports a week after its deadline
    with pytest.raises(ValidationError) as refused:
        _submit(project, request.getfixturevalue(liaison))
    # then
    assert "已于2025年10月14日截止，不能再填报或修改" in refused.value.messages[0]
    assert not WeeklyReport.objects.filter(project=project, week_start=WEEK).exists()


@time_machine.travel(CLOSED, tick=False)
def test_office_corrects_a_closed_week_only_with_a_reason(client, project, clerk):
    # given
    client.force_login(clerk)
    url = reverse("tracker:weekly_report", args=[project.pk])
    form = {"week_start": "2025-10-06", "progress_percent": str(project.progress_percent),
            "completed_investment": str(project.completed_investment),
            "funds_in_place": str(project.funds_in_place)}
    # when the Office submits without a reason, then with one
    without = client.post(url, form)
    with_reason = client.post(url, {**form, "correction_reason": "县里报错，按现场核查更正"})
    # then the first is refused in Chinese, the second kept and audited with its reason
    assert without.status_code == 200 and "专班办更正须填写更正原因" in without.content.decode()
    assert with_reason.status_code == 302
    event = AuditEvent.objects.filter(project=project, action=AuditAction.WEEKLY_REPORT).latest("id")
    assert "县里报错，按现场核查更正" in event.reason
    assert event.data["correction_reason"] == "县里报错，按现场核查更正"


@time_machine.travel(OPEN, tick=False)
def test_lower_figure_needs_an_explanation_on_the_countys_all_projects_form(client, project, county_liaison):
    # given
    client.force_login(county_liaison)
    lower = project.progress_percent - Decimal("5")
    prefix = f"p{project.pk}"
    rows = re.findall(r'name="p(\d+)-project_id"',
                      client.get(reverse("dashboard:unit_home")).content.decode())
    # when the county's /unit/ form reports a lower figure without a note (the other rows left empty)
    response = client.post(reverse("dashboard:unit_home"), {
        **{f"p{pk}-project_id": pk for pk in rows},
        "week_start": "2025-10-06", f"{prefix}-project_id": project.pk,
        f"{prefix}-progress_percent": str(lower),
        f"{prefix}-completed_investment": str(project.completed_investment),
        f"{prefix}-funds_in_place": str(project.funds_in_place),
    })
    # then
    assert "请填写进度回调说明" in response.content.decode()
    assert not WeeklyReport.objects.filter(project=project, week_start=WEEK).exists()


@time_machine.travel(OPEN, tick=False)
def test_lower_figure_needs_an_explanation_in_the_weekly_import(client, project, county_liaison):
    # given the county's weekly sheet with a lower figure and no 进度回调说明
    client.force_login(county_liaison)
    template = client.get(reverse("ledgers:weekly_template"), {"week": "2025-10-06"}).content
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.active
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == project.code)
    sheet.cell(row, 3, float(project.progress_percent - 5) / 100)
    sheet.cell(row, 3).number_format = "0.00%"
    sheet.cell(row, 4, float(project.completed_investment))
    sheet.cell(row, 5, float(project.funds_in_place))
    buffer = io.BytesIO()
    workbook.save(buffer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client.post(reverse("ledgers:upload"),
                         {"kind": "weekly", "file": SimpleUploadedFile("周调度.xlsx", buffer.getvalue())})
    # when previewed
    preview = client.get(upload["Location"]).content.decode()
    # then the row is refused with the same rule's words
    assert "请填写进度回调说明" in preview
