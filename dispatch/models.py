"""The dispatch calendar: rule firings, site-visit tasks and job runs (the rules' thresholds are
the office's settings: offices.keys.ThresholdKey).

Every rule that fires is recorded once under its natural key (rule, subject, period), protected
by a unique constraint, so that a job run twice, concurrently or after a killed worker leaves
exactly the same firings (STYLE: "Every rule that fires … has a natural key").
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from tracker.models import AdministrativeUnit, Department, Project


class Rule(models.TextChoices):
    # Shown by name (预警函, 督办函 …): the R-numbers are the developers' shorthand, not the office's.
    URGE_REPORT = "urge_report", "催报"
    WEEKLY_REPORT = "weekly_report", "周调度报告"
    MONTHLY_CIRCULAR = "monthly_circular", "月度通报"
    R1_WARNING = "r1_warning", "预警函"
    R2_REMINDER = "r2_reminder", "提醒函"
    R3_SUPERVISION = "r3_supervision", "督办函"
    R4_SITE_VISIT = "r4_site_visit", "现场督导"
    R5_SUMMONS = "r5_summons", "约谈通知"
    R6_LISTED = "r6_listed", "挂牌督办"
    R7_ESCALATION = "r7_escalation", "问题逐级升级"


class RuleFiring(TimeStampedModel):
    """One firing of a rule for one subject in one period, with the facts that made it fire.

    `subject` is "unit:<id>", "department:<id>", "project:<id>", "problem:<id>",
    "firing:<id>" (an overdue 督办函) or "city"; `period` is "2025-03", "2025-W10", "2025-Q1",
    or the rung reached for an escalation. The unique constraint is what makes reruns harmless.
    """

    rule = models.CharField("规则", max_length=32, choices=Rule.choices)
    subject = models.CharField("对象", max_length=64)
    period = models.CharField("期间", max_length=32)
    fired_on = models.DateField("触发日期", db_index=True)
    facts = models.TextField("触发事实")
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="县(市、区)", on_delete=models.PROTECT, null=True, blank=True
    )
    department = models.ForeignKey(
        Department, verbose_name="市直部门", on_delete=models.PROTECT, null=True, blank=True
    )
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, null=True, blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    # The notice issued for it (notices.Notice id), kept loose so the calendar survives without it.
    notice_id = models.BigIntegerField("公文编号", null=True, blank=True)
    ack_due_on = models.DateField("签收期限", null=True, blank=True)
    answer_due_on = models.DateField("答复期限", null=True, blank=True)

    if TYPE_CHECKING:
        # Set by dispatch.letters_for_firings.overdue_supervisions on the firings it returns: the
        # letter's answer deadline (the new one after a 退回).
        deadline: dt.date

    class Meta:
        verbose_name = "规则触发记录"
        verbose_name_plural = "规则触发记录"
        ordering = ["-fired_on", "rule", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject", "period"], name="rule_firing_natural_key"),
        ]
        indexes = [models.Index(fields=["rule", "fired_on"], name="rule_firing_rule_date")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.subject} {self.period}"


class SiteVisitStatus(models.TextChoices):
    PLANNED = "planned", "待督导"
    DONE = "done", "已督导"


class SiteVisitTask(TimeStampedModel):
    """A site visit (现场督导) the office owes a project at risk of overrunning (rule R4)."""

    firing = models.OneToOneField(
        RuleFiring, verbose_name="触发记录", on_delete=models.PROTECT, related_name="site_visit"
    )
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="site_visits"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="负责人", on_delete=models.SET_NULL, null=True, blank=True
    )
    visit_on = models.DateField("督导日期")
    status = models.CharField(
        "状态", max_length=16, choices=SiteVisitStatus.choices, default=SiteVisitStatus.PLANNED
    )
    reason = models.TextField("督导事由")
    outcome = models.TextField("督导情况", blank=True)

    class Meta:
        verbose_name = "现场督导任务"
        verbose_name_plural = "现场督导任务"
        ordering = ["visit_on", "id"]

    def __str__(self) -> str:
        return f"{self.visit_on:%Y-%m-%d} {self.project.name}"


class Job(models.TextChoices):
    DAILY = "daily", "每日风险与超期扫描"
    WEEKLY = "weekly", "每周调度"
    MONTHLY = "monthly", "每月通报与函件"


class JobRunStatus(models.TextChoices):
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class JobRun(TimeStampedModel):
    """One run of a calendar job for one date; (job, run_date) is unique so a rerun is a catch-up."""

    job = models.CharField("任务", max_length=16, choices=Job.choices)
    run_date = models.DateField("业务日期")
    status = models.CharField(
        "状态", max_length=16, choices=JobRunStatus.choices, default=JobRunStatus.RUNNING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    summary = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "调度任务运行"
        verbose_name_plural = "调度任务运行"
        ordering = ["-run_date", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "run_date"], name="job_run_one_per_date")]

    def __str__(self) -> str:
        return f"{self.get_job_display()} {self.run_date:%Y-%m-%d}（{self.get_status_display()}）"
