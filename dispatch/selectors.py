"""Reads for the calendar: the thresholds page, lights, scan facts — set-based, a fixed number of queries.

Everything is computed "as of" the scan date (state from the transition log, figures from the
last weekly report on or before it), so `run_cycle` over past dates sees the portfolio as the
office saw it then.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from core import workdays
from dispatch.models import Job, Rule, RuleFiring
from dispatch.rules import ProjectFacts, UnitMonthActivity
from offices.keys import THRESHOLD_DEFAULTS, SettingGroup, ThresholdKey
from offices.selectors import office_settings
from tracker.choices import (
    ACTIVE_STATES,
    AuditAction,
    ProblemStatus,
    ProcedureKind,
    ProcedureStatus,
    ProjectState,
)
from tracker.lights import lights_compute
from tracker.models import AuditEvent, Problem, Procedure, Project, WeeklyReport
from tracker.portfolio import project_states_as_of, projects_listed_by


def _projects(projects: QuerySet[Project] | None, on_date: dt.date) -> QuerySet[Project]:
    """The projects in the portfolio on the date (of `projects`, default all)."""
    return projects_listed_by(as_of=on_date, projects=projects)


def recent_progress(
    *, on_date: dt.date, count: int, projects: QuerySet[Project] | None = None
) -> dict[int, tuple[Decimal, ...]]:
    """{project id: progress of its last `count` weekly reports on or before the date, latest first}."""
    reports = WeeklyReport.objects.filter(week_start__lte=on_date)
    if projects is not None:
        reports = reports.filter(project__in=projects.values("pk"))
    ranked = reports.annotate(
        rank=Window(RowNumber(), partition_by=[F("project_id")], order_by=F("week_start").desc())
    ).filter(rank__lte=count)
    result: dict[int, list[Decimal]] = defaultdict(list)
    for project_id, progress, _rank in ranked.values_list("project_id", "progress_percent", "rank").order_by(
        "project_id", "rank"
    ):
        result[project_id].append(progress)
    return {pk: tuple(values) for pk, values in result.items()}


def pending_procedures(
    *, on_date: dt.date, projects: QuerySet[Project] | None = None
) -> dict[int, tuple[str, ...]]:
    """{project id: labels of its procedures not settled (办结/无需办理) by the date}."""
    rows = Procedure.objects.exclude(status=ProcedureStatus.NOT_REQUIRED).exclude(
        status=ProcedureStatus.DONE, completed_on__lte=on_date
    )
    if projects is not None:
        rows = rows.filter(project__in=projects.values("pk"))
    labels = dict(ProcedureKind.choices)
    result: dict[int, list[str]] = defaultdict(list)
    for project_id, kind in rows.order_by("project_id", "kind").values_list("project_id", "kind"):
        result[project_id].append(labels.get(kind, kind))
    return {pk: tuple(values) for pk, values in result.items()}


_PROJECT_FIELDS = (
    "id",
    "code",
    "name",
    "unit_id",
    "unit__name",
    "lead_department_id",
    "lead_department__name",
    "domain_id",
    "planned_start",
    "planned_completion",
    "actual_start",
)


def scan_facts(
    *,
    on_date: dt.date,
    projects: QuerySet[Project] | None = None,
    thresholds: dict[str, Decimal] | None = None,
) -> list[ProjectFacts]:
    """Every project's facts on the date (5 queries whatever the number of projects)."""
    thresholds = thresholds or office_settings(group=SettingGroup.THRESHOLDS)
    report_count = int(thresholds["r3_report_count"])
    states = project_states_as_of(as_of=on_date, projects=projects)
    recent = recent_progress(on_date=on_date, count=report_count, projects=projects)
    pending = pending_procedures(on_date=on_date, projects=projects)
    facts = []
    for row in _projects(projects, on_date).order_by("map_number").values_list(*_PROJECT_FIELDS):
        pk, code, name, unit_id, unit_name, dept_id, dept_name, domain_id, p_start, p_done, a_start = row
        state = states.get(pk, ProjectState.PREPARATION.value)
        progress_values = recent.get(pk, ())
        progress = progress_values[0] if progress_values else Decimal("0")
        lights = lights_compute(
            state=state,
            planned_start=p_start,
            planned_completion=p_done,
            actual_start=a_start,
            progress=progress,
            on_date=on_date,
            thresholds=thresholds,
        )
        facts.append(
            ProjectFacts(
                id=pk,
                code=code,
                name=name,
                unit_id=unit_id,
                unit_name=unit_name,
                department_id=dept_id,
                department_name=dept_name,
                domain_id=domain_id,
                state=state,
                planned_start=p_start,
                planned_completion=p_done,
                actual_start=a_start,
                progress=progress,
                recent_progress=progress_values,
                pending_procedures=pending.get(pk, ()),
                lights=lights,
            )
        )
    return facts


