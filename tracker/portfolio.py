"""The portfolio as it stood on a date — computed here, once, for every reader.

The dashboard and the ledger pages, the `portfolio` command, the ledger exports, the monthly
circular's composer and the calendar's rules all ask "what was true on that date?", and all
of them ask this module, so that they cannot disagree:

- which projects existed: those listed (纳入) on or before the date (`Project.listed_on`); a
  project added to the ledger today is absent from every earlier date, with its investment;
- a project's state: the target state of its last transition effective on or before the date
  (the transition rows of the audit log), else 前期;
- its figures (progress, investment, funds): those of its last weekly report on or before the
  date, else zero;
- its lights: tracker.lights on that state and progress, with the office's thresholds;
- the tallies per unit, per domain and in total, and how groups rank (ties share a rank).

Everything is set-based: a fixed number of queries whatever the number of projects. The
thresholds are the office's (offices.selectors.office_settings) and are passed in by the caller, so
that this module stays in the domain that every app may import.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from tracker.choices import COMPLETED_STATES, STARTED_STATES, AuditAction, ProjectState

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison
from tracker.lights import Lights, lights_compute
from tracker.models import AdministrativeUnit, AuditEvent, Domain, Project, WeeklyReport

PREPARATION = ProjectState.PREPARATION.value


def projects_listed_by(*, as_of: dt.date, projects: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """The projects (of `projects`, default all) that were in the portfolio at the end of `as_of`."""
    projects = Project.objects.all() if projects is None else projects
    return projects.filter(listed_on__lte=as_of)


def state_on_expression(as_of: dt.date) -> Coalesce:
    """A project's state at the end of `as_of`, as an annotation: its last transition's target,
    else 前期 (a subquery per project on the (project, action, effective_on) index)."""
    last = AuditEvent.objects.filter(
        project_id=OuterRef("pk"), action=AuditAction.PROJECT_TRANSITION, effective_on__lte=as_of
    ).order_by("-effective_on", "-occurred_at", "-id").values("to_state")[:1]
    return Coalesce(Subquery(last), Value(PREPARATION))


def project_states_as_of(*, as_of: dt.date, projects: QuerySet[Project] | None = None) -> dict[int, str]:
    """{project id: state at the end of `as_of`} for every project listed by then (one query)."""
    listed = projects_listed_by(as_of=as_of, projects=projects)
    return dict(listed.order_by().annotate(state_on=state_on_expression(as_of)).values_list("pk", "state_on"))


@dataclass(frozen=True)
class ProjectFigures:
    progress_percent: Decimal
    completed_investment: Decimal
    funds_in_place: Decimal
    week_start: dt.date | None


ZERO_FIGURES = ProjectFigures(Decimal("0"), Decimal("0"), Decimal("0"), None)


def project_figures_as_of(
    *, as_of: dt.date, projects: QuerySet[Project] | None = None
) -> dict[int, ProjectFigures]:
    """{project id: figures of its last weekly report on or before `as_of`} (one query).

    Each project's latest report is found by an index seek on (project, week_start) — the unique
    constraint's index — rather than by ranking every report with a window function: at 10,000
    projects and half a million reports, one short seek per project instead of a sort of every
    report up to the date (~20× faster on SQLite). Projects not listed by then have none.
    """
    listed = projects_listed_by(as_of=as_of, projects=projects)
    newest = (
        WeeklyReport.objects.filter(project_id=OuterRef("pk"), week_start__lte=as_of).order_by("-week_start")
    )
    latest = WeeklyReport.objects.filter(
        pk__in=listed.order_by().annotate(latest=Subquery(newest.values("pk")[:1])).values("latest")
    )
    return {
        project_id: ProjectFigures(progress, completed, funds, week)
        for project_id, progress, completed, funds, week in latest.values_list(
            "project_id", "progress_percent", "completed_investment", "funds_in_place", "week_start"
        )
    }


def current_fields_hold(as_of: dt.date) -> bool:
    """Whether every project's current fields are its figures and state as of `as_of` (3 queries).

    tracker.services keeps Project.state and the figures of its latest weekly report on the project
    row, in the transaction that changes them. Those are the as-of-date answer as long as nothing
    is dated after `as_of`: no weekly report of a later week, no transition effective later, no
    project listed later. That is the case for today's pages (the common case), which then read
    one row per project instead of replaying the log.
    """
    return not (
        WeeklyReport.objects.filter(week_start__gt=as_of).exists()
        or AuditEvent.objects.filter(action=AuditAction.PROJECT_TRANSITION, effective_on__gt=as_of).exists()
        or Project.objects.filter(listed_on__gt=as_of).exists()
    )


def project_lights_as_of(
    *,
    as_of: dt.date,
    projects: QuerySet[Project],
    thresholds: Mapping[str, Decimal],
    states: Mapping[int, str] | None = None,
    figures: Mapping[int, ProjectFigures] | None = None,
    plans: Iterable[tuple[int, dt.date, dt.date, dt.date | None]] | None = None,
) -> dict[int, Lights]:
    """{project id: its start and progress lights on `as_of`} for the projects listed by then.

    4 queries, fewer when the caller already has the states, figures or plans
    ((pk, planned start, planned completion, actual start) rows); on a date after everything
    recorded (today), from the projects' current fields (see current_fields_hold).
    """
    if states is None and figures is None and plans is None and current_fields_hold(as_of):
        current = projects.order_by().values_list(
            "pk", "planned_start", "planned_completion", "actual_start", "state", "progress_percent"
        )
        return {
            pk: lights_compute(
                state=state, planned_start=planned_start, planned_completion=planned_completion,
                actual_start=actual_start, progress=progress, on_date=as_of, thresholds=thresholds,
            )
            for pk, planned_start, planned_completion, actual_start, state, progress in current
        }
    if states is None:
        states = project_states_as_of(as_of=as_of, projects=projects)
    if figures is None:
        figures = project_figures_as_of(as_of=as_of, projects=projects)
    if plans is None:
        plans = projects.order_by().values_list("pk", "planned_start", "planned_completion", "actual_start")
    lights = {}
    for pk, planned_start, planned_completion, actual_start in plans:
        if pk not in states:  # not listed yet on that date
            continue
        figure = figures.get(pk)
        lights[pk] = lights_compute(
            state=states[pk],
            planned_start=planned_start,
            planned_completion=planned_completion,
            actual_start=actual_start,
            progress=figure.progress_percent if figure else Decimal("0"),
            on_date=as_of,
            thresholds=thresholds,
        )
    return lights


def share_percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """`part` of `whole` in percent, two places (0 when there is no whole)."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


