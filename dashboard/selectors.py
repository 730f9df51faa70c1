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
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, FloatField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from dashboard.cache import portfolio_cached
from dashboard.figures import money_text, units_ranked, yi_text
from dashboard.maps import (
    TARGETS,
    _open_problems,
    _sections,
    _timeline,
    _timeline_counted,
    _transitions,
)
from offices.keys import SettingGroup
from offices.selectors import office_settings
from tracker import selectors
from tracker.choices import COMPLETED_STATES, STARTED_STATES, ProjectState
from tracker.lights import LIGHT_LABELS, Lights
from tracker.models import AdministrativeUnit, Project
from tracker.portfolio import (
    ZERO_FIGURES,
    ProjectFigures,
    current_fields_hold,
    project_figures_as_of,
    project_lights_as_of,
    projects_listed_by,
    state_on_expression,
)

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


def lights_as_of(*, on_date: dt.date, projects: QuerySet[Project], **parts) -> dict[int, Lights]:
    """The lights on a date with the office's current thresholds (tracker.portfolio, the one
    definition the letters use too)."""
    thresholds = office_settings(group=SettingGroup.THRESHOLDS)
    return project_lights_as_of(as_of=on_date, projects=projects, thresholds=thresholds, **parts)


def _ledger_lights(*, projects: QuerySet[Project], on_date: dt.date) -> dict[int, tuple[str, str | None]]:
    """{project id: (start light, progress light)} of every listed project, cached per data version."""

    def build() -> dict[int, tuple[str, str | None]]:
        lights = lights_as_of(on_date=on_date, projects=projects)
        return {pk: (light.start, light.progress) for pk, light in lights.items()}

    return portfolio_cached(("ledger-lights", str(projects.order_by().values("pk").query), on_date), build)


def ledger_page(
    *, projects: QuerySet[Project], on_date: dt.date, order: str, light: str = "", page: int = 1,
    per_page: int = 50
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


def marker_dicts(data: dict) -> list[dict]:
    """The dashboard's marker rows as dicts (for readers other than the page's script)."""
    return [dict(zip(data["marker_columns"], row, strict=True)) for row in data["markers"]]


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
        "dashboard", scope, filters.get("state") or "", filters.get("light") or "", as_of,
        timezone.localdate()
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
    total: dict[str, Any] = {
        "projects": 0, "started": 0, "completed": 0, "effective": 0, "total_investment": Decimal("0"),
        "completed_investment": Decimal("0"), "funds_in_place": Decimal("0"),
    }
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
        unit_row = units[unit_id]
        unit_row["projects"] += 1
        unit_row["started"] += state in STARTED
        unit_row["completed"] += state in COMPLETED
        unit_row["investment"] += investment
        markers.append(
            [
                pk, number, code, name, unit_name, domain_name,
                lon, lat,
                state, str(figure.progress_percent),
                project_light.start if project_light else None,
                project_light.progress if project_light else None,
            ]
        )
    unit_rows = units_ranked([
        {**unit, "investment": str(unit["investment"]), "investment_yi": yi_text(unit["investment"]),
         "started_rate": _rate(unit["started"], unit["projects"]),
         "completed_rate": _rate(unit["completed"], unit["projects"])}
        for unit in units.values()
    ])
    problems = _open_problems(projects=projects, as_of=as_of, kept_ids=kept_ids)
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
        # The same sums as a wall chart reads them (亿元 where large).
        "total_investment_text": money_text(total["total_investment"]),
        "completed_investment_text": money_text(total["completed_investment"]),
        "funds_in_place_text": money_text(total["funds_in_place"]),
        "investment_rate": _rate(total["completed_investment"], total["total_investment"]),
        "funds_rate": _rate(total["funds_in_place"], total["total_investment"]),
        "by_state": {ProjectState(state).label: count for state, count in by_state.items()},
        "targets": [
            {**target, "date": target["date"].isoformat(), "due": as_of <= target["date"]}
            for target in TARGETS
        ],
        "problems": problems,
        "problems_total": sum(problems.values()),
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
            state.value: {"label": state.label, "colour": STATE_COLOURS[state.value],
                          "symbol": STATE_SYMBOLS[state.value]}
            for state in ProjectState
        },
    }
