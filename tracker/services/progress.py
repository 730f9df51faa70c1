"""Weekly reports (调度: progress, investment, funds) and monthly progress plans."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracker import permissions
from tracker.actors import actor_user, is_system
from tracker.models import (
    AuditAction,
    MonthlyPlan,
    WeeklyReport,
)
from tracker.services.audit import actor_display_name, audit_record
from tracker.services.projects import _lock_project
from tracker.workdays import monday_of


def _money(value, label: str) -> Decimal:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    if amount < 0:
        raise ValidationError(f"{label}不能为负数")
    return amount


def weekly_report_submit(
    *,
    project_id: int,
    week_start: dt.date,
    acting_user,
    progress_percent,
    completed_investment,
    funds_in_place,
    procedure_note: str = "",
    problem_note: str = "",
    decrease_note: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reported_at: dt.datetime | None = None,
) -> WeeklyReport:
    """Record (or correct) a project's figures for one ISO week.

    Progress may not go down against the previous week without a note (issue 2). When this
    is the project's latest week, the project's current figures follow it.
    """
    week_start = monday_of(week_start)
    progress = Decimal(str(progress_percent)).quantize(Decimal("0.01"))
    if progress < 0 or progress > 100:
        raise ValidationError(f"形象进度应在0到100之间（填报值：{progress}）")
    completed = _money(completed_investment, "累计完成投资")
    funds = _money(funds_in_place, "资金到位")
    with transaction.atomic():
        project = _lock_project(project_id, None)
        if not is_system(acting_user):
            permissions.require(permissions.can_report_progress(acting_user, project), "您没有填报该项目周调度的权限")
        previous = (
            WeeklyReport.objects.filter(project=project, week_start__lt=week_start).order_by("-week_start").first()
        )
        if previous and progress < previous.progress_percent and not decrease_note.strip():
            raise ValidationError(
                f"本周形象进度（{progress}%）低于上周（{previous.progress_percent}%），请填写进度回调说明"
            )
        report, created = WeeklyReport.objects.update_or_create(
            project=project,
            week_start=week_start,
            defaults={
                "progress_percent": progress,
                "completed_investment": completed,
                "funds_in_place": funds,
                "procedure_note": procedure_note,
                "problem_note": problem_note,
                "decrease_note": decrease_note,
                "reporter_name": reporter_name or actor_display_name(acting_user),
                "reporter_phone": reporter_phone,
                "reported_by": actor_user(acting_user),
                "reported_at": reported_at or timezone.now(),
            },
        )
        is_latest = not WeeklyReport.objects.filter(project=project, week_start__gt=week_start).exists()
        if is_latest:
            project.progress_percent = progress
            project.completed_investment = completed
            project.funds_in_place = funds
            project.version += 1
            project.save(update_fields=["progress_percent", "completed_investment", "funds_in_place", "version", "updated_at"])
        audit_record(
            action=AuditAction.WEEKLY_REPORT,
            acting_user=acting_user,
            project=project,
            object_type="weekly_report",
            object_id=report.pk,
            effective_on=week_start,
            reason=decrease_note,
            data={
                "week_start": week_start.isoformat(),
                "progress_percent": str(progress),
                "completed_investment": str(completed),
                "funds_in_place": str(funds),
                "created": created,
            },
        )
    return report


def monthly_plan_save(
    *,
    project_id: int,
    month: dt.date,
    acting_user,
    planned_progress_percent,
    planned_investment=Decimal("0"),
    milestone: str = "",
    expected_version: int | None = None,
) -> MonthlyPlan:
    """Record (or correct) what a project plans to reach by the end of `month` (月进展计划).

    The month is keyed by its first day. The actual figure is not stored here: the project
    page reads it from the month's last weekly report.
    """
    month = month.replace(day=1)
    progress = Decimal(str(planned_progress_percent)).quantize(Decimal("0.01"))
    if progress < 0 or progress > 100:
        raise ValidationError(f"计划形象进度应在0到100之间（填写值：{progress}）")
    investment = _money(planned_investment or 0, "计划累计投资")
    milestone = (milestone or "").strip()
    with transaction.atomic():
        project = _lock_project(project_id, expected_version)
        if not is_system(acting_user):
            permissions.require(permissions.can_edit_project(acting_user, project), "您没有修改该项目月度计划的权限")
        if investment > project.total_investment:
            raise ValidationError(
                f"计划累计投资（{investment}万元）不能超过项目总投资（{project.total_investment}万元）"
            )
        plan = MonthlyPlan.objects.filter(project=project, month=month).first()
        before = (
            {"planned_progress_percent": str(plan.planned_progress_percent),
             "planned_investment": str(plan.planned_investment), "milestone": plan.milestone}
            if plan else None
        )
        if plan is None:
            plan = MonthlyPlan(project=project, month=month)
        plan.planned_progress_percent = progress
        plan.planned_investment = investment
        plan.milestone = milestone
        plan.full_clean(exclude=["project"])
        plan.save()
        project.version += 1
        project.save(update_fields=["version", "updated_at"])
        audit_record(
            action=AuditAction.MONTHLY_PLAN,
            acting_user=acting_user,
            project=project,
            object_type="monthly_plan",
            object_id=plan.pk,
            effective_on=month,
            reason=milestone,
            data={
                "month": month.strftime("%Y-%m"),
                "before": before,
                "after": {"planned_progress_percent": str(progress), "planned_investment": str(investment),
                          "milestone": milestone},
            },
        )
    return plan
