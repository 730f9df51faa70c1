"""Blocking problems and where they stand on the escalation ladder; a city leader's 批示 on them."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from tracker.choices import EscalationLevel, ProblemCategory, ProblemStatus
from tracker.models.portfolio import Project


class Problem(TimeStampedModel):
    """A blocking problem of a project and where it stands on the escalation ladder."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="problems")
    description = models.TextField("问题描述")
    category = models.CharField("类别", max_length=16, choices=ProblemCategory.choices)
    level = models.CharField("协调层级", max_length=16, choices=EscalationLevel.choices, default="office")
    level_since = models.DateField("升级至当前层级日期")
    status = models.CharField("状态", max_length=16, choices=ProblemStatus.choices, default="open",
                              db_index=True)
    raised_on = models.DateField("提出日期")
    resolved_on = models.DateField("解决日期", null=True, blank=True)
    resolution = models.TextField("解决情况", blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_problems",
    )
    responsible_leader = models.CharField("责任市领导", max_length=50, blank=True)
    # Who must solve it and by when (a 专班 assigns both when the problem is raised).
    responsible_unit = models.CharField("责任单位", max_length=64, blank=True)
    due_on = models.DateField("办理时限", null=True, blank=True)

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题"
        ordering = ["-raised_on", "id"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.description[:30]}"

    def days_left(self, today) -> int | None:
        """Days until the deadline (negative: overdue by so many); None without one or once solved."""
        if self.due_on is None or self.status != ProblemStatus.OPEN:
            return None
        return (self.due_on - today).days


class ProblemInstruction(TimeStampedModel):
    """A city leader's 批示 on a problem escalated to 市政府: what the leader asks, and when.

    Read by the office and the responsible unit on the problem and the project page, and carried
    into the next 周调度报告 (tracker.selectors.problem_instructions_in).
    """

    problem = models.ForeignKey(
        "tracker.Problem", verbose_name="问题", on_delete=models.CASCADE, related_name="instructions"
    )
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