@dataclass
class GroupTally:
    """Counts and money of one group of projects (a unit, a domain, or the whole portfolio)."""

    name: str
    projects: int = 0
    started: int = 0
    completed: int = 0
    effective: int = 0
    total_investment: Decimal = Decimal("0")
    completed_investment: Decimal = Decimal("0")
    funds_in_place: Decimal = Decimal("0")
    by_state: dict[str, int] = field(default_factory=dict)

    def add(self, state: str, total: Decimal, figures: ProjectFigures) -> None:
        self.projects += 1
        label = ProjectState(state).label
        self.by_state[label] = self.by_state.get(label, 0) + 1
        self.started += state in STARTED_STATES
        self.completed += state in COMPLETED_STATES
        self.effective += state == ProjectState.EFFECTIVE
        self.total_investment += total
        self.completed_investment += figures.completed_investment
        self.funds_in_place += figures.funds_in_place


    @property
    def started_rate(self) -> Decimal:
        return share_percent(self.started, self.projects)

    @property
    def completed_rate(self) -> Decimal:
        return share_percent(self.completed, self.projects)

    @property
    def effective_rate(self) -> Decimal:
        return share_percent(self.effective, self.projects)

    @property
    def investment_rate(self) -> Decimal:
        return share_percent(self.completed_investment, self.total_investment)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "projects": self.projects,
            "started": self.started,
            "completed": self.completed,
            "effective": self.effective,
            "started_rate": str(self.started_rate),
            "completed_rate": str(self.completed_rate),
            "investment_rate": str(self.investment_rate),
            "total_investment_wan": str(self.total_investment),
            "completed_investment_wan": str(self.completed_investment),
            "funds_in_place_wan": str(self.funds_in_place),
            "by_state": self.by_state,
        }


