"""The city leader's 批示 on a problem escalated to 市政府 (re-exported by tracker.models)."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ProblemInstruction(models.Model):
    """A city leader's 批示 on a problem escalated to 市政府: what the leader asks, and when.

    Read by the office and the responsible unit on the problem and the project page, and carried
    into the next 周调度报告 (tracker.selectors.problem_instructions_in).
    """

    problem = models.ForeignKey(
        "tracker.Problem", verbose_name="问题", on_delete=models.CASCADE, related_name="instructions"
    )
    # The fields of tracker.models.TimeStampedModel, spelled out: this module must not import
    # tracker.models, which re-exports it.
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    text = models.TextField("批示内容")
    instructed_at = models.DateTimeField("批示时间", db_index=True)
    instructed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批示人", on_delete=models.PROTECT, related_name="+"
    )
    instructed_by_name = models.CharField("批示人姓名", max_length=100)

    class Meta:
        verbose_name = "市领导批示"
        verbose_name_plural = "市领导批示"
        ordering = ["instructed_at", "id"]

    def __str__(self) -> str:
        return f"{self.instructed_by_name} {self.instructed_at:%Y-%m-%d} 批示：{self.text[:30]}"
