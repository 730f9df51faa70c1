"""Reads of the portfolio, including the portfolio as it stood on any past date.

The as-of-date state of a project is the target state of its last transition whose effective
date is on or before that date (AuditEvent rows, written with every transition); a project
with none was in 前期. The as-of-date figures (progress, investment, funds) are those of its
last weekly report on or before that date. Both are set-based: a fixed number of queries
whatever the number of projects.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from tracker import permissions
from tracker.models import (
    COMPLETED_STATES,
    STARTED_STATES,
    AdministrativeUnit,
    AuditAction,
    AuditEvent,
    Domain,
    Project,
    ProjectState,
    Role,
    RollbackRequest,
    RollbackStatus,
    StaffProfile,
    WeeklyReport,
)


def project_states_as_of(*, as_of: dt.date, project_ids: list[int] | None = None) -> dict[int, str]:
    """{project id: state on `as_of`} for every project (or the given ones)."""
    projects = Project.objects.all()
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    states = {pk: ProjectState.PREPARATION.value for pk in projects.values_list("pk", flat=True)}
    events = AuditEvent.objects.filter(action=AuditAction.PROJECT_TRANSITION, effective_on__lte=as_of)
    if project_ids is not None:
        events = events.filter(project_id__in=project_ids)
    # Ordered so that the last row per project is its latest transition; later rows overwrite.
    for project_id, to_state in events.order_by("project_id", "effective_on", "occurred_at", "id").values_list(
        "project_id", "to_state"
    ):
        if project_id in states:
            states[project_id] = to_state
    return states


@dataclass(frozen=True)
class ProjectFigures:
    progress_percent: Decimal
    completed_investment: Decimal
    funds_in_place: Decimal
    week_start: dt.date | None


ZERO_FIGURES = ProjectFigures(Decimal("0"), Decimal("0"), Decimal("0"), None)


def project_figures_as_of(*, as_of: dt.date, project_ids: list[int] | None = None) -> dict[int, ProjectFigures]:
    """{project id: figures of its last weekly report on or before `as_of`} (one query).

    Each project's latest report is found by an index seek on (project, week_start) — the
    unique constraint's index — rather than by ranking every report with a window function:
    at 10,000 projects and a million reports, one short seek per project instead of a sort
    of every report up to the date.
    """
    projects = Project.objects.all() if project_ids is None else Project.objects.filter(pk__in=project_ids)
    newest = WeeklyReport.objects.filter(
        project_id=OuterRef("pk"), week_start__lte=as_of
    ).order_by("-week_start")
    latest = WeeklyReport.objects.filter(
        pk__in=projects.order_by().annotate(latest=Subquery(newest.values("pk")[:1])).values("latest")
    )
    return {
        row["project_id"]: ProjectFigures(
            row["progress_percent"], row["completed_investment"], row["funds_in_place"], row["week_start"]
        )
        for row in latest.values(
            "project_id", "progress_percent", "completed_investment", "funds_in_place", "week_start"
        )
    }


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

    @staticmethod
    def _rate(part: int | Decimal, whole: int | Decimal) -> Decimal:
        if not whole:
            return Decimal("0.00")
        return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))

    @property
    def started_rate(self) -> Decimal:
        return self._rate(self.started, self.projects)

    @property
    def completed_rate(self) -> Decimal:
        return self._rate(self.completed, self.projects)

    @property
    def investment_rate(self) -> Decimal:
        return self._rate(self.completed_investment, self.total_investment)

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
    scoped = projects is not None
    projects = projects if scoped else Project.objects.all()
    rows = list(projects.values_list("pk", "unit_id", "domain_id", "total_investment"))
    ids = [row[0] for row in rows]
    states = project_states_as_of(as_of=as_of, project_ids=ids if scoped else None)
    figures = project_figures_as_of(as_of=as_of, project_ids=ids if scoped else None)
    units = {u.pk: GroupTally(u.name) for u in AdministrativeUnit.objects.all()}
    domains = {d.pk: GroupTally(d.name) for d in Domain.objects.all()}
    total = GroupTally("合计")
    for pk, unit_id, domain_id, investment in rows:
        state = states.get(pk, ProjectState.PREPARATION)
        figure = figures.get(pk, ZERO_FIGURES)
        for tally in (total, units[unit_id], domains[domain_id]):
            tally.add(state, investment, figure)
    return PortfolioSnapshot(
        as_of=as_of,
        total=total,
        units=list(units.values()),
        domains=list(domains.values()),
        states={pk: states.get(pk, ProjectState.PREPARATION) for pk in ids},
        figures=figures,
    )


def project_list(*, user, filters: dict | None = None) -> QuerySet[Project]:
    """The projects a user may see, with the usual filters (unit, domain, state, year, q)."""
    queryset = permissions.visible_projects(user).select_related("unit", "domain", "lead_department", "basin")
    filters = filters or {}
    if filters.get("unit"):
        queryset = queryset.filter(unit__code=filters["unit"])
    if filters.get("domain"):
        queryset = queryset.filter(domain__code=filters["domain"])
    if filters.get("state"):
        queryset = queryset.filter(state=filters["state"])
    if filters.get("year"):
        # A year mistyped in the address bar (?year=abc, ?year=99999999999) is no filter at all.
        year = str(filters["year"]).strip()
        if year.isascii() and year.isdigit() and len(year) <= 4:
            queryset = queryset.filter(target_year=int(year))
    if filters.get("q"):
        term = filters["q"].strip()
        queryset = queryset.filter(Q(code__icontains=term) | Q(name__icontains=term))
    return queryset


def project_get(*, user, project_id: int) -> Project:
    """One project, or 404 when it does not exist and PermissionDenied when it is not the user's."""
    project = get_object_or_404(Project.objects.select_related("unit", "domain", "lead_department"), pk=project_id)
    permissions.require(permissions.can_view_project(user, project), "您无权查看该项目")
    return project


