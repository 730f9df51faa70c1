"""Celery tasks of the calendar: thin — a job name and an ISO date in, one service call.

Beat sends `dispatch.run_due_jobs` at 07:00 and 08:30 Asia/Shanghai (dispatch/schedule.py); it
works out which jobs are due that day (and which of the past week's were missed while beat or
the workers were down) and enqueues `dispatch.run_job` for each, on commit. `run_cycle` calls
`run_job` in-process for each simulated date: the same code path.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from core.actors import SYSTEM
from dispatch import jobs
from dispatch.catch_up import SLOT_TIMES, job_slot_times, missed_jobs

# Database hiccups and broker/network blips are worth a retry; a rerun is harmless (natural keys).
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(
    name="dispatch.run_job",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=30 * 60,
    soft_time_limit=29 * 60,
)
def run_job(self, job: str, on_date: str) -> dict:
    """Run one calendar job for one date (idempotent: see jobs.job_run_for_date)."""
    outcome = jobs.job_run_for_date(job=job, on_date=dt.date.fromisoformat(on_date), acting_user=SYSTEM)
    return {
        "job": job,
        "date": on_date,
        "already_done": outcome.already_done,
        "firing_ids": [firing.pk for firing in outcome.firings],
    }


@shared_task(
    name="dispatch.run_due_jobs",
    acks_late=True,
    time_limit=120,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
)
def run_due_jobs(slot: str, on_date: str | None = None) -> list[tuple[str, str]]:
    """Beat's knock at a slot: enqueue every job due by now and not done (the calendar's one
    answer, dispatch.catch_up.missed_jobs): today's jobs of this slot, and any missed before."""
    today = dt.date.fromisoformat(on_date) if on_date else timezone.localdate()
    at = timezone.make_aware(dt.datetime.combine(today, SLOT_TIMES[slot]))
    if on_date is None:
        at = max(at, timezone.now())
    # Today's jobs of another slot are that slot's (the 07:00 scan may still be running at 08:30).
    slot_of = job_slot_times()
    to_run = [
        (job, day.isoformat()) for job, day in missed_jobs(now=at)
        if day < today or slot_of[job] == SLOT_TIMES[slot]
    ]
    for job, day in to_run:
        transaction.on_commit(partial(run_job.delay, job, day))
    return to_run