@dataclass
class PortfolioSnapshot:
    """The portfolio on one date: totals, and the same tallies per unit and per domain."""

    as_of: dt.date
    total: GroupTally
    units: list[GroupTally]
    domains: list[GroupTally]
    states: dict[int, str]
    figures: dict[int, ProjectFigures]

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "projects": self.total.projects,
            "units": len([u for u in self.units if u.projects]),
            "total_investment_wan": str(self.total.total_investment),
            "started": self.total.started,
            "completed": self.total.completed,
            "effective": self.total.effective,
            "started_rate": str(self.total.started_rate),
            "completed_rate": str(self.total.completed_rate),
            "investment_rate": str(self.total.investment_rate),
            "completed_investment_wan": str(self.total.completed_investment),
            "funds_in_place_wan": str(self.total.funds_in_place),
            "by_state": {label: self.total.by_state.get(label, 0) for label in ProjectState.labels},
            "by_domain": {d.name: d.projects for d in self.domains},
            "by_unit": {u.name: u.projects for u in self.units},
            "domains": [d.as_dict() for d in self.domains],
            "unit_details": [u.as_dict() for u in self.units],
        }


def portfolio_as_of(*, as_of: dt.date, projects: QuerySet[Project] | None = None) -> PortfolioSnapshot:
    """The portfolio as it stood at the end of `as_of` (a fixed number of queries)."""
    listed = projects_listed_by(as_of=as_of, projects=projects)
    rows = list(
        listed.order_by().annotate(state_on=state_on_expression(as_of))
        .values_list("pk", "unit_id", "domain_id", "total_investment", "state_on")
    )
    figures = project_figures_as_of(as_of=as_of, projects=listed)
    units = {u.pk: GroupTally(u.name) for u in AdministrativeUnit.objects.order_by("display_order", "id")}
    domains = {d.pk: GroupTally(d.name) for d in Domain.objects.order_by("display_order", "id")}
    total = GroupTally("合计")
    for pk, unit_id, domain_id, investment, state in rows:
        figure = figures.get(pk, ZERO_FIGURES)
        for tally in (total, units[unit_id], domains[domain_id]):
            tally.add(state, investment, figure)
    return PortfolioSnapshot(
        as_of=as_of,
        total=total,
        units=list(units.values()),
        domains=list(domains.values()),
        states={row[0]: row[4] for row in rows},
        figures=figures,
    )


RankedKey = TypeVar("RankedKey", bound=Hashable)


def shared_ranks(
    values: Iterable[tuple[RankedKey, SupportsRichComparison]],
) -> dict[RankedKey, tuple[int, bool]]:
    """{key: (rank, tied)}, best (highest value) first. Equal values share a rank and the next
    rank is skipped (competition ranking: 1, 1, 3): a tie is never broken by a name. Values are
    anything ordered (a rate, or a tuple of rates ranked in turn)."""
    ordered = sorted(values, key=lambda pair: pair[1], reverse=True)
    counts: dict = {}
    for _, value in ordered:
        counts[value] = counts.get(value, 0) + 1
    ranks: dict[RankedKey, tuple[int, bool]] = {}
    rank = 0
    for position, (key, value) in enumerate(ordered, start=1):
        if position == 1 or value != ordered[position - 2][1]:
            rank = position
        ranks[key] = (rank, counts[value] > 1)
    return ranks


# The indicators a period is ranked by, in the campaign's order (DOMAIN: The life cycle): while
# projects are still to start, the start rate decides; once all have started, the completion
# rate; once all are complete, the rate of projects in effect (达效).
INDICATORS = (("started", "开工率"), ("completed", "完工率"), ("effective", "达效率"))


def tally_rate(tally: GroupTally, indicator: str) -> Decimal:
    """The share of a group's projects counted by `indicator` (started, completed, effective), in %."""
    return share_percent(getattr(tally, indicator), tally.projects)


def decisive_indicator(total: GroupTally, groups: list[GroupTally]) -> tuple[str, str] | None:
    """The indicator the period is ranked by: the first of 开工率, 完工率, 达效率 the portfolio has
    not yet reached 100% on and on which the groups differ. None when nothing tells them apart."""
    groups = [g for g in groups if g.projects]
    for indicator, label in INDICATORS:
        if getattr(total, indicator) >= total.projects:
            continue
        if len({tally_rate(g, indicator) for g in groups}) > 1:
            return indicator, label
    return None
