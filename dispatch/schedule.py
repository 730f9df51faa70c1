"""Beat's schedule for the calendar, declared once (loaded by config/settings/base.py).

Times are Asia/Shanghai (CELERY_TIMEZONE). Which jobs are due on a day — the daily scan on
working days, the weekly job on Monday or the next working day, the monthly job on the first
working day — is decided by dispatch.services.jobs_due_on from China's official calendar, so
beat only needs to knock twice a day.
"""

from celery.schedules import crontab

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
}
