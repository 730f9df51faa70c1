"""Work queues: every role lands on what is due, the navigation shows the same counts,
read-only kinds are "已阅", the city leader's 批示, and audit rows in Chinese."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.workdays import monday_of
from dashboard.queues import work_queues
from notices import services as notice_services
from notices.composers import compose_weekly_report
from notices.models import Notice, NoticeKind
from notices.selectors import inbox_for
from tracker import services
from tracker.choices import ACTIVE_STATES, EscalationLevel
from tracker.models import AdministrativeUnit, Problem, ProblemInstruction, Project, WeeklyReport

pytestmark = pytest.mark.django_db


def _letter(*, kind: str, unit_code: str, clerk, leader, title: str = "") -> Notice:
    from demo.notices import email_endpoints_from_demo_users

    email_endpoints_from_demo_users()
    unit = AdministrativeUnit.objects.get(code=unit_code)
    notice = notice_services.notice_draft_create(
        kind=kind, title=title or f"关于{unit.name}工程进度滞后的督办函", recipient_units=[unit],
        context={"reason": "测试", "items": [], "requirements": "请于反馈期限前报送整改情况。", "blocks": []},
        source_key=f"queue-test:{kind}:{unit_code}:{title}", acting_user=clerk,
    )
    notice_services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)
    notice = Notice.objects.get(pk=notice.pk)
    if not notice.is_issued:
        notice = notice_services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
    return notice


def _cards(html: str) -> dict[str, int]:
    return {key: int(count) for key, count in re.findall(
        r'data-queue="(\w+)".*?<strong data-count="(\d+)"', html, re.S)}


def _city_problem(project: Project, leader) -> Problem:
    problem = services.problem_raise(project_id=project.pk, acting_user=leader, description="征地补偿款未到位",
                                     category="land")
    return services.problem_escalate(problem_id=problem.pk, acting_user=leader, reason="专班协调未果")


# --- counts ---------------------------------------------------------------------------------------


def test_county_landing_counts_what_its_inbox_and_week_hold(client, county_liaison, clerk, leader):
    # given a 督办函 to 侯马市 and the unit's projects without this week's report
    _letter(kind=NoticeKind.SUPERVISION, unit_code="houma", clerk=clerk, leader=leader)
    client.force_login(county_liaison)
    # when
    cards = _cards(client.get("/unit/").content.decode())
    # then the cards say what the inbox and the database say
    entries = inbox_for(user=county_liaison)
    unit = county_liaison.staff_profile.unit
    unreported = Project.objects.filter(unit=unit, state__in=ACTIVE_STATES).exclude(
        weekly_reports__week_start=monday_of(timezone.localdate())).count()
    assert cards["ack"] == sum(e.awaiting_acknowledgement for e in entries) >= 1
    assert cards["answer"] == sum(e.awaiting_answer for e in entries)
    assert cards["unreported"] == unreported


def test_acknowledging_moves_the_letter_from_ack_to_answer(client, county_liaison, clerk, leader):
    # given
    notice = _letter(kind=NoticeKind.SUPERVISION, unit_code="houma", clerk=clerk, leader=leader)
    client.force_login(county_liaison)
    before = _cards(client.get("/unit/").content.decode())
    # when the liaison signs for it
    client.post(f"/notices/{notice.pk}/acknowledge/")
    after = _cards(client.get("/unit/").content.decode())
    # then
    assert after["ack"] == before["ack"] - 1
    assert after["answer"] == before["answer"]  # still to answer


def test_queue_counts_cost_a_constant_number_of_queries(clerk, leader, county_liaison):
    # given the queries with one letter, then with many more
    def queries(user) -> int:
        with CaptureQueriesContext(connection) as captured:
            work_queues(user=user, with_watch_lists=False)
        return len(captured.captured_queries)

    _letter(kind=NoticeKind.SUPERVISION, unit_code="houma", clerk=clerk, leader=leader, title="第一件")
    few = {user: queries(user) for user in (clerk, leader, county_liaison)}
    # when
    for n in range(6):
        _letter(kind=NoticeKind.SUPERVISION, unit_code="houma", clerk=clerk, leader=leader, title=f"第{n}件")
    # then the navigation's counts do not cost more with more letters
    assert {user: queries(user) for user in (clerk, leader, county_liaison)} == few


def test_office_signoff_link_exists_when_the_queue_is_empty(client, leader, clerk):
    # given no letter waits for a signature
    Notice.objects.filter(state="pending_signoff").update(state="voided")
    for user in (leader, clerk):
        client.force_login(user)
        queues = work_queues(user=user, with_watch_lists=False)
        # when
        url = queues.by_key["signoff"].url
        page = client.get(url.split("#")[0])
        # then the list it points at is there, with its anchor
        assert page.status_code == 200
        assert f'id="{url.split("#")[1]}"' in page.content.decode()


def test_unit_week_queue_counts_down_as_projects_report(county_liaison):
    # given
    today = timezone.localdate()
    before = work_queues(user=county_liaison, today=today).by_key["unreported"].count
    project = Project.objects.filter(unit=county_liaison.staff_profile.unit, state__in=ACTIVE_STATES).exclude(
        weekly_reports__week_start=monday_of(today)).first()
    # when
    services.weekly_report_submit(project_id=project.pk, week_start=monday_of(today),
                                  acting_user=county_liaison, progress_percent=project.progress_percent,
                                  completed_investment=project.completed_investment,
                                  funds_in_place=project.funds_in_place, problem_note="", decrease_note="")
    # then
    assert work_queues(user=county_liaison, today=today).by_key["unreported"].count == before - 1
    assert WeeklyReport.objects.filter(project=project, week_start=monday_of(today)).exists()


# --- read-only kinds ------------------------------------------------------------------------------


def test_monthly_circular_is_read_not_awaiting_acknowledgement(client, county_liaison, clerk, leader):
    # given a 月度通报 to 侯马市 whose 签收 deadline has long passed
    notice = _letter(kind=NoticeKind.MONTHLY_CIRCULAR, unit_code="houma", clerk=clerk, leader=leader,
                     title="2025年8月全市工程进展情况通报")
    Notice.objects.filter(pk=notice.pk).update(
        acknowledge_deadline=timezone.localdate() - dt.timedelta(days=30)
    )
    # when the liaison opens the inbox, then the letter
    entry = next(e for e in inbox_for(user=county_liaison) if e.notice.pk == notice.pk)
    client.force_login(county_liaison)
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    inbox = client.get("/notices/inbox/").content.decode()
    # then it is neither waiting for a signature nor overdue: it is 已阅
    assert not entry.awaiting_acknowledgement and not entry.overdue
    assert "已阅" in page and f'action="/notices/{notice.pk}/acknowledge/"' not in page
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*2025年8月全市工程进展情况通报.*?</tr>", inbox, re.S).group(0)
    assert "已阅" in row and "逾期" not in row and "待签收" not in row


def test_inbox_filters_show_their_counts(client, county_liaison, clerk, leader):
    # given
    _letter(kind=NoticeKind.SUPERVISION, unit_code="houma", clerk=clerk, leader=leader)
    client.force_login(county_liaison)
    # when
    page = client.get("/notices/inbox/").content.decode()
    # then every filter says how many it holds
    entries = inbox_for(user=county_liaison)
    counts = dict(re.findall(r'data-filter="(\w+)"[^>]*>[^<]*（<span class="count[^"]*">(\d+)</span>', page))
    assert int(counts["all"]) == len(entries)
    assert int(counts["ack"]) == sum(e.awaiting_acknowledgement for e in entries)


# --- the city leader's 批示 ------------------------------------------------------------------------


def test_only_a_city_leader_may_instruct(leader, clerk, county_liaison, city_leader):
    # given a problem at the 市政府 level
    project = Project.objects.filter(unit=county_liaison.staff_profile.unit).first()
    problem = _city_problem(project, leader)
    # when / then
    for user in (leader, clerk, county_liaison):
        with pytest.raises(PermissionDenied):
            services.problem_instruct(problem_id=problem.pk, acting_user=user, text="请抓紧解决")
    instruction = services.problem_instruct(problem_id=problem.pk, acting_user=city_leader, text="请市水利局牵头协调")
    assert instruction.instructed_by == city_leader and instruction.text == "请市水利局牵头协调"


def test_city_leader_may_not_instruct_on_a_problem_below_or_above_the_city(leader, city_leader):
    # given a problem still with the office, and one lifted to the province
    project = Project.objects.order_by("map_number").first()
    office = services.problem_raise(project_id=project.pk, acting_user=leader, description="资金缺口",
                                    category="funds")
    province = _city_problem(project, leader)
    services.problem_escalate(problem_id=province.pk, acting_user=leader, reason="市级协调未果")
    # when / then
    for problem in (office, province):
        with pytest.raises(PermissionDenied):
            services.problem_instruct(problem_id=problem.pk, acting_user=city_leader, text="请抓紧")
    assert not ProblemInstruction.objects.exists()


def test_instruction_reaches_the_unit_the_office_and_the_next_weekly_report(
        client, leader, city_leader, county_liaison):
    # given
    project = Project.objects.filter(unit=county_liaison.staff_profile.unit).order_by("map_number").first()
    problem = _city_problem(project, leader)
    client.force_login(city_leader)
    waiting = work_queues(user=city_leader).by_key["instruct"].count
    # when the city leader writes a 批示 from the escalated problems' page
    response = client.post(f"/problems/{problem.pk}/instruct/", {"text": "请市自然资源局一周内协调解决",
                                                               "next": "/problems/escalated/"})
    # then the unit and the office read it on the project page, and the week's report quotes it
    assert response.status_code == 302
    for user in (county_liaison, leader):
        client.force_login(user)
        assert "请市自然资源局一周内协调解决" in client.get(f"/projects/{project.pk}/").content.decode()
    week = monday_of(timezone.localdate())
    report = compose_weekly_report(week_start=week)
    assert any("请市自然资源局一周内协调解决" in block.get("text", "") for block in report["blocks"])
    assert work_queues(user=city_leader).by_key["instruct"].count == waiting - 1


def test_city_leader_sees_awaiting_instruction_and_the_form(client, leader, city_leader):
    # given
    project = Project.objects.order_by("map_number").first()
    problem = _city_problem(project, leader)
    client.force_login(city_leader)
    # when
    cards = _cards(client.get("/city/").content.decode())
    listed = client.get("/problems/escalated/?awaiting=instruction").content.decode()
    # then
    assert cards["instruct"] == Problem.objects.filter(level=EscalationLevel.CITY, status="open",
                                                       instructions__isnull=True).count() >= 1
    assert f'action="/problems/{problem.pk}/instruct/"' in listed


# --- Chinese on every screen ----------------------------------------------------------------------


def test_project_page_history_in_chinese_with_field_changes(client, leader, city_leader):
    # given an edit and an escalation
    project = Project.objects.order_by("map_number").first()
    old_name = project.name
    services.project_update(project_id=project.pk, acting_user=leader, expected_version=project.version,
                            changes={"name": old_name + "（二期）"})
    _city_problem(project, leader)
    client.force_login(city_leader)
    # when
    page = client.get(f"/projects/{project.pk}/").content.decode()
    history = page[page.index("操作记录"):]
    # then
    assert f"项目名称：{old_name} → {old_name}（二期）" in history
    assert "专班 → 市政府" in history
    assert "office" not in history and "→ city" not in history
    assert "版本" not in page  # the version counter is for the office's editors


def test_audit_log_names_the_letter_and_its_states_in_chinese(client, leader, clerk):
    # given
    notice = _letter(kind=NoticeKind.SUPERVISION, unit_code="houma", clerk=clerk, leader=leader)
    client.force_login(leader)
    # when
    page = client.get("/audit/?action=notice").content.decode()
    # then
    assert notice.number in page and notice.title in page
    assert "已签发" in page
    assert "pending_signoff" not in page and "→ issued" not in page


def test_project_page_names_rules_not_codes(client, county_liaison):
    # given
    from dispatch.models import Rule

    # then every rule reads by its name
    assert all(not re.match(r"R\d", label) for label in Rule.labels)
