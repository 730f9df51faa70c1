"""The calendar's jobs: which are due on a date, and running one for a date exactly once
(one `JobRun` per job and date; each firing under its natural key)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import workdays
from dispatch import letters_for_firings
from dispatch.models import Job, JobRun, JobRunStatus, RuleFiring
from dispatch.services import daily_scan_run, monthly_dispatch_run, weekly_dispatch_run

JOB_SERVICES: dict[str, Callable[..., list[RuleFiring]]] = {
    Job.DAILY: daily_scan_run,
    Job.WEEKLY: weekly_dispatch_run,
    Job.MONTHLY: monthly_dispatch_run,
}
# Beat fires the daily scan at 07:00 and the weekly/monthly jobs at 08:30.
JOB_ORDER = [Job.DAILY, Job.WEEKLY, Job.MONTHLY]


def jobs_due_on(day: dt.date) -> list[str]:
    """The jobs due on a date, in the order they run that day.

    Daily: every working day (the office's scan follows its morning stand-up; nothing is sent on
    a holiday). Weekly: the week's Monday, or the next working day when it is a holiday.
    Monthly: the month's first working day.
    """
    due: list[str] = []
    if workdays.is_working_day(day):
        due.append(Job.DAILY)
    if day == workdays.next_working_day(workdays.monday_of(day)):
        due.append(Job.WEEKLY)
    if day == workdays.first_working_day_of_month(day.year, day.month):
        due.append(Job.MONTHLY)
    return due


def jobs_due_between(
    *, start: dt.date, end: dt.date, pending_only: bool = False
) -> list[tuple[str, dt.date]]:
    """Every (job, date) due from start to end inclusive; with pending_only, those not done yet
    (what a restarted beat must catch up)."""
    due = []
    day = start
    while day <= end:
        due += [(job, day) for job in jobs_due_on(day)]
        day += dt.timedelta(days=1)
    if pending_only and due:
        done = set(
            JobRun.objects.filter(
                run_date__gte=start, run_date__lte=end, status=JobRunStatus.DONE
            ).values_list("job", "run_date")
        )
        due = [pair for pair in due if pair not in done]
    return due


@dataclass
class JobOutcome:
    job: str
    run_date: dt.date
    already_done: bool
    firings: list[RuleFiring] = field(default_factory=list)


def job_run_for_date(*, job: str, on_date: dt.date, acting_user) -> JobOutcome:
    """Run one job for one date, once. A run already done returns at once; a run left half-done
    (a killed worker) or running elsewhere is safe to repeat: each firing is keyed."""
    if job not in JOB_SERVICES:
        raise ValidationError(f"未知的调度任务：{job}")
    run, _ = JobRun.objects.get_or_create(job=job, run_date=on_date)
    if run.status == JobRunStatus.DONE:
        return JobOutcome(job=job, run_date=on_date, already_done=True)
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRunStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now(), error=""
    )
    resumed = run.attempts > 0  # a run a killed or failed worker left half-done
    try:
        firings = JOB_SERVICES[job](on_date=on_date, acting_user=acting_user)
        if resumed:
            letters_for_firings.drafts_left_behind(on_date=on_date)
    except Exception as error:
        JobRun.objects.filter(pk=run.pk).exclude(status=JobRunStatus.DONE).update(
            status=JobRunStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run.pk)
        summary = run.summary or {}
        ids = summary.get("firing_ids", []) + [f.pk for f in firings]
        counts = summary.get("counts", {})
        for firing in firings:
            counts[firing.rule] = counts.get(firing.rule, 0) + 1
        run.summary = {"firing_ids": ids, "counts": counts}
        run.status = JobRunStatus.DONE
        run.finished_at = timezone.now()
        run.save()
    return JobOutcome(job=job, run_date=on_date, already_done=False, firings=firings)
