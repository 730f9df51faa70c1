"""The weekly report's escalated section lists every problem standing above the office with its
level and the responsible city leader."""
import datetime as dt

import pytest

from core.actors import SYSTEM
from notices import composers
from tracker.choices import EscalationLevel, Role
from tracker.models import Domain, Problem, Project, StaffProfile
from tracker.services import problem_escalate, problem_raise

D = dt.date


def _escalated_problem(project: Project, *, on_date: dt.date, leader: str = "") -> Problem:
    problem = problem_raise(project_id=project.pk, acting_user=SYSTEM, description="用地手续迟迟未批",
                            category="land", raised_on=on_date - dt.timedelta(days=20))
    problem_escalate(problem_id=problem.pk, acting_user=SYSTEM, reason="专班协调无果", on_date=on_date,
                     responsible_leader=leader)
    return Problem.objects.get(pk=problem.pk)


def _section(context: dict) -> list[list]:
    table = next(b for b in context["blocks"] if b["kind"] == "table" and "已升级" in b.get("caption", ""))
    assert table["header"][-2:] == ["升级日期", "责任市领导"] and "协调层级" in table["header"]
    return table["rows"]


@pytest.mark.django_db
def test_escalated_section_lists_each_problem_with_level_and_city_leader(demo_ledger, city_leader):
    # given one problem escalated to 市政府 this week without a leader on record, one escalated
    # last week with its leader named, and a city leader in charge of the water domain
    Problem.objects.filter(level__in=[EscalationLevel.CITY, EscalationLevel.PROVINCE]).update(
        level=EscalationLevel.OFFICE)
    water = Domain.objects.get(code="water")
    water_leader = StaffProfile.objects.create(
        user=type(city_leader).objects.create(username="cityleader_water"), role=Role.CITY_LEADER,
        full_name="王副市长")
    water_leader.assigned_domains.set([water])
    in_water = Project.objects.filter(domain=water).order_by("pk").first()
    elsewhere = Project.objects.exclude(domain=water).order_by("pk").first()
    this_week = _escalated_problem(in_water, on_date=D(2025, 3, 12))
    named = _escalated_problem(elsewhere, on_date=D(2025, 3, 5), leader="张副市长")
    # when the report on the week of 2025-03-10 is composed
    context = composers.compose_weekly_report(week_start=D(2025, 3, 10))
    # then both appear, with level and leader: the water domain's leader for the first (derived),
    # the recorded one for the second
    rows = {row["problem_id"]: row for row in context["escalated"]}
    assert rows[this_week.pk]["leader"] == "王副市长" and rows[this_week.pk]["level_label"] == "市政府"
    assert rows[this_week.pk]["this_week"] and not rows[named.pk]["this_week"]
    assert rows[named.pk]["leader"] == "张副市长"
    printed = _section(context)
    assert [row[-1] for row in printed] == ["张副市长", "王副市长"]
    assert [row[4] for row in printed] == ["市政府", "市政府（本周）"]


@pytest.mark.django_db
def test_a_problem_resolved_before_the_week_is_not_in_the_section(demo_ledger):
    Problem.objects.filter(level__in=[EscalationLevel.CITY, EscalationLevel.PROVINCE]).update(
        level=EscalationLevel.OFFICE)
    problem = _escalated_problem(Project.objects.order_by("pk").first(), on_date=D(2025, 3, 3))
    Problem.objects.filter(pk=problem.pk).update(status="resolved", resolved_on=D(2025, 3, 7))
    context = composers.compose_weekly_report(week_start=D(2025, 3, 10))
    assert context["escalated"] == []
    assert any(b.get("text") == "目前无提请市政府或省专班协调的问题。" for b in context["blocks"])


