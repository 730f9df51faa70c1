"""Reads of the domain with permission scoping: project lists, a project, the transition and
rollback options a user has, the audit log. The portfolio as it stood on a date is
tracker.portfolio's (one module for every reader).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from offices.keys import HandlingRuleKey, StartGateMode
from offices.selectors import office_setting
from tracker import permissions
from tracker.choices import Role, RollbackStatus
from tracker.models import Project, RollbackRequest, StaffProfile, WeeklyReport


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
    """One project, or the same 404 whether it does not exist or is not the user's to read (the
    answer never tells whether an id exists)."""
    project = (
        Project.objects.select_related("unit", "domain", "lead_department").filter(pk=project_id).first()
    )
    if project is None or not permissions.can_view_project(user, project):
        raise Http404(PROJECT_NOT_FOUND)
    return project


PROJECT_NOT_FOUND = "项目不存在或您无权查看"


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
    # 开工 needs a 开工令 or site photos; `warnings` says what is unsettled but only warned about.
    evidence_required: bool = False
    warnings: tuple[str, ...] = ()


def project_transition_options(*, user, project: Project) -> list[TransitionOption]:
    """The transitions whose source is the project's state and whose role check the user passes.

    `missing` lists the guard's messages as of now (the dates the form will ask for are
    reported too, so a page can show what is still to be done before offering the button).
    """
    from django.db.models import prefetch_related_objects

    from tracker.guards import earlier_procedures_unsettled
    from tracker.services import GUARD_MESSAGES, TRANSITIONS

    prefetch_related_objects([project], "procedures")
    sourced = {t.name for t in project.get_all_state_transitions() if t.source == project.state}
    options = []
    for name, spec in TRANSITIONS.items():
        if spec.method not in sourced or not permissions.can_transition(user, project, name):
            continue
        missing = GUARD_MESSAGES.get(name, lambda p: [])(project)
        warnings: tuple[str, ...] = ()
        unsettled = earlier_procedures_unsettled(project) if name == "start" else []
        if unsettled:
            message = f"前期手续尚未办结：{'、'.join(unsettled)}"
            if office_setting(HandlingRuleKey.START_EARLIER_PROCEDURES) == StartGateMode.REFUSE:
                missing = [*missing, message + "，按专班办规定不能开工"]
            else:
                warnings = (message + "（可以开工，但将记入操作记录）",)
        options.append(
            TransitionOption(
                name=name, label=spec.label, missing=missing,
                backward=name in permissions.BACKWARD_TRANSITIONS,
                reason_required=spec.reason_required or name == "start",
                evidence_required=name == "start", warnings=warnings,
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


def problem_instructions_in(*, start: dt.date, end: dt.date) -> list[dict]:
    """The city leaders' 批示 given from `start` to `end` (local dates), oldest first, as the
    周调度报告 quotes them: who, when, on which project's problem, what (one query)."""
    from tracker.models import ProblemInstruction

    instructions = (
        ProblemInstruction.objects.filter(instructed_at__date__range=(start, end))
        .select_related("problem__project__unit")
        .order_by("instructed_at", "id")
    )
    return [
        {
            "problem_id": instruction.problem_id,
            "project_name": instruction.problem.project.name,
            "unit": instruction.problem.project.unit.name,
            "problem": instruction.problem.description,
            "leader": instruction.instructed_by_name,
            "on": timezone.localtime(instruction.instructed_at).date().isoformat(),
            "text": instruction.text,
        }
        for instruction in instructions
    ]


def problem_instruction_lines(*, start: dt.date, end: dt.date) -> list[str]:
    """problem_instructions_in as the report's sentences (the composer adds them as paragraphs)."""
    return [
        f"{row['leader']}{dt.date.fromisoformat(row['on']).month}月{dt.date.fromisoformat(row['on']).day}日"
        f"对{row['unit']}{row['project_name']}“{row['problem'].rstrip('。')}”问题批示：{row['text'].rstrip('。')}。"
        for row in problem_instructions_in(start=start, end=end)
    ]
