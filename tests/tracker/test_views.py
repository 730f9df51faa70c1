"""Django-client tests of the pages: who lands where, who may see what, and the forms."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.selectors import marker_dicts
from tracker.choices import AuditAction, ProjectState
from tracker.models import AuditEvent, Problem, Project, WeeklyReport

pytestmark = pytest.mark.django_db
DEMO_DAY = dt.datetime(2025, 9, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("username", "landing"),
    [("clerk", "/office/"), ("leader", "/leader/"), ("county_houma", "/unit/"), ("cityleader", "/city/"),
     ("dept_water", "/department/")],
)
def test_home_sends_each_role_to_its_page(client, demo_ledger, username, landing):
    # given
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    # when
    response = client.get("/")
    # then
    assert response.status_code == 302
    assert response["Location"] == landing


def test_home_asks_anonymous_visitors_to_log_in(client, demo_ledger):
    # when
    response = client.get("/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_is_chinese_and_logs_in_by_post(client, demo_ledger):
    # given
    page = client.get("/accounts/login/")
    assert "用户名" in page.content.decode() and "密码" in page.content.decode()
    # when
    response = client.post("/accounts/login/", {"username": "clerk", "password": "Yihong@2025"})
    # then
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == "/office/"


def test_county_liaison_gets_the_not_found_page_for_another_countys_project(client, county_liaison):
    # given
    other = Project.objects.exclude(unit=county_liaison.staff_profile.unit).first()
    _client(client, county_liaison)
    # when
    response = client.get(f"/projects/{other.pk}/")
    # then: the same answer as for an id that does not exist
    assert response.status_code == 404


def test_county_liaison_reaches_own_project(client, county_liaison):
    # given
    own = Project.objects.filter(unit=county_liaison.staff_profile.unit).first()
    _client(client, county_liaison)
    # when
    response = client.get(f"/projects/{own.pk}/")
    # then
    assert response.status_code == 200
    assert own.name in response.content.decode()


def test_county_liaison_ledger_lists_only_their_unit(client, county_liaison):
    # given
    _client(client, county_liaison)
    unit_count = Project.objects.filter(unit=county_liaison.staff_profile.unit).count()
    # when
    response = client.get("/ledger/")
    # then
    assert response.context["paging"]["count"] == unit_count
    assert {row.project.unit_id for row in response.context["rows"]} == {county_liaison.staff_profile.unit_id}


def test_county_liaison_cannot_report_for_another_county(client, county_liaison):
    # given
    other = Project.objects.exclude(unit=county_liaison.staff_profile.unit).first()
    _client(client, county_liaison)
    # when
    response = client.post(f"/projects/{other.pk}/report/", {
        "week_start": "2025-09-29", "progress_percent": "50", "completed_investment": "1",
        "funds_in_place": "1",
    })
    # then: not found, as for an id that does not exist
    assert response.status_code == 404
    assert not WeeklyReport.objects.filter(project=other, week_start=dt.date(2025, 9, 29),
                                           reported_by=county_liaison).exists()


def test_city_leader_sees_no_transition_buttons_and_cannot_report(client, city_leader):
    # given
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    _client(client, city_leader)
    # when
    page = client.get(f"/projects/{project.pk}/")
    report = client.get(f"/projects/{project.pk}/report/")
    # then
    assert page.context["transition_options"] == []
    assert "data-transition=" not in page.content.decode()
    assert report.status_code == 403


def test_leader_page_refused_to_clerk(client, clerk):
    # given
    _client(client, clerk)
    # when
    response = client.get("/leader/")
    # then
    assert response.status_code == 403
    assert "仅供专班办领导" in response.content.decode()


def test_unknown_project_is_a_chinese_404(client, clerk):
    # given
    _client(client, clerk)
    # when
    response = client.get("/projects/999999/")
    # then
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_dashboard_has_95_markers_and_state_colours(client, clerk):
    # given
    _client(client, clerk)
    # when
    response = client.get("/dashboard/?as_of=2025-09-30")
    # then
    data = response.context["data"]
    markers = marker_dicts(data)
    assert len(markers) == 95
    assert {m["state"] for m in markers} >= {ProjectState.EFFECTIVE, ProjectState.UNDER_CONSTRUCTION}
    styles = data["state_styles"]
    assert styles[ProjectState.PREPARATION]["colour"] == "#d7263d"  # red
    assert styles[ProjectState.UNDER_CONSTRUCTION]["colour"] == "#2e9e44"  # green
    assert styles[ProjectState.COMPLETED]["colour"] == "#1f5fbf"  # blue
    assert styles[ProjectState.EFFECTIVE]["symbol"] != "circle"
    assert styles[ProjectState.SUSPENDED]["symbol"] != "circle"
    assert len({m["number"] for m in markers}) == 95
    assert data["headline"]["projects"] == 95


def test_dashboard_as_of_date_changes_the_counts(client, clerk):
    # given
    _client(client, clerk)
    # when
    early = client.get("/dashboard/?as_of=2023-08-31").context["data"]["headline"]
    late = client.get("/dashboard/?as_of=2025-09-30").context["data"]["headline"]
    # then
    assert early["started"] < late["started"]
    assert early["completed"] <= late["completed"]
    assert late["by_state"]["达效"] > early["by_state"]["达效"]


def test_dashboard_rejects_a_malformed_date_in_chinese(client, clerk):
    # given
    _client(client, clerk)
    # when
    response = client.get("/dashboard/?as_of=2025-13-01", follow=True)
    # then
    assert "格式不正确" in response.content.decode()
    assert response.context["as_of"] == dt.date.today() or response.context["as_of"]


def test_dashboard_filters_by_state_and_unit(client, clerk):
    # given
    _client(client, clerk)
    # when
    data = client.get("/dashboard/?as_of=2025-09-30&unit=houma&state=effective").context["data"]
    # then
    markers = marker_dicts(data)
    assert markers
    assert {m["unit"] for m in markers} == {"侯马市"}
    assert {m["state"] for m in markers} == {"effective"}


def test_dashboard_sections_carry_class_against_target(client, clerk):
    # given
    _client(client, clerk)
    # when
    sections = client.get("/dashboard/?as_of=2025-09-30").context["data"]["sections"]
    # then
    assert sections
    for section in sections:
        if section["water_class"] is not None:
            assert section["meets_target"] == (section["water_class"] <= section["target_class"])


def test_dashboard_has_no_inline_script(client, clerk):
    # given
    _client(client, clerk)
    # when
    body = client.get("/dashboard/").content.decode()
    # then: every script either has a src or is json_script data
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " onclick=" not in body


def test_dashboard_query_count_does_not_grow_with_projects(client, clerk):
    # given
    _client(client, clerk)
    # when
    with CaptureQueriesContext(connection) as one_unit:
        client.get("/dashboard/?as_of=2025-09-30&unit=houma")
    with CaptureQueriesContext(connection) as everything:
        client.get("/dashboard/?as_of=2025-09-30")
    # then
    assert len(one_unit) == len(everything)


def test_ledger_filters_by_light_and_sorts(client, clerk):
    # given
    _client(client, clerk)
    # when
    response = client.get("/ledger/?light=green&sort=-investment")
    # then
    rows = response.context["rows"]
    assert rows
    assert all("green" in (row.start_light, row.progress_light) for row in rows)
    investments = [row.project.total_investment for row in rows]
    assert investments == sorted(investments, reverse=True)


def test_ledger_paginates(client, clerk):
    # given
    _client(client, clerk)
    # when
    second = client.get("/ledger/?page=2")
    # then
    assert second.context["paging"] == {"page": 2, "pages": 2, "count": 95, "per_page": 50}
    assert len(second.context["rows"]) == 45


def test_search_by_exact_code_opens_the_project(client, clerk):
    # given
    project = Project.objects.order_by("map_number").first()
    _client(client, clerk)
    # when
    response = client.get("/search/", {"q": project.code})
    # then
    assert response["Location"] == f"/projects/{project.pk}/"


@time_machine.travel(DEMO_DAY, tick=False)
def test_weekly_report_form_shows_last_week_and_saves(client, clerk):
    # given
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    last = WeeklyReport.objects.filter(project=project).order_by("-week_start").first()
    _client(client, clerk)
    page = client.get(f"/projects/{project.pk}/report/")
    assert f"{last.progress_percent}%" in page.content.decode()
    # when
    response = client.post(f"/projects/{project.pk}/report/", {
        "week_start": "2025-09-29", "progress_percent": str(min(Decimal("100"), last.progress_percent + 1)),
        "completed_investment": str(last.completed_investment), "funds_in_place": str(last.funds_in_place),
    })
    # then
    assert response.status_code == 302
    assert WeeklyReport.objects.filter(project=project, week_start=dt.date(2025, 9, 29),
                                       reported_by=clerk).exists()


@time_machine.travel(DEMO_DAY, tick=False)
def test_weekly_report_refuses_a_drop_without_note_in_chinese(client, clerk):
    # given
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION, progress_percent__gt=10).first()
    last = (WeeklyReport.objects.filter(project=project, week_start__lt=dt.date(2025, 9, 29))
            .order_by("-week_start").first())
    before = WeeklyReport.objects.filter(project=project).count()
    _client(client, clerk)
    # when
    response = client.post(f"/projects/{project.pk}/report/", {
        "week_start": "2025-09-29", "progress_percent": str(last.progress_percent - 5),
        "completed_investment": "1", "funds_in_place": "1",
    })
    # then
    assert response.status_code == 200
    assert "请填写进度回调说明" in response.content.decode()
    assert WeeklyReport.objects.filter(project=project).count() == before


def test_weekly_report_refuses_progress_over_100(client, clerk):
    # given
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    _client(client, clerk)
    # when
    response = client.post(f"/projects/{project.pk}/report/", {
        "week_start": "2025-09-29", "progress_percent": "120", "completed_investment": "1",
        "funds_in_place": "1",
    })
    # then
    assert "形象进度不能大于100" in response.content.decode()


def test_start_refused_without_permit_then_allowed(client, clerk, leader, preparation_project):
    # given
    from tracker import services

    _client(client, clerk)
    page = client.get(f"/projects/{preparation_project.pk}/")
    assert "施工许可" in page.content.decode()
    # when: the permit is still in progress
    refused = client.post(f"/projects/{preparation_project.pk}/transition/", {
        "transition": "start", "expected_version": preparation_project.version, "effective_on": "2025-09-20",
    }, follow=True)
    # then
    assert "不能“开工”" in refused.content.decode()
    preparation_project.refresh_from_db()
    assert preparation_project.state == ProjectState.PREPARATION
    # when: the permit is granted
    services.procedure_update(project_id=preparation_project.pk, kind="construction_permit",
                              acting_user=leader, status="done", completed_on=dt.date(2025, 9, 15))
    preparation_project.refresh_from_db()
    started = client.post(f"/projects/{preparation_project.pk}/transition/", {
        "transition": "start", "expected_version": preparation_project.version, "effective_on": "2025-09-20",
        "reason": "施工许可已办结", "evidence": SimpleUploadedFile("开工令.pdf", b"%PDF-1.4\n%%EOF\n"),
    }, follow=True)
    # then
    preparation_project.refresh_from_db()
    assert preparation_project.state == ProjectState.UNDER_CONSTRUCTION
    assert preparation_project.actual_start == dt.date(2025, 9, 20)
    assert "已变更为“开工”" in started.content.decode()


def test_stale_version_shows_edit_conflict(client, clerk, preparation_project):
    # given
    _client(client, clerk)
    # when
    response = client.post(f"/projects/{preparation_project.pk}/transition/", {
        "transition": "start", "expected_version": preparation_project.version - 1,
        "effective_on": "2025-09-20",
    }, follow=True)
    # then
    assert "已被他人修改" in response.content.decode()


def test_backward_transition_refused_to_clerk(client, clerk):
    # given
    project = Project.objects.filter(state=ProjectState.COMPLETED).first()
    _client(client, clerk)
    # when
    response = client.post(f"/projects/{project.pk}/transition/", {
        "transition": "reopen", "expected_version": project.version, "reason": "复核发现未完工",
    })
    # then
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.state == ProjectState.COMPLETED


def test_problem_raise_escalate_resolve(client, clerk):
    # given
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    _client(client, clerk)
    # when
    client.post(f"/projects/{project.pk}/problems/", {"description": "用地审批卡在县自然资源局", "category": "land"})
    problem = Problem.objects.get(project=project, description="用地审批卡在县自然资源局")
    client.post(f"/problems/{problem.pk}/escalate/", {"reason": "10个工作日未解决", "responsible_leader": "王副市长"})
    problem.refresh_from_db()
    escalated_level = problem.level
    client.post(f"/problems/{problem.pk}/resolve/", {"resolution": "已协调办结"})
    # then
    problem.refresh_from_db()
    assert escalated_level == "city"
    assert problem.status == "resolved"
    actions = set(AuditEvent.objects.filter(object_type="problem", object_id=str(problem.pk))
                  .values_list("action", flat=True))
    assert {AuditAction.PROBLEM_RAISE, AuditAction.PROBLEM_ESCALATE, AuditAction.PROBLEM_RESOLVE} <= actions


def test_county_liaison_cannot_escalate(client, county_liaison):
    # given
    problem = (Problem.objects.filter(project__unit=county_liaison.staff_profile.unit, status="open").first()
               or Problem.objects.filter(status="open").first())
    _client(client, county_liaison)
    level = problem.level
    # when
    response = client.post(f"/problems/{problem.pk}/escalate/", {"reason": "想升级"})
    # then
    assert response.status_code == 403 or response.status_code == 302
    problem.refresh_from_db()
    assert problem.level == level


def test_escalated_problems_page_lists_city_and_province_levels(client, city_leader):
    # given
    _client(client, city_leader)
    # when
    response = client.get("/problems/escalated/")
    # then
    levels = {problem.level for problem in response.context["problems"]}
    assert levels <= {"city", "province"} and levels


@time_machine.travel(DEMO_DAY, tick=False)
def test_unit_page_saves_this_weeks_reports_for_several_projects(client, county_liaison):
    # given
    _client(client, county_liaison)
    page = client.get("/unit/")
    rows = page.context["rows"][:2]
    data = {}
    for row in rows:
        prefix = f"p{row['project'].pk}"
        last = row["last"]
        data[f"{prefix}-project_id"] = row["project"].pk
        data[f"{prefix}-progress_percent"] = str(last.progress_percent if last else 0)
        data[f"{prefix}-completed_investment"] = str(last.completed_investment if last else 0)
        data[f"{prefix}-funds_in_place"] = str(last.funds_in_place if last else 0)
    # when
    response = client.post("/unit/", data)
    # then
    assert response.status_code == 302
    week = dt.date(2025, 9, 29)
    assert WeeklyReport.objects.filter(
        project__in=[r["project"] for r in rows], week_start=week, reported_by=county_liaison
    ).count() == 2


@time_machine.travel(DEMO_DAY, tick=False)
def test_unit_page_refuses_a_half_filled_row(client, county_liaison):
    # given
    _client(client, county_liaison)
    row = client.get("/unit/").context["rows"][0]
    prefix = f"p{row['project'].pk}"
    # when
    response = client.post("/unit/",
                           {f"{prefix}-project_id": row["project"].pk, f"{prefix}-progress_percent": "50"})
    # then
    assert response.status_code == 200
    assert "须同时填写" in response.content.decode()
    assert not WeeklyReport.objects.filter(
        project=row["project"], week_start=dt.date(2025, 9, 29), reported_by=county_liaison
    ).exists()


def test_unit_page_is_for_county_liaisons_only(client, clerk):
    # given
    _client(client, clerk)
    # when
    response = client.get("/unit/")
    # then
    assert response.status_code == 403
