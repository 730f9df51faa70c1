"""The three jobs through the services, on the demo ledger, with frozen time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from core.actors import SYSTEM
from dispatch import jobs, services
from dispatch.models import Job, JobRun, JobRunStatus, Rule, RuleFiring, SiteVisitTask
from dispatch.selectors import unit_month_activity
from notices.models import Notice, NoticeKind, NoticeState
from tests.dispatch.helpers import frozen
from tracker.choices import ACTIVE_STATES, AuditAction, Role
from tracker.models import AdministrativeUnit, AuditEvent, WeeklyReport
from tracker.portfolio import project_states_as_of

D = dt.date
pytestmark = pytest.mark.django_db


def _drop_reports(unit: AdministrativeUnit, week: dt.date) -> list[int]:
    states = project_states_as_of(as_of=week + dt.timedelta(days=7))
    project_ids = [p.pk for p in unit.projects.all() if states.get(p.pk, "preparation") in ACTIVE_STATES]
    WeeklyReport.objects.filter(project_id__in=project_ids, week_start=week).delete()
    return project_ids


def test_weekly_job_urges_units_missing_reports_and_issues_the_weekly_report_once(demo_ledger):
    # given 侯马市's active projects did not report for the week of 2025-03-03
    unit = AdministrativeUnit.objects.get(name="侯马市")
    missing = _drop_reports(unit, D(2025, 3, 3))
    assert missing
    # when the weekly job runs on Monday 2025-03-10, twice
    with frozen(D(2025, 3, 10), 8, 30):
        first = jobs.job_run_for_date(job=Job.WEEKLY, on_date=D(2025, 3, 10), acting_user=SYSTEM)
        second = jobs.job_run_for_date(job=Job.WEEKLY, on_date=D(2025, 3, 10), acting_user=SYSTEM)
        again = services.weekly_dispatch_run(on_date=D(2025, 3, 10), acting_user=SYSTEM)
    # then one 催报 to 侯马市 (issued automatically, listing the projects) and one weekly report
    # to the city government; the second run and a direct rerun issue nothing
    rules_fired = sorted((f.rule, f.subject) for f in first.firings)
    assert rules_fired == [(Rule.URGE_REPORT, f"unit:{unit.pk}"), (Rule.WEEKLY_REPORT, "city")]
    assert second.already_done and second.firings == [] and again == []
    urge = Notice.objects.get(kind=NoticeKind.URGE_REPORT)
    assert urge.number and urge.state in (NoticeState.ISSUED, NoticeState.DELIVERED)
    assert list(urge.recipient_units.all()) == [unit]
    assert sorted(item["project_id"] for item in urge.context["items"]) == sorted(missing)
    report = Notice.objects.get(kind=NoticeKind.WEEKLY_REPORT)
    assert report.to_city_government and report.period_start == D(2025, 3, 3)
    assert Notice.objects.count() == 2
    assert JobRun.objects.get(job=Job.WEEKLY, run_date=D(2025, 3, 10)).status == JobRunStatus.DONE


def test_job_left_half_done_by_a_killed_worker_completes_without_duplicates(demo_ledger):
    # given a weekly run that fired one unit's 催报 and then died (JobRun left running)
    for name in ("侯马市", "尧都区"):
        _drop_reports(AdministrativeUnit.objects.get(name=name), D(2025, 3, 3))
    JobRun.objects.create(job=Job.WEEKLY, run_date=D(2025, 3, 10), status=JobRunStatus.RUNNING, attempts=1)
    with frozen(D(2025, 3, 10), 8, 30):
        all_findings = services.weekly_dispatch_run(on_date=D(2025, 3, 10), acting_user=SYSTEM)
        first_ids = {f.pk for f in all_findings}
        RuleFiring.objects.exclude(pk=all_findings[0].pk).delete()
        Notice.objects.exclude(pk=all_findings[0].notice_id).filter(state=NoticeState.DRAFT).delete()
        # (issued notices cannot be deleted: keep the rest by re-checking counts below)
        surviving_notices = set(Notice.objects.values_list("pk", flat=True))
        # when the task is delivered again
        outcome = jobs.job_run_for_date(job=Job.WEEKLY, on_date=D(2025, 3, 10), acting_user=SYSTEM)
    # then what was missing is fired, the surviving firing is not repeated, and each firing has
    # exactly one notice (natural key = source_key)
    assert len(first_ids) == 3
    assert all_findings[0].pk not in {f.pk for f in outcome.firings}
    assert RuleFiring.objects.count() == 3
    keys = list(Notice.objects.values_list("source_key", flat=True))
    assert len(keys) == len(set(keys))
    assert surviving_notices <= set(Notice.objects.values_list("pk", flat=True))
    run = JobRun.objects.get(job=Job.WEEKLY, run_date=D(2025, 3, 10))
    assert run.status == JobRunStatus.DONE and run.attempts == 2


def test_daily_scan_supervision_letters_carry_facts_and_working_day_deadlines(demo_ledger):
    # given the demo on Friday 2025-09-26, before the 调休 Sunday 09-28 and National Day
    with frozen(D(2025, 9, 26)):
        # when the daily scan runs
        fired = services.daily_scan_run(on_date=D(2025, 9, 26), acting_user=SYSTEM)
    # then every 督办函 asks for acknowledgement by Sunday 09-28 (a working day) and an answer
    # 10 working days later, skipping National Day: 2025-10-16
    supervisions = [f for f in fired if f.rule == Rule.R3_SUPERVISION]
    assert supervisions
    for firing in supervisions:
        assert firing.ack_due_on == D(2025, 9, 28)
        assert firing.answer_due_on == D(2025, 10, 16)
        notice = Notice.objects.get(pk=firing.notice_id)
        assert notice.kind == NoticeKind.SUPERVISION and notice.state == NoticeState.PENDING_SIGNOFF
        assert list(notice.recipient_units.values_list("pk", flat=True)) == [firing.unit_id]
        # one letter per county that day, naming each of its projects the rule holds for
        assert firing.project_id in [item["project_id"] for item in notice.context["items"]]
        assert notice.context["deadline_workdays"] == {"acknowledge": 1, "answer": 10}
        assert firing.project.name in "".join(block["text"] for block in notice.context["blocks"])


def test_daily_scan_site_visits_have_an_owner_and_a_date_three_working_days_on(demo_ledger):
    with frozen(D(2025, 9, 26)):
        fired = services.daily_scan_run(on_date=D(2025, 9, 26), acting_user=SYSTEM)
    visits = [f for f in fired if f.rule == Rule.R4_SITE_VISIT]
    assert visits
    for firing in visits:
        task = SiteVisitTask.objects.get(firing=firing)
        assert task.project_id == firing.project_id
        assert task.owner is not None and task.owner.staff_profile.role == Role.CLERK
        # 09-28 (调休 Sunday), 09-29, 09-30
        assert task.visit_on == D(2025, 9, 30)
        assert firing.notice_id is None


def _flatten_august(unit: AdministrativeUnit) -> None:
    """Make every August 2025 report of the unit repeat its last July figure."""
    for project in unit.projects.all():
        july = (
            WeeklyReport.objects.filter(project=project, week_start__lte=D(2025, 7, 31))
            .order_by("-week_start")
            .first()
        )
        if july is not None:
            WeeklyReport.objects.filter(
                project=project, week_start__gte=D(2025, 8, 1), week_start__lte=D(2025, 8, 31)
            ).update(progress_percent=july.progress_percent)


def test_summons_for_a_unit_without_visible_progress_for_the_whole_previous_month(demo_ledger):
    # given 尧都区 (no state change in August) reported no progress all August, and 侯马市 the
    # same except one project that rose exactly 1 point
    yaodu = AdministrativeUnit.objects.get(name="尧都区")
    houma = AdministrativeUnit.objects.get(name="侯马市")
    _flatten_august(yaodu)
    _flatten_august(houma)
    moved = houma.projects.filter(weekly_reports__week_start=D(2025, 8, 25)).first()
    report = WeeklyReport.objects.get(project=moved, week_start=D(2025, 8, 25))
    WeeklyReport.objects.filter(pk=report.pk).update(progress_percent=report.progress_percent + Decimal("1"))
    activity = {row.unit_id: row for row in unit_month_activity(month=D(2025, 8, 1))}
    assert activity[houma.pk].best_advance == Decimal("1") and activity[houma.pk].transitions == 0
    assert activity[yaodu.pk].best_advance == 0 and activity[yaodu.pk].active_projects > 0
    # when the first daily scan of September runs
    with frozen(D(2025, 9, 1)):
        fired = services.daily_scan_run(on_date=D(2025, 9, 1), acting_user=SYSTEM)
    # then 尧都区 is summoned for 2025-08 and 侯马市 is not
    summoned = {f.subject: f for f in fired if f.rule == Rule.R5_SUMMONS}
    assert f"unit:{yaodu.pk}" in summoned
    assert summoned[f"unit:{yaodu.pk}"].period == "2025-08"
    assert f"unit:{houma.pk}" not in summoned
    notice = Notice.objects.get(pk=summoned[f"unit:{yaodu.pk}"].notice_id)
    assert notice.kind == NoticeKind.SUMMONS
    assert "2025年8月整月无明显进展" in "".join(block["text"] for block in notice.context["blocks"])


def test_listed_supervision_only_on_the_quarters_last_working_day(demo_ledger):
    # given 隰县 was summoned in the quarter
    unit = AdministrativeUnit.objects.get(name="隰县")
    RuleFiring.objects.create(
        rule=Rule.R5_SUMMONS,
        subject=f"unit:{unit.pk}",
        period="2025-07",
        fired_on=D(2025, 8, 1),
        facts="隰县2025年7月整月无明显进展",
        unit=unit,
    )
    # when the daily scan runs on 09-29 and then on 09-30 (the quarter's last working day)
    with frozen(D(2025, 9, 29)):
        before_end = services.daily_scan_run(on_date=D(2025, 9, 29), acting_user=SYSTEM)
    with frozen(D(2025, 9, 30)):
        at_end = services.daily_scan_run(on_date=D(2025, 9, 30), acting_user=SYSTEM)
    # then 挂牌督办 fires only at the quarter's end, keyed by the quarter
    assert not [f for f in before_end if f.rule == Rule.R6_LISTED]
    listed = {f.subject: f for f in at_end if f.rule == Rule.R6_LISTED}
    assert listed[f"unit:{unit.pk}"].period == "2025-Q3"
    summonses = RuleFiring.objects.filter(
        rule=Rule.R5_SUMMONS, unit=unit, fired_on__gte=D(2025, 7, 1)
    ).count()
    assert f"本季度被约谈{summonses}次" in listed[f"unit:{unit.pk}"].facts
    assert Notice.objects.get(pk=listed[f"unit:{unit.pk}"].notice_id).kind == NoticeKind.LISTED_SUPERVISION


def test_monthly_job_issues_circular_warnings_and_reminders_once(demo_ledger):
    # given / when the monthly job of September 2025 runs twice
    with frozen(D(2025, 9, 1), 8, 30):
        first = jobs.job_run_for_date(job=Job.MONTHLY, on_date=D(2025, 9, 1), acting_user=SYSTEM)
        again = services.monthly_dispatch_run(on_date=D(2025, 9, 1), acting_user=SYSTEM)
    # then one circular on August, and letters per unit or department; nothing the second time
    by_rule = {}
    for firing in first.firings:
        by_rule.setdefault(firing.rule, []).append(firing)
    assert [f.period for f in by_rule[Rule.MONTHLY_CIRCULAR]] == ["2025-08"]
    assert by_rule[Rule.R1_WARNING] and by_rule[Rule.R2_REMINDER]
    assert again == []
    circular = Notice.objects.get(kind=NoticeKind.MONTHLY_CIRCULAR)
    assert circular.period_start == D(2025, 8, 1) and circular.to_city_government
    assert Notice.objects.filter(kind=NoticeKind.WARNING).count() == len(by_rule[Rule.R1_WARNING])
    for firing in by_rule[Rule.R1_WARNING]:
        assert Notice.objects.get(pk=firing.notice_id).context["items"]


def test_run_cycle_prints_what_it_issued_and_nothing_new_the_second_time(demo_ledger, capsys):
    # given / when run_cycle covers the Spring Festival fortnight, twice
    with frozen(D(2025, 2, 10)):
        call_command("run_cycle", "--date", "2025-01-27", "--until", "2025-02-09")
        first = capsys.readouterr().out
        call_command("run_cycle", "--date", "2025-01-27", "--until", "2025-02-09")
        second = capsys.readouterr().out
    # then the weekly reports of the weeks of 01-20 and 01-27 and January's circular appear once
    assert "周调度报告 city week:2025-01-20" in first
    assert "周调度报告 city week:2025-01-27" in first
    assert "月度通报 city 2025-01" in first
    assert "新增0条调度记录" in second
    runs = JobRun.objects.filter(run_date__range=(D(2025, 1, 27), D(2025, 2, 9)))
    assert sorted((r.job, r.run_date) for r in runs) == sorted(
        jobs.jobs_due_between(start=D(2025, 1, 27), end=D(2025, 2, 9))
    )
    assert not runs.filter(run_date__range=(D(2025, 1, 28), D(2025, 2, 4))).exists()


def test_escalations_are_audited_events(demo_ledger):
    with frozen(D(2025, 9, 29)):
        fired = services.daily_scan_run(on_date=D(2025, 9, 29), acting_user=SYSTEM)
    escalations = [f for f in fired if f.rule == Rule.R7_ESCALATION and f.subject.startswith("problem:")]
    assert escalations
    for firing in escalations:
        problem_id = firing.subject.split(":")[1]
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.PROBLEM_ESCALATE,
                object_id=problem_id,
                to_state=firing.period,
                effective_on=D(2025, 9, 29),
            ).count()
            == 1
        )


def test_beat_slot_runs_todays_jobs_and_catches_up_the_missed_week_in_process(
    demo_ledger, django_capture_on_commit_callbacks
):
    # given beat was down from Wednesday 2025-03-05 until the 08:30 knock of Wednesday 03-12
    # (with no broker configured, tasks run in-process)
    from dispatch.tasks import run_due_jobs

    with frozen(D(2025, 3, 12), 8, 30):
        # when the 08:30 slot runs (its jobs are enqueued on commit)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            enqueued = run_due_jobs("08:30")
    assert len(callbacks) >= len(enqueued)
    # then every job due since 03-05 ran once, except today's 07:00 daily scan (its own slot)
    expected = [
        (job, day.isoformat())
        for job, day in jobs.jobs_due_between(start=D(2025, 3, 5), end=D(2025, 3, 12))
        if not (job == Job.DAILY and day == D(2025, 3, 12))
    ]
    assert enqueued == expected
    assert (Job.WEEKLY, "2025-03-10") in enqueued
    done = set(JobRun.objects.filter(status=JobRunStatus.DONE).values_list("job", "run_date"))
    assert done == {(job, dt.date.fromisoformat(day)) for job, day in expected}


def test_site_visit_outcome_recorded_by_the_office_closes_the_task_audited(
    demo_ledger, clerk, county_liaison
):
    from django.core.exceptions import PermissionDenied, ValidationError

    from dispatch.models import SiteVisitStatus

    # given a site-visit task from the daily scan
    with frozen(D(2025, 9, 26)):
        services.daily_scan_run(on_date=D(2025, 9, 26), acting_user=SYSTEM)
    task = SiteVisitTask.objects.first()
    # when a county liaison or an empty outcome tries, nothing changes
    with pytest.raises(PermissionDenied):
        services.site_visit_record(task_id=task.pk, acting_user=county_liaison, outcome="已到场")
    with pytest.raises(ValidationError):
        services.site_visit_record(task_id=task.pk, acting_user=clerk, outcome="  ")
    # and when the clerk records what was found
    services.site_visit_record(
        task_id=task.pk, acting_user=clerk, outcome="现场人员不足，已要求增加两个作业面"
    )
    # then the task is done and the audit log says who and what
    task.refresh_from_db()
    assert task.status == SiteVisitStatus.DONE
    event = AuditEvent.objects.get(object_type="site_visit", object_id=str(task.pk))
    assert event.actor == clerk and "作业面" in event.reason
