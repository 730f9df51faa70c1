"""Hear of letters issued and 批示 made, without the lower apps knowing outreach exists.

A Notice saved in the 已签发 state for the first time, or a new ProblemInstruction, sends the
announcement task on commit. If that task is lost the daily scan
announces what the last days issued (outreach.planning), under the same natural key.
"""
from __future__ import annotations

from django.db.models.signals import post_save

from core.task_queue import enqueue_on_commit
from notices.models import Notice, NoticeState
from outreach.tasks.planning import announce_instruction, announce_notice
from tracker.models import ProblemInstruction


def _notice_saved(sender, instance: Notice, created: bool, **kwargs) -> None:
    if kwargs.get("raw") or instance.state != NoticeState.ISSUED:
        return
    before = (getattr(instance, "_loaded", None) or {}).get("state")
    if before == NoticeState.ISSUED:
        return
    enqueue_on_commit(announce_notice, instance.pk)


def _instruction_saved(sender, instance: ProblemInstruction, created: bool, **kwargs) -> None:
    if created and not kwargs.get("raw"):
        enqueue_on_commit(announce_instruction, instance.pk)


def connect() -> None:
    post_save.connect(_notice_saved, sender=Notice, dispatch_uid="outreach.notice_issued")
    post_save.connect(_instruction_saved, sender=ProblemInstruction, dispatch_uid="outreach.instruction_made")