@pytest.mark.django_db
def test_a_problem_escalated_by_the_scan_names_the_domain_leader(demo_ledger, city_leader):
    from dispatch import services
    from offices.keys import SettingGroup
    from offices.selectors import office_settings

    # given the demo's only city leader, in charge of every domain
    project = Project.objects.order_by("pk").first()
    problem = problem_raise(project_id=project.pk, acting_user=SYSTEM, description="资金分担不明确",
                            category="funds", raised_on=D(2025, 1, 20))
    # when the scan escalates it to 市政府
    thresholds = office_settings(group=SettingGroup.THRESHOLDS)
    services.escalations_run(on_date=D(2025, 2, 8), thresholds=thresholds, acting_user=SYSTEM)
    # then the problem names him as the responsible leader
    problem.refresh_from_db()
    assert problem.level == EscalationLevel.CITY
    assert problem.responsible_leader == city_leader.staff_profile.full_name


def test_the_report_states_the_reporting_rate_and_the_on_time_signing_rate(demo_ledger):
    # given: in the demo's last week, one 督办函 due to be signed for that week, signed by one of its
    # two recipients on time and by the other a day late
    from django.utils import timezone

    from notices.models import Delivery, Notice, NoticeKind
    from tracker.models import AdministrativeUnit, WeeklyReport

    week = dt.date(2025, 9, 22)
    notice = Notice.objects.create(kind=NoticeKind.SUPERVISION, title="关于测试的督办函",
                                   acknowledge_deadline=dt.date(2025, 9, 24))
    on_time, late = AdministrativeUnit.objects.order_by("display_order")[:2]
    for unit, signed in ((on_time, dt.datetime(2025, 9, 24, 17)), (late, dt.datetime(2025, 9, 25, 9))):
        Delivery.objects.create(notice=notice, recipient_key=f"unit:{unit.pk}", recipient_name=unit.name,
                                unit=unit, acknowledged_at=timezone.make_aware(signed))
    reported = WeeklyReport.objects.filter(week_start=week).count()
    # when
    text = "".join(block.get("text", "")
                   for block in composers.compose_weekly_report(week_start=week)["blocks"])
    # then
    assert f"已报送{reported}个" in text
    assert "报送率" in text
    assert "本周到期应签收公文2份次，按期签收1份次，签收及时率50%" in text


@pytest.mark.django_db
def test_a_report_a_clerk_issued_automatically_names_the_offices_leader_as_signer(leader, clerk):
    from notices.models import Notice, NoticeKind
    from notices.services import issuing

    # given a weekly report (上行文) whose automatic issue a clerk set off
    notice = Notice(kind=NoticeKind.WEEKLY_REPORT, signed_by=clerk)
    # when its 签发人 is named (GB/T 9704 §7.2.5)
    name = issuing.signer_name(notice)
    # then it is the office's leader, never the clerk; a leader who signed is named as such
    assert name == (leader.get_full_name() or leader.username)
    assert name != (clerk.get_full_name() or clerk.username)
    assert issuing.signer_name(Notice(kind=NoticeKind.WEEKLY_REPORT, signed_by=leader)) == name


@pytest.mark.django_db
def test_the_letter_page_names_the_same_signer_as_the_pdf_for_an_automatic_issue(leader, clerk, client):
    from dispatch import services as dispatch_services
    from notices.models import Notice, NoticeKind
    from notices.selectors.drafting import signature_status

    # given the weekly report (a kind that issues itself) issued by the calendar, and the same
    # report as if a clerk's step had issued it
    dispatch_services.weekly_dispatch_run(on_date=dt.date(2025, 9, 29), acting_user=clerk)
    notice = Notice.objects.get(kind=NoticeKind.WEEKLY_REPORT, period_start=dt.date(2025, 9, 22))
    assert notice.is_issued and notice.signed_by is None
    by_clerk = Notice.objects.get(pk=notice.pk)
    by_clerk.signed_by = clerk
    # when the letter's page states the signature
    statuses = [signature_status(notice), signature_status(by_clerk)]
    # then it names the leader the PDF prints as 签发人, marked as issued automatically
    leader_name = leader.get_full_name() or leader.username
    assert [(s["valid"], s["signer"]) for s in statuses] == [(True, f"{leader_name}（自动签发）")] * 2
    client.force_login(leader)
    assert f"签发人：{leader_name}（自动签发）" in client.get(f"/notices/{notice.pk}/").content.decode()
