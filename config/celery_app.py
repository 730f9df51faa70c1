"""The Celery application. Its whole beat schedule is declared once, in dispatch/schedule.py,
and handed to this app by dispatch when Django starts (DispatchConfig.ready); tasks are found in
each app's tasks.py. Nothing here imports an app."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("yihong")
app.config_from_object("django.conf:settings", namespace="CELERY")
if app.conf.task_always_eager and not app.conf.broker_url:
    # No broker: tasks run in-process, but Celery still opens a producer for each one; the
    # in-memory transport keeps it from falling back to AMQP on localhost (kombu warned of a
    # missing host on every task of the demo).
    app.conf.broker_url = "memory://localhost/"
# Each app's tasks.py: modules that register tasks with shared_task and never import this one.
app.autodiscover_tasks()
