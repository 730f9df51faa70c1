"""Pages of the portfolio: dashboard, ledger, project page, reports, transitions, problems.

Views stay thin: reads go through tracker.selectors / tracker.dashboard, writes through
tracker.services, permissions through tracker.permissions (services enforce, views mirror).
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch.models import RuleFiring, SiteVisitTask
from notices import selectors as notice_selectors
from tracker import dashboard, permissions, selectors, services
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
    UnitWeeklyRowForm,
    WeeklyReportForm,
)
from tracker.models import (
    AdministrativeUnit,
    Domain,
    EscalationLevel,
    Problem,
    ProblemStatus,
    ProcedureKind,
    ProcedureStatus,
    Project,
    ProjectState,
    Role,
    RollbackRequest,
    WeeklyReport,
)
from tracker.workdays import week_start as monday_of

LEDGER_ORDERS = {
    "number": "map_number", "-number": "-map_number",
    "code": "code", "-code": "-code",
    "unit": "unit__display_order", "-unit": "-unit__display_order",
    "investment": "total_investment", "-investment": "-total_investment",
    "progress": "progress_percent", "-progress": "-progress_percent",
    "start": "planned_start", "-start": "-planned_start",
    "completion": "planned_completion", "-completion": "-planned_completion",
}
FILTER_KEYS = ("unit", "domain", "state", "year", "light", "q")


def _error_messages(error: ValidationError) -> list[str]:
    return list(getattr(error, "messages", [str(error)]))


def _flash_errors(request, error: ValidationError) -> None:
    """Show each message of a service's refusal on the next page."""
    for message in _error_messages(error):
        messages.error(request, message)


def _filters(request) -> dict:
    return {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}


def _as_of(request, *, tell: bool = True) -> dt.date:
    today = timezone.localdate()
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return today
    try:
        chosen = dt.date.fromisoformat(raw)
    except ValueError:
        if tell:
            messages.error(request, f"日期“{raw}”格式不正确，应为 YYYY-MM-DD，已显示今天的数据")
        return today
    if chosen > today:
        if tell:
            messages.warning(request, f"日期 {raw} 在今天之后，已显示今天的数据")
        return today
    return chosen


def _filter_choices() -> dict:
    return {
        "units": AdministrativeUnit.objects.order_by("display_order", "id"),
        "domains": Domain.objects.order_by("display_order", "id"),
        "states": ProjectState.choices,
        "lights": dashboard.LIGHT_CHOICES,
        "years": (2023, 2024, 2025),
    }


# --- everyone ---------------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    """Each role lands on the page it works in."""
    role = permissions.role_of(request.user)
    if role == Role.COUNTY_LIAISON:
        return redirect("tracker:unit_home")
    if role == Role.OFFICE_LEADER:
        return redirect("tracker:leader_home")
    if role == Role.CITY_LEADER:
        return redirect("tracker:dashboard")
    if role in (Role.CLERK, Role.DEPARTMENT_LIAISON):
        return redirect("tracker:ledger")
    raise PermissionDenied("您的账号尚未分配角色，请联系专班办系统管理员")


@login_required
@require_GET
def search(request):
    term = request.GET.get("q", "").strip()
    if not term:
        return redirect("tracker:ledger")
    matches = list(selectors.project_list(user=request.user, filters={"q": term})[:2])
    exact = selectors.project_list(user=request.user).filter(code__iexact=term).first()
    if exact is not None:
        return redirect("tracker:project", project_id=exact.pk)
    if len(matches) == 1:
        return redirect("tracker:project", project_id=matches[0].pk)
    return redirect(f"{reverse('tracker:ledger')}?{urlencode({'q': term})}")


@login_required
@require_GET
def dashboard_page(request):
    as_of = _as_of(request)
    page = _dashboard(request, as_of=as_of)
    return render(
        request,
        "tracker/dashboard.html",
        # The maps' data comes from dashboard_data_json (fetched by the page's script); parsed
        # here only when read (tests).
        {"content": mark_safe(page.content), "headline": page.headline, "as_of": as_of,
         "data": SimpleLazyObject(lambda: page.data)},
    )


def _dashboard(request, *, as_of: dt.date) -> dashboard.DashboardPage:
    filters = _filters(request)
    today = timezone.localdate()

    def render_content(headline: dict, units: list[dict]) -> str:
        query = urlencode({"as_of": as_of.isoformat(), **{key: value for key, value in filters.items() if value}})
        return render_to_string("tracker/dashboard_content.html", {
            "headline": headline, "unit_rows": units, "as_of": as_of, "today": today, "filters": filters,
            "data_url": f"{reverse('tracker:dashboard_data')}?{query}", **_filter_choices(),
        })

    # Rendered once per data version, date and filters (tracker.portfolio_cache), not per request.
    return dashboard.dashboard_page(user=request.user, as_of=as_of, filters=filters, render=render_content)


