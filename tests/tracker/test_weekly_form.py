"""One weekly-report form for counties and departments: the same fields, 手续 included,
the current week by default, and a history that shows every field."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from tracker.forms import UnitWeeklyRowForm, WeeklyFiguresForm, WeeklyReportForm
from tracker.models import WeeklyReport

pytestmark = pytest.mark.django_db
DEMO_DAY = dt.datetime(2025, 9, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_county_row_and_department_form_share_the_figures_including_procedures():
    figures = set(WeeklyFiguresForm.base_fields)
    assert "procedure_note" in figures
    assert figures <= set(UnitWeeklyRowForm.base_fields)
    assert figures <= set(WeeklyReportForm.base_fields)


@time_machine.travel(DEMO_DAY, tick=False)
def test_department_form_starts_on_the_current_week(client, department_liaison):
    # given a project of the department's domain
    from tracker.selectors import project_list

    project = project_list(user=department_liaison).first()
    client.force_login(department_liaison)
    # when
    page = client.get(f"/projects/{project.pk}/report/").content.decode()
    # then the date input carries the Monday in the ISO form a browser shows
    field = re.search(r'<input[^>]*name="week_start"[^>]*>', page).group(0)
    assert 'value="2025-09-29"' in field
    assert 'name="procedure_note"' in page


@time_machine.travel(DEMO_DAY, tick=False)
def test_county_reports_procedures_and_reporter_for_the_week_and_history_shows_them(client, county_liaison):
    # given
    client.force_login(county_liaison)
    page = client.get("/unit/")
    week_input = re.search(r'<input[^>]*name="week_start"[^>]*>', page.content.decode()).group(0)
    assert 'value="2025-09-29"' in week_input
    row = page.context["rows"][0]
    project, last, prefix = row["project"], row["last"], f"p{row['project'].pk}"
    # when (the browser posts every row's hidden project id)
    hidden = {f"p{r['project'].pk}-project_id": r["project"].pk for r in page.context["rows"]}
    response = client.post("/unit/", {
        **hidden, "week_start": "2025-09-29", "reporter_name": "王建国", "reporter_phone": "0357-1234567",
        f"{prefix}-progress_percent": str(last.progress_percent if last else 0),
        f"{prefix}-completed_investment": str(last.completed_investment if last else 0),
        f"{prefix}-funds_in_place": str(last.funds_in_place if last else 0),
        f"{prefix}-procedure_note": "用地预审已上报省厅",
    })
    # then
    assert response.status_code == 302, response.context["failures"]
    report = WeeklyReport.objects.get(project=project, week_start=dt.date(2025, 9, 29))
    assert (report.procedure_note, report.reporter_name, report.reporter_phone) == (
        "用地预审已上报省厅", "王建国", "0357-1234567")
    history = client.get(f"/projects/{project.pk}/").content.decode()
    assert "手续办理进展" in history and "用地预审已上报省厅" in history and "0357-1234567" in history
