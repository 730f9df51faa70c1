"""Nothing missed while beat was down (dispatch/catch_up.py).

Beat stops after the jobs of Friday 2025-09-26 and comes back on Thursday 2025-10-09, across the
调休 Sunday 09-28 (a working day), Monday 09-29, the National Day holiday (10-01 … 10-08, so the
week's Monday job moves to 10-09) and October's first working day (10-09). Each missed job must
run once, for its own date, in date order, and a second start-up or the daily catch-up must run
nothing again.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.signals import beat_init

from core.actors import SYSTEM
from dispatch.catch_up import catch_up_missed_jobs, missed_jobs
from dispatch.jobs import job_run_for_date
from dispatch.models import Job, JobRun, JobRunStatus, Rule, RuleFiring

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_RUN_BEFORE_OUTAGE = dt.date(2025, 9, 26)
MISSED = [
    (Job.DAILY, dt.date(2025, 9, 28)),  # 调休: Sunday worked
    (Job.DAILY, dt.date(2025, 9, 29)),
    (Job.WEEKLY, dt.date(2025, 9, 29)),  # a Monday
    (Job.DAILY, dt.date(2025, 9, 30)),
    (Job.DAILY, dt.date(2025, 10, 9)),
    (Job.WEEKLY, dt.date(2025, 10, 9)),  # Monday 10-06 is a holiday: the next working day
    (Job.MONTHLY, dt.date(2025, 10, 9)),  # October's first working day
]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def beat_stopped_after_friday(demo_ledger):
    """Every job due on Friday 2025-09-26 ran (the daily scan); then beat stopped."""
    with time_machine.travel(at(LAST_RUN_BEFORE_OUTAGE, 7), tick=False):
        job_run_for_date(job=Job.DAILY, on_date=LAST_RUN_BEFORE_OUTAGE, acting_user=SYSTEM)
    return LAST_RUN_BEFORE_OUTAGE


def job_runs() -> list[tuple[str, dt.date, str, int]]:
    return list(
        JobRun.objects.order_by("run_date", "id").values_list("job", "run_date", "status", "attempts")
    )


def test_restarted_beat_runs_each_missed_job_once_for_its_own_date(beat_stopped_after_friday):
    # given: beat was down from Friday 09-26 evening to Thursday 10-09 morning

    # when: beat starts again at 09:00 on 10-09 (after both of the day's slots)
    with time_machine.travel(at(dt.date(2025, 10, 9), 9), tick=False):
        beat_init.send(sender=None)

    # then: the Friday run, and each missed run once, in date order, done at the first attempt
    runs = job_runs()
    assert [(job, day) for job, day, _, _ in runs] == [(Job.DAILY, LAST_RUN_BEFORE_OUTAGE), *MISSED]
    assert all(status == JobRunStatus.DONE and attempts == 1 for _, _, status, attempts in runs)
    circulars = RuleFiring.objects.filter(rule=Rule.MONTHLY_CIRCULAR).values_list("fired_on", "period")
    assert list(circulars) == [(dt.date(2025, 10, 9), "2025-09")]  # September's circular, on 10-09
    weekly = RuleFiring.objects.filter(rule=Rule.WEEKLY_REPORT).order_by("fired_on")
    assert [firing.fired_on for firing in weekly] == [dt.date(2025, 9, 29), dt.date(2025, 10, 9)]
    assert len({firing.period for firing in weekly}) == 2


def test_a_second_start_and_the_daily_catch_up_run_nothing_again(beat_stopped_after_friday):
    # given: the restart of 10-09 caught up
    with time_machine.travel(at(dt.date(2025, 10, 9), 9), tick=False):
        beat_init.send(sender=None)
    runs_after_restart = job_runs()
    firings_after_restart = RuleFiring.objects.count()

    # when: beat restarts again an hour later, and the daily catch-up fires at 09:15
    with time_machine.travel(at(dt.date(2025, 10, 9), 10), tick=False):
        beat_init.send(sender=None)
        sent = catch_up_missed_jobs.apply().get()

    # then
    assert sent == []
    assert job_runs() == runs_after_restart
    assert RuleFiring.objects.count() == firings_after_restart


def test_a_start_before_the_morning_slots_leaves_todays_jobs_to_beat(beat_stopped_after_friday):
    # given / when: beat is back at 07:30 on 10-09: the 07:00 daily scan is late, 08:30 is not yet
    with time_machine.travel(at(dt.date(2025, 10, 9), 7, 30), tick=False):
        pending = missed_jobs(now=dt.datetime.now(tz=SHANGHAI))

    # then
    assert pending == MISSED[:5]


def test_a_run_left_failed_is_run_again_by_the_catch_up(beat_stopped_after_friday):
    # given: beat sent the daily scan of 09-29 before it went down, and the worker died in it
    JobRun.objects.create(job=Job.DAILY, run_date=dt.date(2025, 9, 29), status=JobRunStatus.FAILED,
                          attempts=1)

    # when: beat restarts on 10-09 after the slots
    with time_machine.travel(at(dt.date(2025, 10, 9), 9), tick=False):
        beat_init.send(sender=None)

    # then: the failed run is done now (second attempt), every other missed run once
    runs = {(job, day): (status, attempts) for job, day, status, attempts in job_runs()}
    assert runs[(Job.DAILY, dt.date(2025, 9, 29))] == (JobRunStatus.DONE, 2)
    assert all(runs[key] == (JobRunStatus.DONE, 1)
               for key in MISSED if key != (Job.DAILY, dt.date(2025, 9, 29)))


def test_a_very_long_outage_is_cut_to_a_quarter(demo_ledger, caplog):
    # given: the last recorded run is a year old
    JobRun.objects.create(job=Job.DAILY, run_date=dt.date(2024, 10, 8), status=JobRunStatus.DONE, attempts=1)

    # when
    with time_machine.travel(at(dt.date(2025, 10, 9), 9), tick=False):
        pending = missed_jobs(now=dt.datetime.now(tz=SHANGHAI))

    # then
    assert min(day for _, day in pending) >= dt.date(2025, 10, 9) - dt.timedelta(days=92)
    assert "run_cycle" in caplog.text