@login_required
@require_GET
def dashboard_data_json(request):
    """The maps' data of the dashboard (same parameters as the page), gzipped when accepted.

    Out of the page so that the page stays small and the ~1 MB of markers at 10,000 projects is
    revalidated by ETag (a 304 until the portfolio changes) instead of sent with every view.
    """
    # The page told the user about a bad date already; its script asks with the corrected one.
    page = _dashboard(request, as_of=_as_of(request, tell=False))
    if request.headers.get("If-None-Match") == page.etag:
        response = HttpResponseNotModified()
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(page.json_gzip, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(page.json, content_type="application/json")
    response["ETag"] = page.etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
    return response


# --- ledger and project page ------------------------------------------------------------------


@login_required
@require_GET
def ledger(request):
    filters = _filters(request)
    sort = request.GET.get("sort", "number")
    order = LEDGER_ORDERS.get(sort, "map_number")
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    projects = selectors.project_list(user=request.user, filters={k: v for k, v in filters.items() if k != "light"})
    query = urlencode({key: value for key, value in filters.items() if value})

    def render_content(rows, paging) -> str:
        return render_to_string("tracker/ledger_content.html", {
            "rows": rows, "paging": paging, "filters": filters, "sort": sort, "query": query,
            **_filter_choices(),
        })

    # Rendered once per data version, day and query (tracker.portfolio_cache), not per request.
    rows, paging, content = dashboard.ledger_page_cached(
        projects=projects, on_date=timezone.localdate(), order=order, light=filters["light"], page=page,
        render=render_content, presentation=(sort, query),
    )
    return render(
        request, "tracker/ledger.html", {"content": mark_safe(content), "rows": rows, "paging": paging}
    )


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
        "problems": project.problems.select_related("handler").order_by("status", "-raised_on"),
        "firings": RuleFiring.objects.filter(project=project).order_by("-fired_on")[:30],
        "audit_events": project.audit_events.order_by("-occurred_at", "-id"),
        "site_visits": SiteVisitTask.objects.filter(project=project).select_related("owner").order_by("-visit_on"),
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
        form = WeeklyReportForm(request.POST)
        if form.is_valid():
            try:
                services.weekly_report_submit(project_id=project.pk, acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                for message in _error_messages(error):
                    form.add_error(None, message)
            else:
                messages.success(request, f"已保存“{project.name}”{monday_of(form.cleaned_data['week_start'])}周的调度数据")
                return redirect("tracker:project", project_id=project.pk)
    else:
        initial = {"week_start": this_week}
        if last is not None:
            initial.update(progress_percent=last.progress_percent, completed_investment=last.completed_investment,
                           funds_in_place=last.funds_in_place)
        form = WeeklyReportForm(initial=initial)
    return render(request, "tracker/weekly_report.html", {"project": project, "form": form, "last": last})


@login_required
@require_POST
def project_transition(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_edit_project(request.user, project), "您没有变更该项目阶段的权限")
    form = TransitionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "阶段变更的表单不完整：" + "；".join(
            f"{form.fields[field].label if field in form.fields else ''}{'，'.join(errors)}"
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
        _flash_errors(request, error)
    except services.TransitionRefused as error:
        label = services.TRANSITIONS.get(data["transition"])
        prefix = f"不能“{label.label}”：" if label else ""
        for message in _error_messages(error):
            messages.error(request, prefix + message)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"“{moved.name}”已变更为“{moved.get_state_display()}”")
    return redirect("tracker:project", project_id=project.pk)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


@login_required
@require_POST
def procedure_update(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_edit_project(request.user, project), "您没有修改该项目手续的权限")
    form = ProcedureUpdateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(f"{reverse('tracker:project', args=[project.pk])}#procedures")
    data = form.cleaned_data
    try:
        procedure = services.procedure_update(
            project_id=project.pk, kind=data["kind"], acting_user=request.user, status=data["status"],
            started_on=data["started_on"], completed_on=data["completed_on"],
            approving_body=data["approving_body"], note=data["note"], expected_version=data["expected_version"],
        )
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"已更新“{procedure.get_kind_display()}”：{procedure.get_status_display()}")
    return redirect(f"{reverse('tracker:project', args=[project.pk])}#procedures")


@login_required
@require_POST
def monthly_plan_save(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_edit_project(request.user, project), "您没有修改该项目月度计划的权限")
    form = MonthlyPlanForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(f"{reverse('tracker:project', args=[project.pk])}#monthly-plans")
    data = form.cleaned_data
    try:
        plan = services.monthly_plan_save(project_id=project.pk, acting_user=request.user, **data)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"已保存{plan.month:%Y年%m月}的月度计划（计划形象进度 {plan.planned_progress_percent}%）")
    return redirect(f"{reverse('tracker:project', args=[project.pk])}#monthly-plans")


