"""The Celery application. Beat's schedule is declared in the dispatch code."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("yihong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Deploy-side: the beat → worker heartbeat that /healthz/ reports (registers a task and its schedule).
import config.worker_heartbeat  # noqa: E402,F401

# Deploy-side: on beat's start-up and daily, run the calendar jobs missed while beat was down.
import config.beat_catch_up  # noqa: E402,F401
