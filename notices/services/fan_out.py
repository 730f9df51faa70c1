"""Fan-out: hand a drafted document to the `notices.advance_notice` task, one task per document,
so that N workers render N letters at once (the PDF outside the numbering lock).

The one way the calendar issues: letters, the weekly report and the monthly circular alike go
through this door and then through notices.services.issuing.notice_advance_in_steps. With no
broker (tasks eager, the embedded default) the same task runs here, in-process, inside the
caller's transaction, so the firing and its issued notice commit together.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.task_queue import enqueue_on_commit
from notices import tasks as notice_tasks  # the task module imports issuing, never this module
from notices.models import Notice, NoticeState
from notices.services.records import tasks_run_in_process


def notice_advance_later(*, notice_id: int, issued_on: dt.date) -> None:
    """Advance (issue or queue for sign-off) the draft dated `issued_on` in its own task once
    the caller's transaction commits; idempotent (a notice no longer a draft is left alone)."""
    # The date it is to be issued on, kept on the draft: should the task be lost (a broker
    # restarted without its data), the periodic sweep sends it again for that date.
    Notice.objects.filter(pk=notice_id, state=NoticeState.DRAFT).update(issued_on=issued_on,
                                                                        updated_at=timezone.now())
    if tasks_run_in_process():
        notice_tasks.advance_notice(notice_id, issued_on.isoformat())
        return
    enqueue_on_commit(notice_tasks.advance_notice, notice_id, issued_on.isoformat())
