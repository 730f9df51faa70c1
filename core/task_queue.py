"""Send a Celery task by its stable name, from a service, without importing the tasks module.

Tasks call services; if services imported tasks to enqueue the next step, the two modules would
import each other. Celery already keeps a registry of tasks by their explicit, stable `name=`
(STYLE: Sentry's tasks), so a service names the task instead. The task object comes from the
app's registry, so `task_always_eager` (no broker: run in-process) is honoured as with `.delay`.
"""
from __future__ import annotations

from celery import current_app


def task_send(task_name: str, *args) -> None:
    """`.delay(*args)` on the task registered as `task_name` (call it inside `on_commit`)."""
    current_app.tasks[task_name].delay(*args)