def total_investment(queryset: QuerySet[Project] | None = None) -> Decimal:
    queryset = queryset if queryset is not None else Project.objects.all()
    return queryset.aggregate(total=Sum("total_investment"))["total"] or Decimal("0")


def latest_report_before(*, project_id: int, week_start: dt.date) -> WeeklyReport | None:
    return (
        WeeklyReport.objects.filter(project_id=project_id, week_start__lt=week_start)
        .order_by("-week_start")
        .first()
    )



def section_annual_classes(*, year: int, level: str | None = None) -> dict[int, int]:
    """{section id: annual water class}: the mean of the year's monthly classes, rounded half up.

    A section is 优良 (good) in a year when its annual class is I–III (DOMAIN: Ledgers and maps).
    """
    from tracker.models import SectionReading

    readings = SectionReading.objects.filter(month__year=year)
    if level:
        readings = readings.filter(section__level=level)
    totals: dict[int, list[int]] = {}
    for section_id, water_class in readings.values_list("section_id", "water_class"):
        totals.setdefault(section_id, []).append(water_class)
    return {
        section_id: int((Decimal(sum(values)) / len(values)).quantize(Decimal("1"), rounding="ROUND_HALF_UP"))
        for section_id, values in totals.items()
    }


def audit_event_list(*, user, filters: dict | None = None) -> QuerySet:
    """The audit log for an office leader, filtered by user, unit, project, action and dates."""
    from tracker.models import AuditEvent

    permissions.require(permissions.is_office_leader(user), "只有专班办领导可以查看审计日志")
    events = AuditEvent.objects.select_related("project", "unit", "actor").order_by("-occurred_at", "-id")
    filters = filters or {}
    if filters.get("user"):
        term = filters["user"].strip()
        events = events.filter(Q(actor__username=term) | Q(actor_name__icontains=term))
    if filters.get("unit"):
        events = events.filter(unit__code=filters["unit"])
    if filters.get("project"):
        term = filters["project"].strip()
        events = events.filter(Q(project__code__iexact=term) | Q(project__name__icontains=term))
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("date_from"):
        events = events.filter(occurred_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        events = events.filter(occurred_at__date__lte=filters["date_to"])
    return events


@dataclass(frozen=True)
class TransitionOption:
    """A transition the user may ask for on a project, with what its guard still misses."""

    name: str
    label: str
    missing: list[str]
    backward: bool
    reason_required: bool


def project_transition_options(*, user, project: Project) -> list[TransitionOption]:
    """The transitions whose source is the project's state and whose role check the user passes.

    `missing` lists the guard's messages as of now (the dates the form will ask for are
    reported too, so a page can show what is still to be done before offering the button).
    """
    from django.db.models import prefetch_related_objects

    from tracker.services import GUARD_MESSAGES, TRANSITIONS

    prefetch_related_objects([project], "procedures")
    sourced = {t.name for t in project.get_all_state_transitions() if t.source == project.state}
    options = []
    for name, spec in TRANSITIONS.items():
        if spec.method not in sourced or not permissions.can_transition(user, project, name):
            continue
        missing = GUARD_MESSAGES.get(name, lambda p: [])(project)
        options.append(
            TransitionOption(
                name=name, label=spec.label, missing=missing,
                backward=name in permissions.BACKWARD_TRANSITIONS, reason_required=spec.reason_required,
            )
        )
    return options


def city_leader_for_domains() -> tuple[dict[int, str], str]:
    """Who answers for a problem at 市政府 level (DOMAIN: the escalation ladder, rung 2):
    ({domain id: the city leader in charge of that domain}, the leader in charge of the rest).

    A city leader's profile lists the domains they are in charge of (分管领域); one with none
    listed covers every domain not claimed by another. Names are the profiles' full names."""
    by_domain: dict[int, str] = {}
    general = ""
    profiles = (
        StaffProfile.objects.filter(role=Role.CITY_LEADER)
        .select_related("user")
        .prefetch_related("assigned_domains")
        .order_by("user__username")
    )
    for profile in profiles:
        name = profile.full_name or profile.user.get_username()
        domains = list(profile.assigned_domains.all())
        if not domains and not general:
            general = name
        for domain in domains:
            by_domain.setdefault(domain.pk, name)
    if not general and by_domain:
        general = next(iter(by_domain.values()))
    return by_domain, general


# --- rollback requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RollbackOption:
    name: str
    label: str


def rollback_request_options(*, user, project: Project) -> list[RollbackOption]:
    """The backward moves a user may ask a leader for: the ones they may not perform themselves."""
    from tracker.services import TRANSITIONS

    if not permissions.can_request_rollback(user, project):
        return []
    sourced = {t.name for t in project.get_all_state_transitions() if t.source == project.state}
    return [
        RollbackOption(name=name, label=TRANSITIONS[name].label)
        for name in sorted(permissions.BACKWARD_TRANSITIONS)
        if name in sourced and not permissions.can_transition(user, project, name)
    ]


def rollback_requests_pending(*, user) -> QuerySet[RollbackRequest]:
    """Requests awaiting a leader's decision (none for anyone who may not decide them)."""
    if not permissions.can_decide_rollback(user):
        return RollbackRequest.objects.none()
    return (
        RollbackRequest.objects.filter(status=RollbackStatus.PENDING)
        .select_related("project", "project__unit", "requested_by__staff_profile")
        .order_by("requested_at", "id")
    )


def rollback_requests_decided(*, user, limit: int = 20) -> list[RollbackRequest]:
    """The latest decisions, for the leader's page."""
    if not permissions.can_decide_rollback(user):
        return []
    return list(
        RollbackRequest.objects.exclude(status=RollbackStatus.PENDING)
        .select_related("project", "requested_by__staff_profile", "decided_by__staff_profile")
        .order_by("-decided_at", "-id")[:limit]
    )
