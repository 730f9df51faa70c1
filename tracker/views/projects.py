"""Pages of the domain: the project page, reports, transitions, procedures, problems, rollbacks.

Views stay thin: reads go through tracker.selectors, writes through tracker.services,
permissions through tracker.permissions (services enforce, views mirror). The read side people
look at (dashboard, ledger, role home pages) is the dashboard app's.
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.page_panels import project_panels
from core.redirects import return_path
from core.refusals import flash_refusal, refusal_messages
from core.workdays import monday_of
from tracker import permissions, selectors, services
from tracker.audit.display import audit_rows_describe
from tracker.choices import AuditAction, ProcedureKind, ProcedureStatus, Role
from tracker.forms import (
    MonthlyPlanForm,
    ProblemEscalateForm,
    ProblemRaiseForm,
    ProblemResolveForm,
    ProcedureUpdateForm,
    RollbackApproveForm,
    RollbackRejectForm,
    RollbackRequestForm,
    TransitionForm,
    WeeklyReportForm,
)
from tracker.models import AuditEvent, Problem, Procedure, Project, RollbackRequest

# --- everyone ---------------------------------------------------------------------------------


# --- ledger and project page ------------------------------------------------------------------


def _procedure_rows(project: Project) -> list[tuple[str, str, object]]:
    """(kind, label, procedure or None) for every kind of procedure, in the order of the law."""
    by_kind = {procedure.kind: procedure for procedure in project.procedures.all()}
    return [(kind, label, by_kind.get(kind)) for kind, label in ProcedureKind.choices]


def _project_context(request, project: Project) -> dict:
    user = request.user
    reports = list(project.weekly_reports.order_by("week_start"))
    plans = list(project.monthly_plans.order_by("month"))
    actual_by_month: dict[str, str] = {}
    for report in reports:
        actual_by_month[report.week_start.strftime("%Y-%m")] = str(report.progress_percent)
    chart = {
        "weeks": [report.week_start.isoformat() for report in reports],
        "progress": [str(report.progress_percent) for report in reports],
        "investment": [str(report.completed_investment) for report in reports],
        "months": [plan.month.strftime("%Y-%m") for plan in plans],
        "planned": [str(plan.planned_progress_percent) for plan in plans],
        "actual": [actual_by_month.get(plan.month.strftime("%Y-%m")) for plan in plans],
    }
    return {
        "project": project,
        "procedures": project.procedures.order_by("id"),
        "reports": list(reversed(reports))[:12],
        "plans": [(plan, actual_by_month.get(plan.month.strftime("%Y-%m"))) for plan in plans],
        "problems": project.problems.select_related("handler").prefetch_related("instructions")
        .order_by("status", "-raised_on"),
        "may_instruct": permissions.role_of(user) == Role.CITY_LEADER,
        "audit_events": audit_rows_describe(project.audit_events.order_by("-occurred_at", "-id")),
        "transition_options": selectors.project_transition_options(user=user, project=project),
        "can_report": permissions.can_report_progress(user, project),
        "can_edit": permissions.can_edit_project(user, project),
        "can_escalate": permissions.can_escalate(user),
        "problem_form": ProblemRaiseForm(),
        "procedure_rows": _procedure_rows(project),
        "procedure_statuses": ProcedureStatus.choices,
        "rollback_options": selectors.rollback_request_options(user=user, project=project),
        "rollback_requests": project.rollback_requests.select_related(
            "requested_by__staff_profile", "decided_by__staff_profile").order_by("-requested_at", "-id")[:10],
        "chart": chart,
        "today": timezone.localdate(),
        # What the apps above the domain have to say about the project (the calendar's firings
        # and site visits), without the domain importing them.
        **project_panels.context_for(project=project, user=user),
    }


@login_required
@require_GET
def project_detail(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    return render(request, "tracker/project_detail.html", _project_context(request, project))


@login_required
@require_http_methods(["GET", "POST"])
def weekly_report(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_report_progress(request.user, project), "您没有填报该项目周调度的权限")
    this_week = monday_of(timezone.localdate())
    last = selectors.latest_report_before(project_id=project.pk, week_start=this_week + dt.timedelta(days=7))
    if request.method == "POST":
        form = WeeklyReportForm(request.POST, office=permissions.is_office_staff(request.user))
        if form.is_valid():
            try:
                services.weekly_report_submit(project_id=project.pk, acting_user=request.user,
                                              **form.cleaned_data)
            except ValidationError as error:
                for message in refusal_messages(error):
                    form.add_error(None, message)
            else:
                messages.success(request,
                                 f"已保存“{project.name}”{monday_of(form.cleaned_data['week_start'])}周的调度数据")
                return redirect("tracker:project", project_id=project.pk)
    else:
        initial: dict[str, object] = {"week_start": this_week}
        if last is not None:
            initial.update(progress_percent=last.progress_percent,
                           completed_investment=last.completed_investment, funds_in_place=last.funds_in_place)
        form = WeeklyReportForm(initial=initial, office=permissions.is_office_staff(request.user))
    return render(request, "tracker/weekly_report.html", {"project": project, "form": form, "last": last})


@login_required
@require_POST
def project_transition(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_edit_project(request.user, project), "您没有变更该项目阶段的权限")
    form = TransitionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "阶段变更的表单不完整：" + "；".join(
            f"{form.fields[field].label if field in form.fields else ''}{'，'.join(str(e) for e in errors)}"
            for field, errors in form.errors.items()
        ))
        return redirect("tracker:project", project_id=project.pk)
    data = form.cleaned_data
    try:
        moved = services.project_transition(
            project_id=project.pk,
            transition=data["transition"],
            acting_user=request.user,
            reason=data["reason"],
            effective_on=data["effective_on"],
            expected_version=data["expected_version"],
            evidence=data["evidence"],
        )
    except services.EditConflict as error:
        flash_refusal(request, error)
    except services.TransitionRefused as error:
        label = services.TRANSITIONS.get(data["transition"])
        prefix = f"不能“{label.label}”：" if label else ""
        for message in refusal_messages(error):
            messages.error(request, prefix + message)
    except ValidationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, f"“{moved.name}”已变更为“{moved.get_state_display()}”")
        for warning in getattr(moved, "transition_warnings", []):
            messages.warning(request, f"请注意：{warning}（已记入操作记录）")
    return redirect("tracker:project", project_id=project.pk)


def _back_to(project, section: str):
    """The project page, scrolled to the section the form was posted from."""
    return redirect(f"{reverse('tracker:project', args=[project.pk])}#{section}")


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


@login_required
@require_POST
def procedure_update(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_edit_project(request.user, project), "您没有修改该项目手续的权限")
    form = ProcedureUpdateForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to(project, "procedures")
    data = form.cleaned_data
    try:
        procedure = services.procedure_update(
            project_id=project.pk, kind=data["kind"], acting_user=request.user, status=data["status"],
            started_on=data["started_on"], completed_on=data["completed_on"],
            approving_body=data["approving_body"], note=data["note"],
            expected_version=data["expected_version"], approval_number=data["approval_number"],
            approval_date=data["approval_date"], approval_file=data["approval_file"],
        )
    except ValidationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, f"已更新“{procedure.get_kind_display()}”：{procedure.get_status_display()}")
    return _back_to(project, "procedures")


@login_required
@require_GET
def procedure_approval_file(request, procedure_id: int):
    """A procedure's 批复文件, for whoever may see the project (media files are not served directly)."""
    procedure = Procedure.objects.select_related("project").filter(pk=procedure_id).first()
    if procedure is None or not procedure.approval_file:
        raise Http404("批复文件不存在")
    permissions.require(permissions.can_view_project(request.user, procedure.project), "您无权查看该批复文件")
    name = procedure.approval_file.name.rsplit("/", 1)[-1]
    return FileResponse(procedure.approval_file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def monthly_plan_save(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_edit_project(request.user, project), "您没有修改该项目月度计划的权限")
    form = MonthlyPlanForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to(project, "monthly-plans")
    data = form.cleaned_data
    try:
        plan = services.monthly_plan_save(project_id=project.pk, acting_user=request.user, **data)
    except ValidationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, f"已保存{plan.month:%Y年%m月}的月度计划（计划形象进度 {plan.planned_progress_percent}%）")
    return _back_to(project, "monthly-plans")


