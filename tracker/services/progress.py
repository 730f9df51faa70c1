"""Weekly reports (调度: progress, investment, funds) and monthly progress plans."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import actor_user, is_system
from core.workdays import add_working_days, monday_of
from tracker import permissions
from tracker.audit.records import actor_display_name, audit_record
from tracker.choices import AuditAction, Role
from tracker.models import MonthlyPlan, WeeklyReport
from tracker.services.projects import _lock_project

# How long after its Sunday a week's figures stay open to the units: the Monday dispatch reminds
# those who have not reported (README 调度日历), who then have until the second working day of
# the next week. After that the week is closed; only the Office corrects it, saying why.
WEEKLY_REPORT_GRACE_WORKING_DAYS = 2
OFFICE_ROLES = (Role.CLERK, Role.OFFICE_LEADER)


def weekly_report_deadline(week_start: dt.date) -> dt.date:
    """The last day the units may file or change the figures of the week starting `week_start`."""
    return add_working_days(monday_of(week_start) + dt.timedelta(days=6), WEEKLY_REPORT_GRACE_WORKING_DAYS)


def weekly_report_problems(
    *,
    role: str | None,
    week_start: dt.date,
    today: dt.date,
    progress: Decimal,
    previous_progress: Decimal | None,
    decrease_note: str,
    existing_reporter_role: str | None = None,
    correction_reason: str | None = None,
) -> list[str]:
    """Why a week's figures may not be recorded (empty: they may). Pure: every entry point —
    the project's form, the county's all-projects form on /unit/, the weekly import — asks this.

    `role` None is the system (the calendar, the command line, the demo): it only keeps the
    progress rule. `correction_reason` is what an Office entry point asked for when the week is
    closed ("" when left empty: refused); None where a caller cannot ask (code calling the
    service directly) — the Office's web form and the import always ask.
    DOMAIN (三级抓落实, 县(市、区)具体实施): the county the project lies in owns its figures; a
    lead department may stand in while the county has not reported, never over it.
    """
    problems: list[str] = []
    week_start = monday_of(week_start)
    if role is not None:
        if role == Role.DEPARTMENT_LIAISON and existing_reporter_role == Role.COUNTY_LIAISON:
            problems.append(
                "该项目这一周的调度数据已由项目所在县(市、区)填报，项目数据以县(市、区)填报为准，部门不能覆盖；"
                "如有出入请联系县级联络员或专班办更正"
            )
        deadline = weekly_report_deadline(week_start)
        if today > deadline:
            closed = f"{week_start:%Y年%m月%d日}起这一周的调度已于{deadline:%Y年%m月%d日}截止"
            if role not in OFFICE_ROLES:
                problems.append(f"{closed}，不能再填报或修改；如需更正请联系专班办")
            elif correction_reason is not None and not correction_reason.strip():
                problems.append(f"{closed}，专班办更正须填写更正原因（在项目的周调度填报页填写）")
    if previous_progress is not None and progress < previous_progress and not (decrease_note or "").strip():
        problems.append(f"本周形象进度（{progress}%）低于上周（{previous_progress}%），请填写进度回调说明")
    return problems


def weekly_report_reporter_role(report: WeeklyReport | None) -> str | None:
    if report is None or report.reported_by is None:
        return None
    profile = getattr(report.reported_by, "staff_profile", None)
    return profile.role if profile is not None else None


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
    correction_reason: str | None = None,
) -> WeeklyReport:
    """Record (or correct) a project's figures for one ISO week.

    The rules are weekly_report_problems': progress may not go down against the previous week
    without a note; the county owns the figures; a closed week only the Office corrects, with
    `correction_reason`. When this is the project's latest week, the
    project's current figures follow it.
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
            WeeklyReport.objects.filter(project=project, week_start__lt=week_start)
            .order_by("-week_start").first()
        )
        existing = (
            WeeklyReport.objects.filter(project=project, week_start=week_start)
            .select_related("reported_by__staff_profile").first()
        )
        problems = weekly_report_problems(
            role=None if is_system(acting_user) else permissions.role_of(acting_user),
            week_start=week_start, today=timezone.localdate(), progress=progress,
            previous_progress=previous.progress_percent if previous else None, decrease_note=decrease_note,
            existing_reporter_role=weekly_report_reporter_role(existing), correction_reason=correction_reason,
        )
        if problems:
            raise ValidationError(problems)
        correction = (correction_reason or "").strip()
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
            project.save(update_fields=["progress_percent", "completed_investment", "funds_in_place",
                                        "version", "updated_at"])
        audit_record(
            action=AuditAction.WEEKLY_REPORT,
            acting_user=acting_user,
            project=project,
            object_type="weekly_report",
            object_id=report.pk,
            effective_on=week_start,
            reason="；".join(text for text in (correction, decrease_note.strip()) if text),
            data={
                "week_start": week_start.isoformat(),
                "progress_percent": str(progress),
                "completed_investment": str(completed),
                "funds_in_place": str(funds),
                "created": created,
                **({"correction_reason": correction} if correction else {}),
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
