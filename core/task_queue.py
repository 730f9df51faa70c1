"""Enqueue a Celery task, by reference, once the caller's transaction commits.

A service passes the task object itself (imported from the app's tasks module), so a typo is an
ImportError at start-up, not a task lost at run time, and the import graph shows who enqueues
what. Enqueuing on commit means a worker never looks for a row that is not there yet, and a
rolled-back change enqueues nothing. With `task_always_eager` (the embedded default: no broker)
`.delay` runs the task in-process, right after the commit — the same task, the same path.
"""
from __future__ import annotations

from django.db import transaction


def enqueue_on_commit(task, *args) -> None:
    """`task.delay(*args)` after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task.delay(*args))


def enqueue_each_on_commit(task, argument_lists) -> None:
    """One `task.delay(*arguments)` per entry, after the commit."""
    pending = [tuple(arguments) for arguments in argument_lists]
    if pending:
        transaction.on_commit(lambda: [task.delay(*arguments) for arguments in pending])