# --- rollback requests: a clerk asks, an office leader decides ---------------------------------


@login_required
@require_POST
def rollback_request(request, project_id: int):
    project = selectors.project_get(user=request.user, project_id=project_id)
    permissions.require(permissions.can_request_rollback(request.user, project), "您没有为该项目申请退回的权限")
    form = RollbackRequestForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(f"{reverse('tracker:project', args=[project.pk])}#transitions")
    data = form.cleaned_data
    try:
        filed = services.rollback_request_file(
            project_id=project.pk, transition=data["transition"], acting_user=request.user, reason=data["reason"],
            evidence=data["evidence"], expected_version=data["expected_version"],
        )
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"已提交“{filed.get_transition_display()}”申请，待专班办领导审批")
    return redirect(f"{reverse('tracker:project', args=[project.pk])}#transitions")


def _rollback_for_leader(request, request_id: int):
    permissions.require(permissions.can_decide_rollback(request.user), "只有专班办领导可以审批退回申请")
    rollback = RollbackRequest.objects.select_related("project").filter(pk=request_id).first()
    if rollback is None:
        raise Http404("退回申请不存在")
    return rollback


@login_required
@require_GET
def rollback_evidence(request, request_id: int):
    """The evidence file of a rollback request, for the office (media files are not served directly)."""
    rollback = RollbackRequest.objects.select_related("project").filter(pk=request_id).first()
    if rollback is None or not rollback.evidence:
        raise Http404("没有该佐证材料")
    permissions.require(
        permissions.is_office_staff(request.user) and permissions.can_view_project(request.user, rollback.project),
        "退回申请的佐证材料仅供专班办人员查看",
    )
    name = rollback.evidence.name.rsplit("/", 1)[-1]
    return FileResponse(rollback.evidence.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def rollback_approve(request, request_id: int):
    rollback = _rollback_for_leader(request, request_id)
    form = RollbackApproveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(f"{reverse('tracker:leader_home')}#rollbacks")
    data = form.cleaned_data
    try:
        services.rollback_request_approve(
            request_id=rollback.pk, acting_user=request.user, note=data["note"],
            effective_on=data["effective_on"], expected_version=data["expected_version"],
        )
    except ValidationError as error:
        prefix = f"{rollback.project.map_number}号“{rollback.project.name}”未能退回："
        for message in _error_messages(error):
            messages.error(request, prefix + message)
    else:
        rollback.project.refresh_from_db()
        messages.success(request, f"已批准：{rollback.project.map_number}号“{rollback.project.name}”"
                                  f"已退回“{rollback.project.get_state_display()}”")
    return redirect(f"{reverse('tracker:leader_home')}#rollbacks")


@login_required
@require_POST
def rollback_reject(request, request_id: int):
    rollback = _rollback_for_leader(request, request_id)
    form = RollbackRejectForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(f"{reverse('tracker:leader_home')}#rollbacks")
    try:
        services.rollback_request_reject(request_id=rollback.pk, acting_user=request.user,
                                         reason=form.cleaned_data["reason"])
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"已驳回{rollback.project.map_number}号“{rollback.project.name}”的退回申请")
    return redirect(f"{reverse('tracker:leader_home')}#rollbacks")


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
            _flash_errors(request, error)
        else:
            messages.success(request, "问题已登记，由专班协调")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("tracker:project", project_id=project.pk)


def _problem_for(request, problem_id: int) -> Problem:
    problem = Problem.objects.select_related("project").filter(pk=problem_id).first()
    if problem is None:
        raise Http404("问题不存在")
    permissions.require(permissions.can_view_project(request.user, problem.project), "您无权查看该问题")
    return problem


