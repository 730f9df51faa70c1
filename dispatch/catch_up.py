"""Nothing missed while beat was down: on beat's start-up, at every beat slot and once a day,
run every calendar job that should have run since the last recorded run, once, for its own date.

Celery beat does not replay schedules whose time passed while it was stopped, and a missed weekly
report or monthly circular is a failure of the office. The calendar (dispatch/) owns
which job is due on which date (`jobs_due_between`, China's working days) and the idempotent run
of one job for one date (`dispatch.run_job` → `job_run_for_date`, one JobRun per (job, date));
this module only decides the window and sends the missed runs, in date order, as one chain:
a later date's letters may build on an earlier date's firings (escalations, overdue answers).

`missed_jobs` is the calendar's one answer to "what is due and not done": beat's slot task
(dispatch.run_due_jobs) sends what it returns at its slot time, this module's task sends it at
beat's start-up and daily at 09:15 (dispatch/schedule.py). The window starts the day after the
last recorded run (or a week back, if that is earlier) and ends now; today's jobs are included only once their
beat slot (07:00 daily scan, 08:30 weekly/monthly) has passed. A window longer than
MAX_CATCH_UP_DAYS is cut and logged: after a long outage the office decides with `run_cycle`.
"""
from __future__ import annotations

import datetime as dt
import logging

from celery import chain, current_app, shared_task
from celery.signals import beat_init
from django.utils import timezone

logger = logging.getLogger(__name__)

CATCH_UP_TASK = "dispatch.catch_up_missed_jobs"
# Beat knocks at these times (dispatch/schedule.py) and each knock runs the jobs of its slot.
SLOT_TIMES = {"07:00": dt.time(7, 0), "08:30": dt.time(8, 30)}
CATCH_UP_DAYS = 7
# A quarter: enough for a long holiday or a broken server; beyond it a human decides.
MAX_CATCH_UP_DAYS = 92


def job_slot_times() -> dict[str, dt.time]:
    """The time of day each job is due: the daily scan at 07:00, the weekly and monthly jobs at 08:30."""
    from dispatch.models import Job

    return {Job.DAILY: SLOT_TIMES["07:00"], Job.WEEKLY: SLOT_TIMES["08:30"], Job.MONTHLY: SLOT_TIMES["08:30"]}


def missed_jobs(*, now: dt.datetime) -> list[tuple[str, dt.date]]:
    """Every (job, date) due up to `now` (Asia/Shanghai) and not recorded as done, oldest first."""
    from dispatch.jobs import jobs_due_between
    from dispatch.models import JobRun, JobRunStatus

    local = timezone.localtime(now)
    today = local.date()
    last_run = (
        JobRun.objects.filter(status=JobRunStatus.DONE, run_date__lte=today)
        .order_by("-run_date").values_list("run_date", flat=True).first()
    )
    start = today - dt.timedelta(days=CATCH_UP_DAYS)
    if last_run is not None:
        start = min(start, last_run + dt.timedelta(days=1))
    earliest = today - dt.timedelta(days=MAX_CATCH_UP_DAYS)
    if start < earliest:
        logger.warning(
            "beat catch-up window cut to %s days (last recorded run %s); "
            "run `manage.py run_cycle` for older dates",
            MAX_CATCH_UP_DAYS, last_run, extra={"last_run": str(last_run), "cut_to": str(earliest)},
        )
        start = earliest
    slots = job_slot_times()
    return [
        (job, day) for job, day in jobs_due_between(start=start, end=today, pending_only=True)
        if day < today or local.time() >= slots.get(job, dt.time(0))
    ]


@shared_task(name=CATCH_UP_TASK, ignore_result=True, time_limit=120, soft_time_limit=100, acks_late=True)
def catch_up_missed_jobs(at: str | None = None) -> list[tuple[str, str]]:
    """Send the missed runs as one chain of `dispatch.run_job`, oldest first. `at`: ISO datetime
    (for a replay or a test); default now."""
    now = dt.datetime.fromisoformat(at) if at else timezone.now()
    missed = [(job, day.isoformat()) for job, day in missed_jobs(now=now)]
    if missed:
        logger.info("beat catch-up: %d missed job run(s)", len(missed), extra={"missed": missed})
        chain(
            current_app.signature("dispatch.run_job", args=(job, day), immutable=True) for job, day in missed
        ).apply_async()
    return missed


@beat_init.connect
def catch_up_on_beat_start(sender=None, **kwargs) -> None:
    """Beat is (re)starting: have a worker catch up at once (beat itself must not block on it)."""
    catch_up_missed_jobs.delay()
