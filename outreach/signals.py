"""Hear of letters issued and 批示 made, without the lower apps knowing outreach exists.

notices calls the listener registered in `notices.outbound` once a letter's issuing transaction
commits; a new ProblemInstruction (tracker) sends its announcement on commit through a model
signal. Each enqueues one announcement task. If that task is lost the daily scan announces what
the last days issued (outreach.planning), under the same natural key.
"""
from __future__ import annotations

from django.db.models.signals import post_save

from core.task_queue import enqueue_on_commit
from notices import outbound
from outreach.tasks.planning import announce_instruction, announce_notice
from tracker.models import ProblemInstruction


def _letter_issued(notice_id: int) -> None:
    announce_notice.delay(notice_id)  # already after the issuing commit


def _instruction_saved(sender, instance: ProblemInstruction, created: bool, **kwargs) -> None:
    if created and not kwargs.get("raw"):
        enqueue_on_commit(announce_instruction, instance.pk)


def connect() -> None:
    outbound.hooks.on_issue(_letter_issued)
    post_save.connect(_instruction_saved, sender=ProblemInstruction, dispatch_uid="outreach.instruction_made")
