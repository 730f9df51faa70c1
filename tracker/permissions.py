"""Who may read and do what. Services call these; views only mirror them for display.

The roles and their reach (DOMAIN: Who):
- 专班办工作人员 (clerk): reads everything; edits, reports and moves projects forward within
  their assigned domains/units (all of them when none are assigned);
- 专班办领导 (office leader): everything, including backward moves and sign-off;
- 市直部门联络员: reads and reports on their department's projects;
- 县级联络员: reads and reports on their own unit's projects only;
- 市领导: reads everything, changes nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from tracker.choices import Role
from tracker.models import Project

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

    from core.actors import Actor

# Transitions that move a project backwards: office leaders only, with a reason.
BACKWARD_TRANSITIONS = frozenset({"reopen", "revert_to_preparation"})


def role_of(user: AbstractUser | AnonymousUser | Actor | None) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.OFFICE_LEADER
    profile = getattr(user, "staff_profile", None)
    return profile.role if profile else None


def _profile(user):
    return getattr(user, "staff_profile", None)


def project_scope(user) -> Q | None:
    """The projects a user may read, as a filter; None means none at all."""
    role = role_of(user)
    if role in (Role.OFFICE_LEADER, Role.CLERK, Role.CITY_LEADER):
        return Q()
    profile = _profile(user)
    if role == Role.COUNTY_LIAISON:
        return Q(unit_id=profile.unit_id)
    if role == Role.DEPARTMENT_LIAISON:
        return Q(lead_department_id=profile.department_id)
    return None


def visible_projects(user, queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    queryset = Project.objects.all() if queryset is None else queryset
    scope = project_scope(user)
    if scope is None:
        return queryset.none()
    return queryset.filter(scope)


def can_view_project(user, project: Project) -> bool:
    scope = project_scope(user)
    if scope is None:
        return False
    role = role_of(user)
    if role == Role.COUNTY_LIAISON:
        return project.unit_id == _profile(user).unit_id
    if role == Role.DEPARTMENT_LIAISON:
        return project.lead_department_id == _profile(user).department_id
    return True


def _clerk_covers(user, project: Project) -> bool:
    profile = _profile(user)
    if profile is None:
        return False
    domain_ids = set(profile.assigned_domains.values_list("id", flat=True))
    unit_ids = set(profile.assigned_units.values_list("id", flat=True))
    return ((not domain_ids or project.domain_id in domain_ids)
            and (not unit_ids or project.unit_id in unit_ids))


def can_edit_project(user, project: Project) -> bool:
    """Edit facts, procedures, plans and problems, and move the project forward."""
    role = role_of(user)
    if role == Role.OFFICE_LEADER:
        return True
    if role == Role.CLERK:
        return _clerk_covers(user, project)
    return False


def can_report_progress(user, project: Project) -> bool:
    """Submit the weekly dispatch figures and raise problems."""
    role = role_of(user)
    if role in (Role.COUNTY_LIAISON, Role.DEPARTMENT_LIAISON):
        return can_view_project(user, project)
    return can_edit_project(user, project)


def can_transition(user, project: Project, transition_name: str) -> bool:
    if transition_name in BACKWARD_TRANSITIONS:
        return role_of(user) == Role.OFFICE_LEADER
    return can_edit_project(user, project)


def can_request_rollback(user, project: Project) -> bool:
    """File a request for a backward move: whoever may edit the project (a leader decides it)."""
    return can_edit_project(user, project)


def can_decide_rollback(user) -> bool:
    """Approve or reject a rollback request (backward moves only by the office's leaders)."""
    return role_of(user) == Role.OFFICE_LEADER


def can_escalate(user) -> bool:
    return role_of(user) in (Role.CLERK, Role.OFFICE_LEADER)


def can_instruct(user, problem) -> bool:
    """Write a 批示: a city leader, on an open problem escalated to 市政府 (the level they coordinate)."""
    return (
        role_of(user) == Role.CITY_LEADER
        and problem.level == "city"
        and problem.status == "open"
    )


def can_import_ledger(user, kind: str) -> bool:
    """The master ledger is the office's; the weekly sheet is also the county's and the
    department's."""
    if is_office_staff(user):
        return True
    return kind == "weekly" and role_of(user) in (Role.COUNTY_LIAISON, Role.DEPARTMENT_LIAISON)


def is_office_staff(user) -> bool:
    return role_of(user) in (Role.CLERK, Role.OFFICE_LEADER)


def is_office_leader(user) -> bool:
    return role_of(user) == Role.OFFICE_LEADER


def require(allowed: bool, message: str = "您没有执行此操作的权限") -> None:
    if not allowed:
        raise PermissionDenied(message)
