"""The read side people look at: the 挂图作战 dashboard, the ledger page, search, and each role's
home page (the county's weekly report for all its projects included).

Views stay thin: figures come from dashboard.selectors (cached per data version, dashboard.cache),
project lists from tracker.selectors, writes go through tracker.services.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from dashboard import selectors as dashboard_selectors
from notices import selectors as notice_selectors
from tracker import permissions, selectors, services
from tracker.forms import UnitWeeklyRowForm
from tracker.models import (
    AdministrativeUnit,
    Domain,
    EscalationLevel,
    Problem,
    ProblemStatus,
    ProjectState,
    Role,
    WeeklyReport,
)
from tracker.refusals import refusal_messages
from tracker.workdays import monday_of

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
        "lights": dashboard_selectors.LIGHT_CHOICES,
        "years": (2023, 2024, 2025),
    }


@login_required
@require_GET
def home(request):
    """Each role lands on the page it works in."""
    role = permissions.role_of(request.user)
    if role == Role.COUNTY_LIAISON:
        return redirect("dashboard:unit_home")
    if role == Role.OFFICE_LEADER:
        return redirect("dashboard:leader_home")
    if role == Role.CITY_LEADER:
        return redirect("dashboard:dashboard")
    if role in (Role.CLERK, Role.DEPARTMENT_LIAISON):
        return redirect("dashboard:ledger")
    raise PermissionDenied("您的账号尚未分配角色，请联系专班办系统管理员")


@login_required
@require_GET
def search(request):
    term = request.GET.get("q", "").strip()
    if not term:
        return redirect("dashboard:ledger")
    matches = list(selectors.project_list(user=request.user, filters={"q": term})[:2])
    exact = selectors.project_list(user=request.user).filter(code__iexact=term).first()
    if exact is not None:
        return redirect("tracker:project", project_id=exact.pk)
    if len(matches) == 1:
        return redirect("tracker:project", project_id=matches[0].pk)
    return redirect(f"{reverse('dashboard:ledger')}?{urlencode({'q': term})}")


@login_required
@require_GET
def dashboard_page(request):
    as_of = _as_of(request)
    page = _dashboard(request, as_of=as_of)
    return render(
        request,
        "dashboard/dashboard.html",
        # The maps' data comes from dashboard_data_json (fetched by the page's script); parsed
        # here only when read (tests).
        {"content": mark_safe(page.content), "headline": page.headline, "as_of": as_of,
         "data": SimpleLazyObject(lambda: page.data)},
    )


def _dashboard(request, *, as_of: dt.date) -> dashboard_selectors.DashboardPage:
    filters = _filters(request)
    today = timezone.localdate()

    def render_content(headline: dict, units: list[dict]) -> str:
        query = urlencode({"as_of": as_of.isoformat(), **{key: value for key, value in filters.items() if value}})
        return render_to_string("dashboard/dashboard_content.html", {
            "headline": headline, "unit_rows": units, "as_of": as_of, "today": today, "filters": filters,
            "data_url": f"{reverse('dashboard:data')}?{query}", **_filter_choices(),
        })

    # Rendered once per data version, date and filters (dashboard.cache), not per request.
    return dashboard_selectors.dashboard_page(user=request.user, as_of=as_of, filters=filters, render=render_content)


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
        return render_to_string("dashboard/ledger_content.html", {
            "rows": rows, "paging": paging, "filters": filters, "sort": sort, "query": query,
            **_filter_choices(),
        })

    # Rendered once per data version, day and query (dashboard.cache), not per request.
    rows, paging, content = dashboard_selectors.ledger_page_cached(
        projects=projects, on_date=timezone.localdate(), order=order, light=filters["light"], page=page,
        render=render_content, presentation=(sort, query),
    )
    return render(
        request, "dashboard/ledger.html", {"content": mark_safe(content), "rows": rows, "paging": paging}
    )


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
    return render(request, "dashboard/escalated_problems.html", {"problems": problems})


@login_required
@require_GET
def leader_home(request):
    permissions.require(permissions.is_office_leader(request.user), "该页面仅供专班办领导使用")
    return render(request, "dashboard/leader_home.html", {
        "pending_rollbacks": list(selectors.rollback_requests_pending(user=request.user)),
        "decided_rollbacks": selectors.rollback_requests_decided(user=request.user),
        "signoff_queue": list(notice_selectors.signoff_queue(user=request.user)[:10]),
        "signoff_count": notice_selectors.signoff_queue(user=request.user).count(),
        "today": timezone.localdate(),
    })


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
                    failures.extend(f"{project.map_number}号 {project.name}：{m}" for m in refusal_messages(error))
            if saved:
                messages.success(request, f"已保存 {saved} 个项目本周（{this_week}起）的调度数据")
            if not failures:
                return redirect("dashboard:unit_home")
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
        "dashboard/unit_home.html",
        {"rows": rows, "projects": projects, "this_week": this_week, "failures": failures,
         "done_projects": [p for p in projects if p.state == ProjectState.EFFECTIVE],
         "unit": request.user.staff_profile.unit},
    )