# --- rollback requests: a clerk asks, an office leader decides ---------------------------------


@login_required
@require_POST
def rollback_request(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_request_rollback(request.user, project), "您没有为该项目申请退回的权限")
    form = RollbackRequestForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to(project, "transitions")
    data = form.cleaned_data
    try:
        filed = services.rollback_request_file(
            project_id=project.pk, transition=data["transition"], acting_user=request.user,
            reason=data["reason"], evidence=data["evidence"], expected_version=data["expected_version"],
        )
    except ValidationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, f"已提交“{filed.get_transition_display()}”申请，待专班办领导审批")
    return _back_to(project, "transitions")


def _rollback_for_leader(request, request_id: int):
    permissions.require(permissions.can_decide_rollback(request.user), "只有专班办领导可以审批退回申请")
    rollback = RollbackRequest.objects.select_related("project").filter(pk=request_id).first()
    if rollback is None:
        raise Http404("退回申请不存在")
    return rollback


@login_required
@require_GET
def audit_evidence(request, event_id: int):
    """The evidence kept with an audit row (开工/达效 and other transitions' 佐证, a rollback's):
    for whoever may see the project; a rollback request's evidence only for the office, as on
    rollback_evidence. Media files are never served directly."""
    event = AuditEvent.objects.select_related("project").filter(pk=event_id).first()
    if event is None or not event.evidence or event.project is None:
        raise Http404("没有该佐证材料")
    permissions.require(permissions.can_view_project(request.user, event.project), "您无权查看该佐证材料")
    if event.action == AuditAction.ROLLBACK_REQUEST:
        permissions.require(permissions.is_office_staff(request.user), "退回申请的佐证材料仅供专班办人员查看")
    name = event.evidence.name.rsplit("/", 1)[-1]
    response = FileResponse(event.evidence.open("rb"), as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def rollback_evidence(request, request_id: int):
    """The evidence file of a rollback request, for the office (media files are not served directly)."""
    rollback = RollbackRequest.objects.select_related("project").filter(pk=request_id).first()
    if rollback is None or not rollback.evidence:
        raise Http404("没有该佐证材料")
    permissions.require(
        permissions.is_office_staff(request.user)
        and permissions.can_view_project(request.user, rollback.project),
        "退回申请的佐证材料仅供专班办人员查看",
    )
    name = rollback.evidence.name.rsplit("/", 1)[-1]
    return FileResponse(rollback.evidence.open("rb"), as_attachment=True, filename=name)


def _back_from_rollback(request, rollback) -> str:
    """The leader's page that listed the request (it passes `next`), else the project's page."""
    return return_path(request, default=reverse("tracker:project", args=[rollback.project_id]))


@login_required
@require_POST
def rollback_approve(request, request_id: int):
    rollback = _rollback_for_leader(request, request_id)
    form = RollbackApproveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_back_from_rollback(request, rollback))
    data = form.cleaned_data
    try:
        services.rollback_request_approve(
            request_id=rollback.pk, acting_user=request.user, note=data["note"],
            effective_on=data["effective_on"], expected_version=data["expected_version"],
        )
    except ValidationError as error:
        prefix = f"{rollback.project.map_number}号“{rollback.project.name}”未能退回："
        for message in refusal_messages(error):
            messages.error(request, prefix + message)
    else:
        rollback.project.refresh_from_db()
        messages.success(request, f"已批准：{rollback.project.map_number}号“{rollback.project.name}”"
                                  f"已退回“{rollback.project.get_state_display()}”")
    return redirect(_back_from_rollback(request, rollback))


