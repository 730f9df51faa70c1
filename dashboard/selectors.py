"""Read-side figures for the 挂图作战 dashboard and the ledger page: maps, headline figures, lights.

Everything is computed "as of" a date by tracker.portfolio (the projects listed by then, state
from the transition log, figures from the last weekly report on or before it, the lights with
the office's thresholds) — the same module the letters and the calendar's rules read, so the
pages and the letters agree — and set-based: the number of queries does not depend on the
number of projects.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import F, FloatField, QuerySet, Window
from django.db.models.functions import Cast, Lag
from django.utils import timezone

from dispatch.selectors import thresholds_current
from tracker import selectors
from tracker.lights import LIGHT_LABELS, Lights
from tracker.portfolio import (
    ZERO_FIGURES,
    ProjectFigures,
    current_fields_hold,
    project_figures_as_of,
    project_lights_as_of,
    projects_listed_by,
    state_on_expression,
)
from tracker.models import (
    COMPLETED_STATES,
    STARTED_STATES,
    AdministrativeUnit,
    AuditAction,
    AuditEvent,
    EscalationLevel,
    MonitoringSection,
    Problem,
    Project,
    ProjectState,
    SectionReading,
    WaterClass,
)
from dashboard.cache import portfolio_cached

# The province's targets (DOMAIN: the campaign): all started and half completed by the end of
# 2024; all completed and effective by the end of October 2025.
TARGETS = (
    {"date": dt.date(2024, 12, 31), "label": "2024年底", "started_rate": 100, "completed_rate": 50, "effective_rate": 0},
    {"date": dt.date(2025, 10, 31), "label": "2025年10月底", "started_rate": 100, "completed_rate": 100,
     "effective_rate": 100},
)
TIMELINE_START = dt.date(2023, 6, 1)

# Marker colours by state, shared with the legend and the browser tests.
STATE_COLOURS = {
    ProjectState.PREPARATION.value: "#d7263d",  # red 前期
    ProjectState.UNDER_CONSTRUCTION.value: "#2e9e44",  # green 开工
    ProjectState.COMPLETED.value: "#1f5fbf",  # blue 完工
    ProjectState.EFFECTIVE.value: "#7b2cbf",  # purple star 达效
    ProjectState.SUSPENDED.value: "#6b6b6b",  # grey triangle 停工
}
STATE_SYMBOLS = {
    ProjectState.PREPARATION.value: "circle",
    ProjectState.UNDER_CONSTRUCTION.value: "circle",
    ProjectState.COMPLETED.value: "circle",
    ProjectState.EFFECTIVE.value: "diamond",
    ProjectState.SUSPENDED.value: "triangle",
}
MARKER_COLUMNS = (
    "id", "number", "code", "name", "unit", "domain", "lon", "lat", "state", "progress", "start_light",
    "progress_light",
)
# Plain-string sets: membership tests run once per project per month in the timeline.
STARTED = frozenset(state.value for state in STARTED_STATES)
COMPLETED = frozenset(state.value for state in COMPLETED_STATES)
EFFECTIVE = ProjectState.EFFECTIVE.value
LIGHT_CHOICES = (("green", "绿灯"), ("yellow", "黄灯"), ("red", "红灯"))


@dataclass(frozen=True)
class LedgerRow:
    """One project as the ledger page shows it on a date."""

    project: Project
    state: str
    state_label: str
    progress_percent: Decimal
    start_light: str
    progress_light: str | None

    @property
    def start_light_label(self) -> str:
        return LIGHT_LABELS[self.start_light]

    @property
    def progress_light_label(self) -> str:
        return LIGHT_LABELS[self.progress_light]


def _rate(part: int | Decimal, whole: int | Decimal) -> str:
    if not whole:
        return "0.00"
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01")))


def _matches_light(lights, light: str) -> bool:
    return light in (lights.start, lights.progress)


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    ends = []
    month = start.replace(day=1)
    while month <= end:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        ends.append(min(following - dt.timedelta(days=1), end))
        month = following
    return ends


def lights_as_of(*, on_date: dt.date, projects: QuerySet[Project], **parts) -> dict[int, Lights]:
    """The lights on a date with the office's current thresholds (tracker.portfolio, the one
    definition the letters use too)."""
    return project_lights_as_of(as_of=on_date, projects=projects, thresholds=thresholds_current(), **parts)


def _ledger_lights(*, projects: QuerySet[Project], on_date: dt.date) -> dict[int, tuple[str, str | None]]:
    """{project id: (start light, progress light)} of every listed project, cached per data version."""

    def build() -> dict[int, tuple[str, str | None]]:
        lights = lights_as_of(on_date=on_date, projects=projects)
        return {pk: (light.start, light.progress) for pk, light in lights.items()}

    return portfolio_cached(("ledger-lights", str(projects.order_by().values("pk").query), on_date), build)


def ledger_page(
    *, projects: QuerySet[Project], on_date: dt.date, order: str, light: str = "", page: int = 1, per_page: int = 50
) -> tuple[list[LedgerRow], dict]:
    """One page of the ledger with the lights on a date (at most 7 queries, whatever the size).

    Without a light filter the database pages the ledger and only the page's projects get
    their lights computed. The light filter needs every project's lights: those are kept in
    the portfolio cache (one computation per data version and day), the page is cut from ids.
    """
    ordered = projects.order_by(order, "map_number")
    if light:
        lights = _ledger_lights(projects=projects, on_date=on_date)
        ids = [pk for pk in ordered.values_list("pk", flat=True)
               if pk in lights and light in lights[pk]]
        count = len(ids)
    else:
        count = projects.count()
    pages = max(1, -(-count // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    if light:
        page_ids = ids[start: start + per_page]
    else:
        page_ids = list(ordered.values_list("pk", flat=True)[start: start + per_page])
        page_lights = lights_as_of(on_date=on_date, projects=Project.objects.filter(pk__in=page_ids))
        lights = {pk: (value.start, value.progress) for pk, value in page_lights.items()}
    objects = Project.objects.select_related("unit", "domain").in_bulk(page_ids)
    rows = [
        LedgerRow(
            project=objects[pk],
            state=objects[pk].state,
            state_label=objects[pk].get_state_display(),
            progress_percent=objects[pk].progress_percent,
            start_light=lights[pk][0],
            progress_light=lights[pk][1],
        )
        for pk in page_ids
    ]
    return rows, {"page": page, "pages": pages, "count": count, "per_page": per_page}


def ledger_page_cached(
    *, projects: QuerySet[Project], on_date: dt.date, order: str, light: str = "", page: int = 1,
    render: Callable[[list[LedgerRow], dict], str], per_page: int = 50, presentation: tuple = (),
) -> tuple[list[LedgerRow], dict, str]:
    """ledger_page and its rendering (`render(rows, paging)`), kept in the portfolio cache.

    `presentation` names whatever else the rendering depends on (sort key, query string).
    """

    def build() -> tuple[list[LedgerRow], dict, str]:
        rows, paging = ledger_page(
            projects=projects, on_date=on_date, order=order, light=light, page=page, per_page=per_page
        )
        return rows, paging, render(rows, paging)

    scope = str(projects.order_by().values("pk").query)
    parts = ("ledger-page", scope, on_date, order, light, page, per_page, presentation)
    return portfolio_cached(parts, build)


def _timeline_counted(*, projects: QuerySet[Project], as_of: dt.date, total: int) -> dict:
    """The same series as _timeline, counted by the database (1 query, a few hundred rows at any size).

    Each transition moves a project from its state before (the previous transition's target in
    the log's order — effective date, then record time — as the replay has it, or 前期) to its
    target: the started, completed and effective counts change by the difference of the two
    states' memberships. Grouped by date, summed per month and accumulated, that is the replay.
    """
    events = AuditEvent.objects.filter(
        action=AuditAction.PROJECT_TRANSITION, effective_on__lte=as_of, project__in=projects.values("pk")
    ).order_by()
    ranked = events.annotate(
        prior_state=Window(
            Lag("to_state"), partition_by=[F("project_id")],
            order_by=[F("effective_on").asc(), F("occurred_at").asc(), F("id").asc()],
        )
    ).values_list("effective_on", "prior_state", "to_state")
    sql, params = ranked.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            # Counted over the ORM's own query (the window function cannot be grouped in the ORM).
            f"SELECT effective_on, prior_state, to_state, COUNT(*) FROM ({sql}) moves "
            "GROUP BY effective_on, prior_state, to_state ORDER BY effective_on",
            params,
        )
        moves = cursor.fetchall()
    changes: list[tuple[dt.date, tuple[int, int, int]]] = []
    for on, prior_state, to_state, moved in moves:
        prior_state = prior_state or ProjectState.PREPARATION.value
        changes.append((
            on if isinstance(on, dt.date) else dt.date.fromisoformat(on),
            (moved * ((to_state in STARTED) - (prior_state in STARTED)),
             moved * ((to_state in COMPLETED) - (prior_state in COMPLETED)),
             moved * ((to_state == EFFECTIVE) - (prior_state == EFFECTIVE))),
        ))
    months, series = [], ([], [], [])
    counts = [0, 0, 0]
    cursor_at = 0
    for month_end in _month_ends(TIMELINE_START, as_of):
        while cursor_at < len(changes) and changes[cursor_at][0] <= month_end:
            for index in range(3):
                counts[index] += changes[cursor_at][1][index]
            cursor_at += 1
        months.append(month_end.strftime("%Y-%m"))
        for index in range(3):
            series[index].append(counts[index])
    return {"months": months, "started": series[0], "completed": series[1], "effective": series[2],
            "targets": _timeline_targets(total)}


def _timeline_targets(total: int) -> list[dict]:
    return [
        {
            "month": target["date"].strftime("%Y-%m"),
            "label": target["label"],
            "started": round(total * target["started_rate"] / 100),
            "completed": round(total * target["completed_rate"] / 100),
        }
        for target in TARGETS
    ]


def _transitions(*, projects: QuerySet[Project], as_of: dt.date) -> list[tuple[dt.date, int, str]]:
    """(effective date, project id, new state) of every transition up to `as_of`, in order (1 query)."""
    events = AuditEvent.objects.filter(
        action=AuditAction.PROJECT_TRANSITION, effective_on__lte=as_of, project__in=projects.values("pk")
    ).order_by("effective_on", "occurred_at", "id")
    return list(events.values_list("effective_on", "project_id", "to_state"))


def _timeline(*, transitions: list[tuple[dt.date, int, str]], project_ids: set[int], as_of: dt.date) -> dict:
    """Started/completed counts at each month's end up to `as_of`, replayed from the transition log."""
    moves = [move for move in transitions if move[1] in project_ids]
    states: dict[int, str] = {}
    months, started, completed, effective = [], [], [], []
    counts = {"started": 0, "completed": 0, "effective": 0}

    def tally(state: str | None, sign: int) -> None:
        if state is None:
            return
        counts["started"] += sign * (state in STARTED)
        counts["completed"] += sign * (state in COMPLETED)
        counts["effective"] += sign * (state == EFFECTIVE)

    cursor = 0
    for month_end in _month_ends(TIMELINE_START, as_of):
        while cursor < len(moves) and moves[cursor][0] <= month_end:
            _on, pk, to_state = moves[cursor]
            tally(states.get(pk), -1)
            states[pk] = to_state
            tally(to_state, +1)
            cursor += 1
        months.append(month_end.strftime("%Y-%m"))
        started.append(counts["started"])
        completed.append(counts["completed"])
        effective.append(counts["effective"])
    return {"months": months, "started": started, "completed": completed, "effective": effective,
            "targets": _timeline_targets(len(project_ids))}


def _sections(*, as_of: dt.date, project_numbers: dict[int, int]) -> list[dict]:
    """Each monitoring section with its class for the month of `as_of` (or its latest before)."""
    month = as_of.replace(day=1)
    latest: dict[int, tuple[dt.date, int]] = {}
    for section_id, reading_month, water_class in SectionReading.objects.filter(month__lte=month).order_by(
        "section_id", "month"
    ).values_list("section_id", "month", "water_class"):
        latest[section_id] = (reading_month, water_class)
    linked: dict[int, list[int]] = defaultdict(list)
    for section_id, project_id in MonitoringSection.projects.through.objects.values_list(
        "monitoringsection_id", "project_id"
    ):
        if project_id in project_numbers:
            linked[section_id].append(project_numbers[project_id])
    sections = []
    for section in MonitoringSection.objects.select_related("unit").order_by("level", "code"):
        reading = latest.get(section.pk)
        water_class = reading[1] if reading else None
        sections.append(
            {
                "code": section.code,
                "name": section.name,
                "river": section.river,
                "level": section.get_level_display(),
                "unit": section.unit.name if section.unit_id else "",
                "lon": float(section.longitude),
                "lat": float(section.latitude),
                "target_class": section.target_class,
                "target_label": WaterClass(section.target_class).label,
                "water_class": water_class,
                "water_label": WaterClass(water_class).label if water_class else "无数据",
                "reading_month": reading[0].strftime("%Y-%m") if reading else "",
                "meets_target": water_class is not None and water_class <= section.target_class,
                "projects": sorted(linked.get(section.pk, [])),
            }
        )
    return sections


def _open_problems(*, projects: QuerySet[Project], as_of: dt.date) -> dict[str, int]:
    """Problems open on `as_of` by the escalation level they had then (2 queries).

    A problem's level on a date is the target of its last escalation (an audited event) on or
    before it, or 专班 when it had none yet.
    """
    open_ids = list(
        Problem.objects.filter(project__in=projects.values("pk"), raised_on__lte=as_of)
        .exclude(resolved_on__lte=as_of)
        .values_list("pk", flat=True)
    )
    levels = {pk: EscalationLevel.OFFICE.value for pk in open_ids}
    escalations = AuditEvent.objects.filter(
        action=AuditAction.PROBLEM_ESCALATE, object_type="problem", effective_on__lte=as_of,
        project__in=projects.values("pk"),
    ).order_by("effective_on", "occurred_at", "id")
    for object_id, to_state in escalations.values_list("object_id", "to_state"):
        if object_id.isdigit() and int(object_id) in levels:
            levels[int(object_id)] = to_state
    counts: dict[str, int] = defaultdict(int)
    for level in levels.values():
        counts[level] += 1
    return {level.label: counts.get(level.value, 0) for level in EscalationLevel}


def marker_dicts(data: dict) -> list[dict]:
    """The dashboard's marker rows as dicts (for readers other than the page's script)."""
    return [dict(zip(data["marker_columns"], row)) for row in data["markers"]]


@dataclass(frozen=True)
class DashboardPage:
    """The dashboard for one scope, date and filters: the headline and unit table the page shows,
    and the maps' data as the JSON the page's script fetches (serialised and gzipped once)."""

    headline: dict
    units: list[dict]
    json: bytes
    json_gzip: bytes
    etag: str
    content: str  # the page's content, rendered by the view's `render`

    @property
    def data(self) -> dict:
        """The maps' data as a dict again (for tests and other readers)."""
        return json.loads(self.json)


def dashboard_page(
    *, user, as_of: dt.date, filters: dict | None = None, render: Callable[[dict, list[dict]], str]
) -> DashboardPage:
    """The dashboard for a user, a date and filters, from the portfolio cache when it is current.

    Keyed by the user's project scope (the SQL of their visible, filtered projects: users with
    the same scope share entries), the state/light filters, the date and today (the page's
    date picker stops at today). `render(headline, units)` renders the page's content.
    """
    filters = dict(filters or {})
    scope = str(selectors.project_list(
        user=user, filters={k: v for k, v in filters.items() if k not in ("state", "light")}
    ).order_by().values("pk").query)
    parts = (
        "dashboard", scope, filters.get("state") or "", filters.get("light") or "", as_of, timezone.localdate()
    )

    def build() -> DashboardPage:
        data = dashboard_data(user=user, as_of=as_of, filters=filters)
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()
        return DashboardPage(
            headline=data["headline"], units=data["units"], json=text,
            # mtime=0: the same data gives the same bytes in every process.
            json_gzip=gzip.compress(text, compresslevel=6, mtime=0),
            # Weak: the gzipped and the plain response are the same data.
            etag='W/"' + hashlib.sha1(text).hexdigest() + '"',
            content=render(data["headline"], data["units"]),
        )

    return portfolio_cached(parts, build)


def dashboard_data(*, user, as_of: dt.date, filters: dict | None = None) -> dict:
    """Everything the dashboard draws, as JSON-ready data (a fixed number of queries, uncached)."""
    filters = dict(filters or {})
    state_filter = filters.pop("state", "") or ""
    light_filter = filters.pop("light", "") or ""
    # Only the projects in the portfolio on that date (a project added later is not in its past).
    projects = projects_listed_by(as_of=as_of, projects=selectors.project_list(user=user, filters=filters))
    current = current_fields_hold(as_of)
    rows = list(
        projects.order_by("map_number")
        # Coordinates as floats straight from the database: they only feed the map.
        .annotate(
            lon=Cast("longitude", FloatField()), lat=Cast("latitude", FloatField()),
            state_on=F("state") if current else state_on_expression(as_of),
        )
        .values_list(
            "pk", "map_number", "code", "name", "unit_id", "unit__name", "domain__name", "lon", "lat",
            "total_investment", "planned_start", "planned_completion", "actual_start",
            "state_on", "progress_percent", "completed_investment", "funds_in_place",
        )
    )
    states = {row[0]: row[13] for row in rows}
    if current:
        figures = {row[0]: ProjectFigures(row[14], row[15], row[16], None) for row in rows}
    else:
        figures = project_figures_as_of(as_of=as_of, projects=projects)

    markers = []
    kept_ids: set[int] = set()
    units: dict[int, dict] = {}
    for unit in AdministrativeUnit.objects.order_by("display_order", "id"):
        units[unit.pk] = {
            "name": unit.name, "code": unit.code, "kind": unit.kind,
            "lon": float(unit.label_longitude) if unit.label_longitude is not None else None,
            "lat": float(unit.label_latitude) if unit.label_latitude is not None else None,
            "projects": 0, "started": 0, "completed": 0, "investment": Decimal("0"),
        }
    total = {"projects": 0, "started": 0, "completed": 0, "effective": 0,
             "total_investment": Decimal("0"), "completed_investment": Decimal("0"), "funds_in_place": Decimal("0")}
    by_state = {state.value: 0 for state in ProjectState}
    lights = lights_as_of(
        on_date=as_of, projects=projects, figures=figures, states=states,
        plans=[(row[0], row[10], row[11], row[12]) for row in rows],
    )
    for pk, number, code, name, unit_id, unit_name, domain_name, lon, lat, investment, *_rest in rows:
        project_light = lights.get(pk)
        state = project_light.state if project_light else ProjectState.PREPARATION.value
        if state_filter and state != state_filter:
            continue
        if light_filter and not (project_light and _matches_light(project_light, light_filter)):
            continue
        kept_ids.add(pk)
        figure = figures.get(pk, ZERO_FIGURES)
        total["projects"] += 1
        total["started"] += state in STARTED
        total["completed"] += state in COMPLETED
        total["effective"] += state == EFFECTIVE
        total["total_investment"] += investment
        total["completed_investment"] += figure.completed_investment
        total["funds_in_place"] += figure.funds_in_place
        by_state[state] += 1
        unit = units[unit_id]
        unit["projects"] += 1
        unit["started"] += state in STARTED
        unit["completed"] += state in COMPLETED
        unit["investment"] += investment
        markers.append(
            [
                pk, number, code, name, unit_name, domain_name,
                lon, lat,
                state, str(figure.progress_percent),
                project_light.start if project_light else None,
                project_light.progress if project_light else None,
            ]
        )
    unit_rows = [
        {**unit, "investment": str(unit["investment"]),
         "started_rate": _rate(unit["started"], unit["projects"]),
         "completed_rate": _rate(unit["completed"], unit["projects"])}
        for unit in units.values()
    ]
    headline = {
        "projects": total["projects"],
        "started": total["started"],
        "completed": total["completed"],
        "effective": total["effective"],
        "started_rate": _rate(total["started"], total["projects"]),
        "completed_rate": _rate(total["completed"], total["projects"]),
        "effective_rate": _rate(total["effective"], total["projects"]),
        "total_investment": str(total["total_investment"]),
        "completed_investment": str(total["completed_investment"]),
        "funds_in_place": str(total["funds_in_place"]),
        "investment_rate": _rate(total["completed_investment"], total["total_investment"]),
        "funds_rate": _rate(total["funds_in_place"], total["total_investment"]),
        "by_state": {ProjectState(state).label: count for state, count in by_state.items()},
        "targets": [
            {**target, "date": target["date"].isoformat(), "due": as_of <= target["date"]} for target in TARGETS
        ],
        "problems": _open_problems(projects=projects, as_of=as_of),
    }
    number_by_id = {marker[0]: marker[1] for marker in markers}
    return {
        "as_of": as_of.isoformat(),
        "headline": headline,
        # Rows of MARKER_COLUMNS rather than objects: at 10,000 projects it keeps the page small.
        "marker_columns": MARKER_COLUMNS,
        "markers": markers,
        "units": unit_rows,
        "sections": _sections(as_of=as_of, project_numbers=number_by_id),
        "timeline": (
            # Filtered by state or light, the kept projects are known only here: replay their moves.
            _timeline(
                transitions=_transitions(projects=projects, as_of=as_of), project_ids=kept_ids, as_of=as_of
            )
            if state_filter or light_filter
            else _timeline_counted(projects=projects, as_of=as_of, total=len(kept_ids))
        ),
        "state_styles": {
            state.value: {"label": state.label, "colour": STATE_COLOURS[state.value], "symbol": STATE_SYMBOLS[state.value]}
            for state in ProjectState
        },
    }
