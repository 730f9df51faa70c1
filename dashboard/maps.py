"""The dashboard's maps and charts besides the markers: the timeline of started/completed/effective
counts against the province's targets, the monitoring sections' water class, the open problems by
escalation level — each for the projects the page's filters keep, as of a date.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TypedDict

from django.db import connection
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lag

from tracker.choices import (
    COMPLETED_STATES,
    STARTED_STATES,
    AuditAction,
    EscalationLevel,
    ProjectState,
    WaterClass,
)
from tracker.models import AuditEvent, MonitoringSection, Problem, Project, SectionReading


class CampaignTarget(TypedDict):
    date: dt.date
    label: str
    started_rate: int
    completed_rate: int
    effective_rate: int


# The province's targets (DOMAIN: the campaign): all started and half completed by the end of
# 2024; all completed and effective by the end of October 2025.
TARGETS: tuple[CampaignTarget, ...] = (
    {"date": dt.date(2024, 12, 31), "label": "2024年底", "started_rate": 100, "completed_rate": 50,
     "effective_rate": 0},
    {"date": dt.date(2025, 10, 31), "label": "2025年10月底", "started_rate": 100, "completed_rate": 100,
     "effective_rate": 100},
)
TIMELINE_START = dt.date(2023, 6, 1)

# Plain-string sets: membership tests run once per project per month in the timeline.
STARTED = frozenset(state.value for state in STARTED_STATES)
COMPLETED = frozenset(state.value for state in COMPLETED_STATES)
EFFECTIVE = ProjectState.EFFECTIVE.value


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    ends = []
    month = start.replace(day=1)
    while month <= end:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        ends.append(min(following - dt.timedelta(days=1), end))
        month = following
    return ends


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
    months: list[str] = []
    series: tuple[list[int], list[int], list[int]] = ([], [], [])
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
    for section_id, reading_month, reading_class in SectionReading.objects.filter(month__lte=month).order_by(
        "section_id", "month"
    ).values_list("section_id", "month", "water_class"):
        latest[section_id] = (reading_month, reading_class)
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


def _open_problems(*, projects: QuerySet[Project], as_of: dt.date, kept_ids: set[int] | None = None
                   ) -> dict[str, int]:
    """Problems open on `as_of` by the escalation level they had then (2 queries), of the projects
    the page shows: `kept_ids` narrows `projects` to those the state and light filters keep
    (侯马 + 红灯 is one project, its problems only).

    A problem's level on a date is the target of its last escalation (an audited event) on or
    before it, or 专班 when it had none yet.
    """
    problems = Problem.objects.filter(project__in=projects.values("pk"), raised_on__lte=as_of)
    if kept_ids is not None:
        problems = problems.filter(project_id__in=kept_ids)
    open_ids = list(problems.exclude(resolved_on__lte=as_of).values_list("pk", flat=True))
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