@login_required
@require_POST
def problem_escalate(request, problem_id: int):
    problem = _problem_for(request, problem_id)
    permissions.require(permissions.can_escalate(request.user), "只有专班办人员可以升级问题")
    form = ProblemEscalateForm(request.POST)
    if form.is_valid():
        try:
            moved = services.problem_escalate(problem_id=problem.pk, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _flash_errors(request, error)
        else:
            messages.success(request, f"问题已升级至“{moved.get_level_display()}”协调")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
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
            _flash_errors(request, error)
        else:
            messages.success(request, "问题已标记为解决")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("tracker:project", project_id=problem.project_id)


@login_required
@require_GET
def escalated_problems(request):
    """Problems lifted to 市政府 or 省专班: what the city leaders are asked to coordinate."""
    problems = (
        Problem.objects.filter(
            status=ProblemStatus.OPEN,
            level__in=[EscalationLevel.CITY, EscalationLevel.PROVINCE],
            project__in=permissions.visible_projects(request.user).values("pk"),
        )
        .select_related("project", "project__unit")
        .order_by("-level", "level_since")
    )
    return render(request, "tracker/escalated_problems.html", {"problems": problems})


# --- role pages -------------------------------------------------------------------------------


@login_required
@require_GET
def leader_home(request):
    permissions.require(permissions.is_office_leader(request.user), "该页面仅供专班办领导使用")
    return render(request, "tracker/leader_home.html", {
        "pending_rollbacks": list(selectors.rollback_requests_pending(user=request.user)),
        "decided_rollbacks": selectors.rollback_requests_decided(user=request.user),
        "signoff_queue": list(notice_selectors.signoff_queue(user=request.user)[:10]),
        "signoff_count": notice_selectors.signoff_queue(user=request.user).count(),
        "today": timezone.localdate(),
    })


@login_required
@require_GET
def site_visits(request):
    permissions.require(permissions.is_office_staff(request.user), "现场督导任务仅供专班办人员查看")
    tasks = SiteVisitTask.objects.select_related("project", "owner").order_by("status", "visit_on")
    return render(request, "tracker/site_visits.html", {"tasks": tasks})


@login_required
@require_http_methods(["GET", "POST"])
def unit_home(request):
    """A county liaison's page: their unit's projects and this week's report for all of them."""
    permissions.require(permissions.role_of(request.user) == Role.COUNTY_LIAISON, "该页面仅供县级联络员使用")
    projects = list(selectors.project_list(user=request.user).order_by("map_number"))
    this_week = monday_of(timezone.localdate())
    reported = dict(
        WeeklyReport.objects.filter(project__in=[p.pk for p in projects], week_start=this_week).values_list(
            "project_id", "progress_percent"
        )
    )
    last_reports: dict[int, WeeklyReport] = {}
    for report in WeeklyReport.objects.filter(
        project__in=[p.pk for p in projects], week_start__lt=this_week
    ).order_by("project_id", "week_start"):
        last_reports[report.project_id] = report
    editable = [p for p in projects if p.state != ProjectState.EFFECTIVE]
    prefix = lambda project: f"p{project.pk}"  # noqa: E731
    failures: list[str] = []
    if request.method == "POST":
        forms = [UnitWeeklyRowForm(request.POST, prefix=prefix(p)) for p in editable]
        saved = 0
        if all(form.is_valid() for form in forms):
            for project, form in zip(editable, forms):
                if not form.is_filled:
                    continue
                data = form.cleaned_data
                try:
                    services.weekly_report_submit(
                        project_id=project.pk, week_start=this_week, acting_user=request.user,
                        progress_percent=data["progress_percent"], completed_investment=data["completed_investment"],
                        funds_in_place=data["funds_in_place"], problem_note=data["problem_note"],
                        decrease_note=data["decrease_note"],
                    )
                    saved += 1
                except ValidationError as error:
                    failures.extend(f"{project.map_number}号 {project.name}：{m}" for m in _error_messages(error))
            if saved:
                messages.success(request, f"已保存 {saved} 个项目本周（{this_week}起）的调度数据")
            if not failures:
                return redirect("tracker:unit_home")
        else:
            for project, form in zip(editable, forms):
                for errors in form.errors.values():
                    failures.extend(f"{project.map_number}号 {project.name}：{m}" for m in errors)
    else:
        forms = []
        for project in editable:
            forms.append(UnitWeeklyRowForm(prefix=prefix(project), initial={"project_id": project.pk}))
    rows = [
        {"project": project, "form": form, "last": last_reports.get(project.pk), "reported": reported.get(project.pk)}
        for project, form in zip(editable, forms)
    ]
    return render(
        request,
        "tracker/unit_home.html",
        {"rows": rows, "projects": projects, "this_week": this_week, "failures": failures,
         "done_projects": [p for p in projects if p.state == ProjectState.EFFECTIVE],
         "unit": request.user.staff_profile.unit},
    )


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有访问该页面的权限"
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", {}, status=404)

