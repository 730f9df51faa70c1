"""The permission matrix: role × action × own/other unit, enforced in the services."""
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tracker import permissions, selectors, services
from tracker.choices import ProjectState
from tracker.models import Project

pytestmark = pytest.mark.django_db

ROLES = ["leader", "clerk", "clerk_eco", "cityleader", "dept_water", "county_houma"]

# action → {role: (allowed on own project, allowed on other project)}.
# "Own" is a 侯马市 water project (county_houma's unit, dept_water's department);
# "other" is a 尧都区 non-water, non-ecology project.
MATRIX = {
    "view": {"leader": (1, 1), "clerk": (1, 1), "clerk_eco": (1, 1), "cityleader": (1, 1),
             "dept_water": (1, 0), "county_houma": (1, 0)},
    "report": {"leader": (1, 1), "clerk": (1, 1), "clerk_eco": (0, 0), "cityleader": (0, 0),
               "dept_water": (1, 0), "county_houma": (1, 0)},
    "edit": {"leader": (1, 1), "clerk": (1, 1), "clerk_eco": (0, 0), "cityleader": (0, 0),
             "dept_water": (0, 0), "county_houma": (0, 0)},
    "suspend": {"leader": (1, 1), "clerk": (1, 1), "clerk_eco": (0, 0), "cityleader": (0, 0),
                "dept_water": (0, 0), "county_houma": (0, 0)},
    "revert": {"leader": (1, 1), "clerk": (0, 0), "clerk_eco": (0, 0), "cityleader": (0, 0),
               "dept_water": (0, 0), "county_houma": (0, 0)},
}


@pytest.fixture
def projects(demo_ledger):
    own = Project.objects.get(name="汾河侯马段综合治理工程")
    other = Project.objects.filter(unit__code="yaodu").exclude(domain__code__in=["water", "ecology"]).first()
    # Both under construction so every action applies.
    for project in (own, other):
        if project.state != ProjectState.UNDER_CONSTRUCTION:
            Project.objects.filter(pk=project.pk).update(state=ProjectState.UNDER_CONSTRUCTION)
    return {"own": Project.objects.get(pk=own.pk), "other": Project.objects.get(pk=other.pk)}


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _attempt(action, user, project) -> bool:
    try:
        if action == "view":
            selectors.project_get(user=user, project_id=project.pk)
            assert selectors.project_list(user=user).filter(pk=project.pk).exists()
        elif action == "report":
            # Within the week's reporting window: after it the week is closed to the units.
            with time_machine.travel(dt.datetime(2025, 10, 8, 10, 0), tick=False):
                services.weekly_report_submit(
                    project_id=project.pk, week_start=dt.date(2025, 10, 6), acting_user=user,
                    progress_percent=project.progress_percent,
                    completed_investment=project.completed_investment, funds_in_place=project.funds_in_place,
                )
        elif action == "edit":
            services.project_update(
                project_id=project.pk, acting_user=user, expected_version=None, changes={"remarks": "权限测试"}
            )
        elif action == "suspend":
            services.project_transition(
                project_id=project.pk, transition="suspend", acting_user=user, reason="权限测试",
                effective_on=dt.date(2025, 10, 8),
            )
        elif action == "revert":
            services.project_transition(
                project_id=project.pk, transition="revert_to_preparation", acting_user=user, reason="权限测试",
                effective_on=dt.date(2025, 10, 8),
            )
    except (PermissionDenied, Http404):  # another unit's project is "not found", like a missing one
        return False
    return True


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "other"])
def test_permission_matrix(projects, action, role, whose):
    # given
    expected = bool(MATRIX[action][role][0 if whose == "own" else 1])
    project = projects[whose]
    # when
    allowed = _attempt(action, _user(role), project)
    # then
    assert allowed is expected, f"{role} {action} {whose}: expected {expected}"


def test_county_liaison_list_holds_only_their_unit(county_liaison):
    units = set(permissions.visible_projects(county_liaison).values_list("unit__code", flat=True))
    assert units == {"houma"}


def test_user_without_profile_sees_nothing(db):
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user("stranger", password="x")
    assert permissions.visible_projects(stranger).count() == 0
