"""What a project reports as it goes: its procedures (手续), weekly dispatch figures, monthly plans."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from tracker.choices import ProcedureKind, ProcedureStatus
from tracker.models.money import PERCENT, WAN
from tracker.models.portfolio import Project


class Procedure(TimeStampedModel):
    """One approval procedure (手续) of a project, one row per kind."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="procedures")
    kind = models.CharField("手续类型", max_length=32, choices=ProcedureKind.choices)
    status = models.CharField("办理状态", max_length=16, choices=ProcedureStatus.choices, default="not_started")
    started_on = models.DateField("启动日期", null=True, blank=True)
    completed_on = models.DateField("办结日期", null=True, blank=True)
    approving_body = models.CharField("审批部门", max_length=100, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    # The approval document (批复文件) that settles the procedure: its number, date and scan.
    approval_number = models.CharField("批复文号", max_length=100, blank=True)
    approval_date = models.DateField("批复日期", null=True, blank=True)
    approval_file = models.FileField("批复文件", upload_to="approvals/%Y/%m/", blank=True)

    class Meta:
        verbose_name = "手续"
        verbose_name_plural = "手续"
        ordering = ["project__map_number", "kind"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="procedure_unique_kind")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_kind_display()}：{self.get_status_display()}"


class WeeklyReport(TimeStampedModel):
    """A project's weekly dispatch figures (调度), one per project per ISO week (keyed by its Monday)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="weekly_reports")
    week_start = models.DateField("周(周一日期)")
    progress_percent = models.DecimalField("本周形象进度(%)", **PERCENT)
    completed_investment = models.DecimalField("累计完成投资(万元)", **WAN)
    funds_in_place = models.DecimalField("资金到位(万元)", **WAN)
    procedure_note = models.CharField("手续办理进展", max_length=500, blank=True)
    problem_note = models.CharField("存在问题", max_length=500, blank=True)
    decrease_note = models.CharField("进度回调说明", max_length=500, blank=True)
    reporter_name = models.CharField("填报人", max_length=50, blank=True)
    reporter_phone = models.CharField("联系电话", max_length=30, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报账号", on_delete=models.SET_NULL, null=True, blank=True
    )
    reported_at = models.DateTimeField("填报时间")

    class Meta:
        verbose_name = "周调度"
        verbose_name_plural = "周调度"
        ordering = ["-week_start", "project__map_number"]
        # The unique constraint's index serves "a project's latest report on or before a date";
        # this one serves "is anything dated after this date?" (dashboard.selectors.current_fields_hold).
        indexes = [models.Index(fields=["week_start"], name="weekly_report_week")]
        constraints = [
            models.UniqueConstraint(fields=["project", "week_start"], name="weekly_report_one_per_week"),
            models.CheckConstraint(
                condition=models.Q(completed_investment__gte=0) & models.Q(funds_in_place__gte=0),
                name="weekly_report_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.week_start:%Y-%m-%d}周"


class MonthlyPlan(TimeStampedModel):
    """What a project plans to reach by the end of a month (月进展计划)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="monthly_plans")
    month = models.DateField("月份(当月1日)")
    planned_progress_percent = models.DecimalField("计划形象进度(%)", **PERCENT)
    planned_investment = models.DecimalField("计划累计投资(万元)", default=Decimal("0"), **WAN)
    milestone = models.CharField("计划节点", max_length=200, blank=True)

    class Meta:
        verbose_name = "月进展计划"
        verbose_name_plural = "月进展计划"
        ordering = ["project__map_number", "month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"],
                                               name="monthly_plan_one_per_month")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.month:%Y年%m月}计划"