@login_required
@require_POST
def rollback_reject(request, request_id: int):
    rollback = _rollback_for_leader(request, request_id)
    form = RollbackRejectForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_back_from_rollback(request, rollback))
    try:
        services.rollback_request_reject(request_id=rollback.pk, acting_user=request.user,
                                         reason=form.cleaned_data["reason"])
    except ValidationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, f"已驳回{rollback.project.map_number}号“{rollback.project.name}”的退回申请")
    return redirect(_back_from_rollback(request, rollback))


# --- problems ---------------------------------------------------------------------------------


@login_required
@require_POST
def problem_raise(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_report_progress(request.user, project), "您没有为该项目提出问题的权限")
    form = ProblemRaiseForm(request.POST)
    if form.is_valid():
        try:
            services.problem_raise(project_id=project.pk, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            flash_refusal(request, error)
        else:
            messages.success(request, "问题已登记，由专班协调")
    else:
        _form_errors(request, form)
    return redirect("tracker:project", project_id=project.pk)


def _problem_for(request, problem_id: int) -> Problem:
    problem = Problem.objects.select_related("project").filter(pk=problem_id).first()
    if problem is None or not permissions.can_view_project(request.user, problem.project):
        raise Http404("问题不存在或您无权查看")  # the same answer either way: an id's existence is not told
    return problem


@login_required
@require_POST
def problem_escalate(request, problem_id: int):
    problem = _problem_for(request, problem_id)
    permissions.require(permissions.can_escalate(request.user), "只有专班办人员可以升级问题")
    form = ProblemEscalateForm(request.POST)
    if form.is_valid():
        try:
            moved = services.problem_escalate(problem_id=problem.pk, acting_user=request.user,
                                              **form.cleaned_data)
        except ValidationError as error:
            flash_refusal(request, error)
        else:
            assert moved is not None  # None only for a conditional escalation (expected_level)
            messages.success(request, f"问题已升级至“{moved.get_level_display()}”协调")
    else:
        _form_errors(request, form)
    return redirect("tracker:project", project_id=problem.project_id)


@login_required
@require_POST
def problem_resolve(request, problem_id: int):
    problem = _problem_for(request, problem_id)
    permissions.require(permissions.can_edit_project(request.user, problem.project), "您没有处理该问题的权限")
    form = ProblemResolveForm(request.POST)
    if form.is_valid():
        try:
            services.problem_resolve(problem_id=problem.pk, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            flash_refusal(request, error)
        else:
            messages.success(request, "问题已标记为解决")
    else:
        _form_errors(request, form)
    return redirect("tracker:project", project_id=problem.project_id)


# --- role pages -------------------------------------------------------------------------------


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有访问该页面的权限"
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", {}, status=404)

