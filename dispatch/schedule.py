"""Beat's schedule for the calendar, declared once (handed to the Celery app by DispatchConfig.ready).

Times are Asia/Shanghai (CELERY_TIMEZONE). Which jobs are due on a day — the daily scan on
working days, the weekly job on Monday or the next working day, the monthly job on the first
working day — is decided by dispatch.jobs.jobs_due_on from China's official calendar, so
beat only needs to knock twice a day.

Besides the calendar, housekeeping sweeps every few minutes. notices.finish_stalled_drafts
sends again the calendar's documents (letters, the weekly report, the monthly circular) whose
issuing task was lost (a broker restarted without its data) — before or after a worker reserved
their number (notices.services.notice_advance_in_steps) — so no document stays a draft and no
reserved number stays a gap. outreach.retry_due_messages resends the messages (a new letter's
e-mail with its PDF, reminders, SMS) whose back-off elapsed or whose task was lost, and
outreach.poll_sms_receipts reads the carriers' reports. None is a calendar job: they have no
date, no JobRun, and beat's catch-up (dispatch/catch_up.py) ignores them — the next sweep after a
restart picks up everything still due anyway.

The catch-up itself runs daily at 09:15 (and on beat's start-up: dispatch.catch_up), and the
deploy-side heartbeat (core/heartbeat.py, shown by /healthz/) every
YIHONG_HEARTBEAT_SECONDS. This is the only place beat's schedule is declared.
"""

import os

from celery.schedules import crontab

HEARTBEAT_SECONDS = float(os.environ.get("YIHONG_HEARTBEAT_SECONDS", "300"))

BEAT_SCHEDULE = {
    "dispatch-daily-scan-0700": {
        "task": "dispatch.run_due_jobs",
        "schedule": crontab(hour=7, minute=0),
        "args": ("07:00",),
    },
    "dispatch-weekly-monthly-0830": {
        "task": "dispatch.run_due_jobs",
        "schedule": crontab(hour=8, minute=30),
        "args": ("08:30",),
    },
    "notices-finish-stalled-drafts": {
        "task": "notices.finish_stalled_drafts",
        "schedule": crontab(minute="2-59/5"),
        "options": {"expires": 4 * 60},
    },
    # Outreach: resend the failed messages whose back-off elapsed and those whose task
    # was lost. The reminder scan itself is part of the daily job (dispatch.services.daily_scan_run).
    "outreach-retry-due-messages": {
        "task": "outreach.retry_due_messages",
        "schedule": crontab(minute="1-59/5"),
        "options": {"expires": 4 * 60},
    },
    # The SMS carriers' delivery reports (Alibaba Cloud QuerySendDetails) of what was sent and
    # has no final report yet; a message is asked about for at most 72 hours.
    "outreach-poll-sms-receipts": {
        "task": "outreach.poll_sms_receipts",
        "schedule": crontab(minute="3-59/5"),
        "options": {"expires": 4 * 60},
    },
    # Whatever a failed or lost run left behind is picked up the same day, after the 08:30 slot.
    "dispatch-catch-up-missed-jobs": {
        "task": "dispatch.catch_up_missed_jobs",
        "schedule": crontab(hour=9, minute=15),
    },
    "deploy-worker-heartbeat": {
        "task": "core.worker_heartbeat",
        "schedule": HEARTBEAT_SECONDS,
        "kwargs": {"source": "beat"},
    },
}
