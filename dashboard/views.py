"""The read side people look at: the 挂图作战 dashboard, the ledger page, search, and each role's
home page (the county's weekly report for all its projects included).

Views stay thin: figures come from dashboard.selectors (cached per data version, dashboard.cache),
project lists from tracker.selectors, writes go through tracker.services.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
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

from core.refusals import refusal_messages
from core.workdays import monday_of
from dashboard import selectors as dashboard_selectors
from dashboard.queues import NEW_INSTRUCTION_DAYS, awaiting_instruction, home_url_for, queues_for_request
from notices.selectors import letters as notice_selectors
from tracker import permissions, selectors, services
from tracker.choices import EscalationLevel, ProblemStatus, ProjectState, Role
from tracker.forms import UnitWeeklyHeaderForm, UnitWeeklyRowForm
from tracker.models import AdministrativeUnit, Domain, Problem, WeeklyReport

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
    if role is None:
        raise PermissionDenied("您的账号尚未分配角色，请联系专班办系统管理员")
    # Every role lands on its work queue (dashboard.queues): what is due comes first.
    return redirect(home_url_for(role))


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


def _halves(rows: list) -> list[list]:
    middle = (len(rows) + 1) // 2
    return [half for half in (rows[:middle], rows[middle:]) if half]


def _filter_text(filters: dict, choices: dict) -> str:
    """The filters in words for the printed sheet's header ("县(市、区)：侯马市；预警灯：红灯")."""
    names = {
        "domain": ("领域", {d.code: d.name for d in choices["domains"]}),
        "unit": ("县(市、区)", {u.code: u.name for u in choices["units"]}),
        "state": ("阶段", dict(choices["states"])),
        "year": ("目标年度", {}),
        "light": ("预警灯", dict(choices["lights"])),
    }
    parts = [f"{label}：{values.get(filters[key], filters[key])}"
             for key, (label, values) in names.items() if filters.get(key)]
    return "；".join(parts)


def _dashboard(request, *, as_of: dt.date) -> dashboard_selectors.DashboardPage:
    filters = _filters(request)
    today = timezone.localdate()

    def render_content(headline: dict, units: list[dict]) -> str:
        query = urlencode({"as_of": as_of.isoformat(),
                           **{key: value for key, value in filters.items() if value}})
        # Read once: the filter menus and the printed sheet's filter line use the same rows.
        choices = {key: list(value) for key, value in _filter_choices().items()}
        return render_to_string("dashboard/dashboard_content.html", {
            "headline": headline, "unit_rows": units, "as_of": as_of, "today": today, "filters": filters,
            "data_url": f"{reverse('dashboard:data')}?{query}", **choices,
            "office_name": settings.YIHONG_OFFICE_NAME, "filter_text": _filter_text(filters, choices),
            # Two half tables side by side: the printed sheet has room for width, not for 18 rows.
            "ranked_halves": _halves(sorted((u for u in units if u["projects"]), key=lambda u: u["rank"])),
        })

    # Rendered once per data version, date and filters (dashboard.cache), not per request.
    return dashboard_selectors.dashboard_page(user=request.user, as_of=as_of, filters=filters,
                                              render=render_content)


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
    projects = selectors.project_list(user=request.user,
                                      filters={k: v for k, v in filters.items() if k != "light"})
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
        .prefetch_related("instructions")
        .order_by("-level", "level_since")
    )
    # The work queues' filtered lists: awaiting a 批示, or instructed recently (dashboard.queues).
    shown = request.GET.get("awaiting", "") or request.GET.get("instructed", "")
    if request.GET.get("awaiting") == "instruction":
        problems = problems.filter(awaiting_instruction(permissions.visible_projects(request.user)))
    elif request.GET.get("instructed") == "recent":
        problems = problems.filter(instructions__instructed_at__gte=timezone.now() - dt.timedelta(
            days=NEW_INSTRUCTION_DAYS)).distinct()
    return render(request, "dashboard/escalated_problems.html",
                  {"problems": problems, "today": timezone.localdate(), "shown": shown,
                   "may_instruct": permissions.role_of(request.user) == Role.CITY_LEADER})


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
        "queues": queues_for_request(request, with_watch_lists=True),
    })


@login_required
@require_http_methods(["GET", "POST"])
def unit_home(request) -> HttpResponse:
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
        header = UnitWeeklyHeaderForm(request.POST)
        forms = [UnitWeeklyRowForm(request.POST, prefix=prefix(p)) for p in editable]
        saved = 0
        if header.is_valid() and all(form.is_valid() for form in forms):
            week = monday_of(header.cleaned_data["week_start"] or this_week)
            for project, form in zip(editable, forms, strict=True):
                if not form.is_filled:
                    continue
                data = form.cleaned_data
                try:
                    services.weekly_report_submit(
                        project_id=project.pk, week_start=week, acting_user=request.user,
                        progress_percent=data["progress_percent"],
                        completed_investment=data["completed_investment"],
                        funds_in_place=data["funds_in_place"], procedure_note=data["procedure_note"],
                        problem_note=data["problem_note"], decrease_note=data["decrease_note"],
                        reporter_name=header.cleaned_data["reporter_name"],
                        reporter_phone=header.cleaned_data["reporter_phone"],
                    )
                    saved += 1
                except ValidationError as error:
                    failures.extend(f"{project.map_number}号 {project.name}：{m}"
                                    for m in refusal_messages(error))
            if saved:
                messages.success(request, f"已保存 {saved} 个项目{week}起一周的调度数据")
            if not failures:
                return redirect("dashboard:unit_home")
        else:
            failures.extend(str(m) for errors in header.errors.values() for m in errors)
            for project, form in zip(editable, forms, strict=True):
                for errors in form.errors.values():
                    failures.extend(f"{project.map_number}号 {project.name}：{m}" for m in errors)
    else:
        profile = request.user.staff_profile
        header = UnitWeeklyHeaderForm(initial={"week_start": this_week, "reporter_name": profile.full_name,
                                               "reporter_phone": profile.phone})
        forms = []
        for project in editable:
            forms.append(UnitWeeklyRowForm(prefix=prefix(project), initial={"project_id": project.pk}))
    rows = [
        {"project": project, "form": form, "last": last_reports.get(project.pk),
         "reported": reported.get(project.pk)}
        for project, form in zip(editable, forms, strict=True)
    ]
    return render(
        request,
        "dashboard/unit_home.html",
        {"rows": rows, "projects": projects, "this_week": this_week, "failures": failures, "header": header,
         "queues": queues_for_request(request, with_watch_lists=True),
         "done_projects": [p for p in projects if p.state == ProjectState.EFFECTIVE],
         "unit": request.user.staff_profile.unit},
    )