def unit_month_activity(*, month: dt.date) -> list[UnitMonthActivity]:
    """For each unit: its projects active at the month's start, their best progress rise over the
    month and the state changes effective in it (R5)."""
    first = month.replace(day=1)
    before = first - dt.timedelta(days=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    states_before = project_states_as_of(as_of=before)
    progress_before = recent_progress(on_date=before, count=1)
    progress_after = recent_progress(on_date=last, count=1)
    moved: defaultdict[int | None, int] = defaultdict(int)
    for unit_id in AuditEvent.objects.filter(
        action=AuditAction.PROJECT_TRANSITION, effective_on__gte=first, effective_on__lte=last
    ).values_list("project__unit_id", flat=True):
        moved[unit_id] += 1
    per_unit: dict[int, dict] = {}
    for pk, unit_id, unit_name in Project.objects.values_list("id", "unit_id", "unit__name").order_by(
        "unit__display_order", "unit_id"
    ):
        entry = per_unit.setdefault(unit_id, {"name": unit_name, "active": 0, "best": None})
        state = states_before.get(pk, ProjectState.PREPARATION.value)
        if state not in ACTIVE_STATES:
            continue
        entry["active"] += 1
        start = (progress_before.get(pk) or (Decimal("0"),))[0]
        end = (progress_after.get(pk) or (start,))[0]
        advance = end - start
        entry["best"] = advance if entry["best"] is None else max(entry["best"], advance)
    return [
        UnitMonthActivity(
            unit_id=unit_id,
            unit_name=entry["name"],
            active_projects=entry["active"],
            best_advance=entry["best"] if entry["best"] is not None else Decimal("0"),
            transitions=moved.get(unit_id, 0),
        )
        for unit_id, entry in per_unit.items()
    ]


def overdue_problems(*, on_date: dt.date, working_days: int) -> list[Problem]:
    """Open problems that have sat at 专班 or 市政府 level for `working_days` working days or more."""
    candidates = Problem.objects.filter(
        status=ProblemStatus.OPEN,
        raised_on__lte=on_date,
        level_since__lte=on_date,
        level__in=["office", "city"],
    ).select_related("project__unit")
    return [p for p in candidates if workdays.working_days_after(p.level_since, on_date) >= working_days]


def supervision_firings_in(*, start: dt.date, end: dt.date) -> QuerySet[RuleFiring]:
    return RuleFiring.objects.filter(rule=Rule.R3_SUPERVISION, fired_on__gte=start, fired_on__lte=end)


def missing_reports(*, week_start: dt.date, on_date: dt.date) -> dict[int, list[tuple[int, str, str, str]]]:
    """{unit id: [(project id, code, name, unit name)]} of projects active on the date that have no
    weekly report for the week (3 queries)."""
    states = project_states_as_of(as_of=on_date)
    reported = set(WeeklyReport.objects.filter(week_start=week_start).values_list("project_id", flat=True))
    result: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
    for pk, code, name, unit_id, unit_name in Project.objects.order_by("map_number").values_list(
        "id", "code", "name", "unit_id", "unit__name"
    ):
        if pk in reported or states.get(pk, ProjectState.PREPARATION.value) not in ACTIVE_STATES:
            continue
        result[unit_id].append((pk, code, name, unit_name))
    return result


JOB_LABELS = dict(Job.choices)


@dataclass(frozen=True)
class ThresholdRow:
    key: str
    label: str
    default: Decimal
    value: Decimal
    last_change: AuditEvent | None

    @property
    def default_text(self) -> str:
        return f"{self.default.normalize():f}"

    @property
    def value_text(self) -> str:
        return f"{self.value.normalize():f}"


def threshold_rows() -> list[ThresholdRow]:
    """Every threshold with its default, its current value and its last audited change (two queries)."""
    current = office_settings(group=SettingGroup.THRESHOLDS)
    last: dict[str, AuditEvent] = {}
    for event in AuditEvent.objects.filter(action=AuditAction.THRESHOLD_CHANGE).order_by("occurred_at", "id"):
        last[event.object_id] = event
    return [
        ThresholdRow(key=key, label=label, default=THRESHOLD_DEFAULTS[key], value=current[key],
                     last_change=last.get(key))
        for key, label in ThresholdKey.choices
    ]
