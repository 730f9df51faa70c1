"""Which jobs are due when, on China's official calendar (holidays and 调休 make-up days)."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch.jobs import jobs_due_between, jobs_due_on
from dispatch.models import Job, JobRun, JobRunStatus
from dispatch.services import last_working_day_of_quarter

D = dt.date


def test_weekly_job_on_an_ordinary_monday_with_the_daily_scan():
    assert jobs_due_on(D(2025, 3, 10)) == [Job.DAILY, Job.WEEKLY]


def test_spring_festival_moves_weekly_job_to_wednesday_and_monthly_to_february_fifth():
    # given 2025-01-28..02-04 is the Spring Festival holiday; 02-03 is its Monday
    # when / then nothing runs in the holiday, and the week's and month's jobs wait for 02-05
    for day in range(28, 32):
        assert jobs_due_on(D(2025, 1, day)) == []
    assert jobs_due_on(D(2025, 2, 3)) == []
    assert jobs_due_on(D(2025, 2, 5)) == [Job.DAILY, Job.WEEKLY, Job.MONTHLY]


def test_make_up_working_weekends_get_the_daily_scan_only():
    # given 2025-01-26 (Sunday) and 2025-02-08 (Saturday) are 调休 working days
    assert jobs_due_on(D(2025, 1, 26)) == [Job.DAILY]
    assert jobs_due_on(D(2025, 2, 8)) == [Job.DAILY]
    # and an ordinary Sunday gets nothing
    assert jobs_due_on(D(2025, 2, 9)) == []


def test_national_day_moves_october_jobs_to_the_ninth():
    # given 2025-10-01..08 National Day; 2025-09-28 (Sunday) is a make-up working day
    assert jobs_due_on(D(2025, 9, 28)) == [Job.DAILY]
    assert jobs_due_on(D(2025, 10, 6)) == []
    assert jobs_due_on(D(2025, 10, 9)) == [Job.DAILY, Job.WEEKLY, Job.MONTHLY]
    assert jobs_due_on(D(2025, 10, 13)) == [Job.DAILY, Job.WEEKLY]


def test_quarter_ends_on_its_last_working_day():
    assert last_working_day_of_quarter(D(2025, 9, 1)) == D(2025, 9, 30)
    # 2024-12-31 is a Tuesday (working); 2023-12-31 a Sunday → Friday 12-29
    assert last_working_day_of_quarter(D(2023, 11, 1)) == D(2023, 12, 29)


def test_jobs_due_between_lists_each_job_once_per_due_date():
    due = jobs_due_between(start=D(2025, 1, 27), end=D(2025, 2, 9))
    assert (Job.WEEKLY, D(2025, 2, 5)) in due
    assert (Job.MONTHLY, D(2025, 2, 5)) in due
    assert [d for j, d in due if j == Job.WEEKLY] == [D(2025, 1, 27), D(2025, 2, 5)]
    assert [d for j, d in due if j == Job.DAILY] == [
        D(2025, 1, 27),
        D(2025, 2, 5),
        D(2025, 2, 6),
        D(2025, 2, 7),
        D(2025, 2, 8),
    ]


@pytest.mark.django_db
def test_jobs_due_between_pending_only_leaves_out_runs_already_done():
    # given the daily scan of 2025-03-10 is done and the weekly one was left running
    JobRun.objects.create(job=Job.DAILY, run_date=D(2025, 3, 10), status=JobRunStatus.DONE)
    JobRun.objects.create(job=Job.WEEKLY, run_date=D(2025, 3, 10), status=JobRunStatus.RUNNING)
    # when
    pending = jobs_due_between(start=D(2025, 3, 10), end=D(2025, 3, 10), pending_only=True)
    # then only the weekly job is still to run
    assert pending == [(Job.WEEKLY, D(2025, 3, 10))]


def test_a_year_beyond_the_official_calendar_falls_back_to_weekdays_without_crashing():
    # given 2100, which no holiday table covers
    # when / then Monday 03-01 gets all three jobs (first weekday of the month), Saturday nothing
    assert jobs_due_on(D(2100, 3, 1)) == [Job.DAILY, Job.WEEKLY, Job.MONTHLY]
    assert jobs_due_on(D(2100, 3, 6)) == []
