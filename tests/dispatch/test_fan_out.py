"""The calendar's notices are dated the job's date, fan out one task per notice when a broker is
configured — letters and the monthly circular through the one issuing path — and the demo's
simulated history (demo_history) is rerunnable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from celery import current_app
from celery.schedules import crontab
from django.core.management import call_command
from django.utils import timezone

from config.celery_app import app
from core.actors import SYSTEM
from dispatch import jobs, services
from dispatch.models import Job, Rule, RuleFiring
from notices import tasks as notice_tasks
from notices.models import Notice, NoticeAnswer, NoticeKind, NoticeState
from offices.selectors import document_kind_setting

D = dt.date
pytestmark = pytest.mark.django_db
WALL_CLOCK = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_run_cycle_dates_its_notices_by_the_simulated_day(demo_ledger):
    # given a wall clock in November 2026
    with time_machine.travel(WALL_CLOCK, tick=False):
        # when run_cycle runs Monday 2025-03-10 (daily scan + weekly job)
        call_command("run_cycle", date="2025-03-10", stdout=io.StringIO())
    # then the weekly report (issued automatically) is dated that Monday in every respect
    report = Notice.objects.get(kind=NoticeKind.WEEKLY_REPORT)
    assert report.issued_on == D(2025, 3, 10)
    assert timezone.localtime(report.issued_at).date() == D(2025, 3, 10)
    assert report.number == "临一泓专办报〔2025〕1号"
    with report.pdf.open("rb") as handle:
        import pdfplumber

        text = "".join(page.extract_text() for page in pdfplumber.open(io.BytesIO(handle.read())).pages)
    assert "2025年3月10日" in text and "2026年" not in text


def test_supervision_letter_from_the_scan_is_due_in_1_and_10_working_days_from_its_signing(
    demo_ledger, leader
):
    from notices.services import notice_sign_and_issue

    # given the 2025-09-01 scan's 督办函, signed by the leader that day (wall clock: 2026)
    with time_machine.travel(WALL_CLOCK, tick=False):
        fired = services.daily_scan_run(on_date=D(2025, 9, 1), acting_user=SYSTEM)
        letter = next(f for f in fired if f.rule == Rule.R3_SUPERVISION)
        notice = notice_sign_and_issue(
            notice_id=letter.notice_id, acting_user=leader, issued_on=D(2025, 9, 1)
        )
    # then acknowledgement is due the next working day and the answer 10 working days on,
    # as the firing and the letter's text say
    assert (notice.acknowledge_deadline, notice.answer_deadline) == (D(2025, 9, 2), D(2025, 9, 15))
    assert (letter.ack_due_on, letter.answer_due_on) == (D(2025, 9, 2), D(2025, 9, 15))
    demand = "".join(block["text"] for block in notice.context["blocks"])
    assert "请于2025年9月2日前在一泓系统签收本函，并于2025年9月15日前将整改情况书面反馈专班办" in demand


@pytest.fixture
def broker_configured(monkeypatch):
    """Tasks no longer run in-process; what would be sent to the broker is recorded instead."""
    sent: list[tuple[str, tuple]] = []
    from outreach.tasks import planning as outreach_tasks

    monkeypatch.setattr(notice_tasks.advance_notice, "delay", lambda *args: sent.append(("advance", args)))
    monkeypatch.setattr(outreach_tasks.announce_notice, "delay", lambda *args: None)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield sent
    finally:
        app.conf.task_always_eager = eager


def every_kind_issues_automatically() -> None:
    """As in the load benchmark: no leader's sign-off, so the job's letters are issued by workers."""
    for kind in NoticeKind.values:
        setting = document_kind_setting(kind)
        setting.auto_issue = True
        setting.save()


def test_monthly_job_fans_out_one_task_per_document_the_circular_included(
    demo_ledger, broker_configured, django_capture_on_commit_callbacks
):
    # given every kind issues automatically (as in the load benchmark) and a broker is configured
    every_kind_issues_automatically()
    # when the monthly job runs for 2025-03-03 (first working day of March)
    with time_machine.travel(WALL_CLOCK, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = jobs.job_run_for_date(job=Job.MONTHLY, on_date=D(2025, 3, 3), acting_user=SYSTEM)
    sent = broker_configured
    letters = [f for f in outcome.firings if f.rule != Rule.MONTHLY_CIRCULAR]
    circular = next(f for f in outcome.firings if f.rule == Rule.MONTHLY_CIRCULAR)
    # then the job itself issued nothing: it drafted every document, the circular included, and
    # sent one task of the one issuing path (notices.advance_notice) per document
    assert letters and circular.notice_id is not None
    assert Notice.objects.exclude(state=NoticeState.DRAFT).count() == 0
    assert {name for name, _ in sent} == {"advance"}
    assert sorted(args[0] for _, args in sent) == sorted(f.notice_id for f in outcome.firings)
    assert all(args[1] == "2025-03-03" for _, args in sent)
    # and when a worker runs each task — twice, as after a redelivery —
    with time_machine.travel(WALL_CLOCK, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(2):
                for _, args in list(sent):
                    notice_tasks.advance_notice(*args)
    # then each notice is issued once, dated the job's date, each by the same steps (its number
    # reserved before its PDF was rendered)
    issued = Notice.objects.exclude(number=None)
    assert issued.count() == len(letters) + 1 == Notice.objects.count()
    assert set(issued.values_list("issued_on", flat=True)) == {D(2025, 3, 3)}
    assert Notice.objects.get(pk=circular.notice_id).kind == NoticeKind.MONTHLY_CIRCULAR
    from tracker.models import AuditEvent

    reserved = {event.data["notice_id"] for event in AuditEvent.objects.filter(object_type="notice")
                if event.data.get("transition") == "reserve_number"}
    assert set(issued.values_list("pk", flat=True)) <= reserved


def test_circular_and_letters_go_through_the_same_issuing_path_without_a_broker(
    demo_ledger, django_capture_on_commit_callbacks, monkeypatch
):
    from notices.services import issuing

    # given the embedded default (no broker: tasks in-process), every path into issuing watched
    every_kind_issues_automatically()
    calls = []
    stepwise = issuing.notice_advance_in_steps
    monkeypatch.setattr(issuing, "notice_advance_in_steps",
                        lambda **kwargs: calls.append(kwargs["notice_id"]) or stepwise(**kwargs))
    # when the monthly job runs
    with time_machine.travel(WALL_CLOCK, tick=False), django_capture_on_commit_callbacks(execute=True):
        outcome = jobs.job_run_for_date(job=Job.MONTHLY, on_date=D(2025, 3, 3), acting_user=SYSTEM)
    # then the circular and every letter were issued by the one worker path, in-process
    circular = next(f for f in outcome.firings if f.rule == Rule.MONTHLY_CIRCULAR)
    assert sorted(calls) == sorted(f.notice_id for f in outcome.firings)
    assert Notice.objects.get(pk=circular.notice_id).number


def test_a_resumed_job_sends_again_the_drafts_a_lost_task_left(
    demo_ledger, broker_configured, django_capture_on_commit_callbacks
):
    # given a monthly run left half-done: its firings and drafts committed, the tasks never sent
    with time_machine.travel(WALL_CLOCK, tick=False):
        jobs.job_run_for_date(job=Job.MONTHLY, on_date=D(2025, 3, 3), acting_user=SYSTEM)
    from dispatch.models import JobRun, JobRunStatus

    JobRun.objects.filter(job=Job.MONTHLY).update(status=JobRunStatus.RUNNING)
    broker_configured.clear()
    assert broker_configured == []
    # when the job is run again (the broker redelivers it)
    with time_machine.travel(WALL_CLOCK, tick=False), django_capture_on_commit_callbacks(execute=True):
        outcome = jobs.job_run_for_date(job=Job.MONTHLY, on_date=D(2025, 3, 3), acting_user=SYSTEM)
    # then it fires nothing new but sends every draft again, the circular's included
    assert outcome.firings == []
    drafts = set(Notice.objects.filter(state=NoticeState.DRAFT).values_list("pk", flat=True))
    assert drafts and {args[0] for name, args in broker_configured if name == "advance"} == drafts
    assert Notice.objects.filter(pk__in=drafts, kind=NoticeKind.MONTHLY_CIRCULAR).count() == 1


def test_sweeps_are_scheduled_every_five_minutes_and_catch_up_ignores_them(db):
    from dispatch.catch_up import missed_jobs

    # given the beat schedule declared once in dispatch/schedule.py
    schedule = current_app.conf.beat_schedule
    # then every entry names a registered task
    assert all(entry["task"] in app.tasks for entry in schedule.values())
    # and the messages' retry sweep runs every 5 minutes — the one retry model (no second one
    # for the letters' e-mail)
    assert schedule["outreach-retry-due-messages"]["schedule"] == crontab(minute="1-59/5")
    assert not [name for name, entry in schedule.items()
                if entry["task"] in ("notices.retry_failed_deliveries", "dispatch.finish_stalled_circulars")]
    # and so is the sweep that finishes fanned-out drafts (letters and circulars) whose task was lost
    entry = schedule["notices-finish-stalled-drafts"]
    assert entry["task"] == "notices.finish_stalled_drafts"
    assert entry["schedule"] == crontab(minute="2-59/5")
    # and beat's catch-up after an outage replays calendar jobs only
    missed = missed_jobs(now=dt.datetime(2025, 3, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert missed and {job for job, _ in missed} <= set(Job.values)


def test_demo_history_answers_some_letters_escalates_others_and_reruns_to_nothing(demo_ledger):
    # given the demo ledger; when the calendar runs 2025-01-02..01-20 with the demo's people
    def run() -> str:
        out = io.StringIO()
        with time_machine.travel(WALL_CLOCK, tick=False):
            call_command("demo_history", date="2025-01-02", until="2025-01-20", quiet=True,
                         stdout=out)
        return out.getvalue()

    run()
    counts = (Notice.objects.count(), NoticeAnswer.objects.count(), RuleFiring.objects.count())
    numbers = set(Notice.objects.values_list("number", flat=True))
    # then letters were signed (dated in 2025), some answered and closed, others left overdue
    # and escalated to 市政府 by the scan
    assert not Notice.objects.filter(state=NoticeState.PENDING_SIGNOFF).exists()
    assert {d.year for d in Notice.objects.values_list("issued_on", flat=True)} == {2025}
    assert Notice.objects.filter(state=NoticeState.CLOSED, kind=NoticeKind.SUPERVISION).exists()
    assert NoticeAnswer.objects.exists()
    assert RuleFiring.objects.filter(rule=Rule.R7_ESCALATION, subject__startswith="firing:").exists()
    # and a second run over the same dates issues, answers and escalates nothing
    second = run()
    assert (Notice.objects.count(), NoticeAnswer.objects.count(), RuleFiring.objects.count()) == counts
    assert set(Notice.objects.values_list("number", flat=True)) == numbers
    assert "新增0条调度记录" in second and "签发0份，签收0次，反馈0次，办结0份" in second


def test_documents_whose_fan_out_messages_were_lost_are_sent_again_by_the_sweep(
    demo_ledger, broker_configured, django_capture_on_commit_callbacks
):
    from notices.tasks import finish_stalled_drafts

    # given the monthly job drafted its letters and sent one task per letter — all lost
    # (Redis restarted without its data before any worker took them)
    every_kind_issues_automatically()
    with time_machine.travel(WALL_CLOCK, tick=False), django_capture_on_commit_callbacks(execute=True):
        jobs.job_run_for_date(job=Job.MONTHLY, on_date=D(2025, 3, 3), acting_user=SYSTEM)
    lost = {args for name, args in broker_configured if name == "advance"}
    assert Notice.objects.filter(pk__in=[notice_id for notice_id, _ in lost],
                                 kind=NoticeKind.MONTHLY_CIRCULAR).exists()
    broker_configured.clear()
    # when the 5-minute sweep runs at once, the tasks may still be queued: it sends nothing
    with time_machine.travel(WALL_CLOCK, tick=False):
        assert finish_stalled_drafts() == 0
    # when it runs 20 minutes later, it sends every one of them again, for the job's date
    with time_machine.travel(WALL_CLOCK + dt.timedelta(minutes=20), tick=False):
        assert finish_stalled_drafts() == len(lost)
    assert {args for name, args in broker_configured if name == "advance"} == {
        (notice_id, "2025-03-03") for notice_id, _ in lost}
