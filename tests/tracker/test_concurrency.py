"""Two clerks editing the same project: the second gets a conflict and nothing is lost."""
import datetime as dt
import threading

import pytest
from django.db import connection

from tracker import services
from tracker.choices import AuditAction, ProjectState
from tracker.models import AuditEvent, Project
from tracker.services import EditConflict


@pytest.mark.django_db
def test_stale_edit_is_refused_with_a_conflict_message(clerk, leader):
    # given both clerks loaded version v
    project = Project.objects.get(map_number=1)
    loaded_version = project.version
    services.project_update(
        project_id=project.pk, acting_user=leader, expected_version=loaded_version,
        changes={"remarks": "领导修改"}
    )
    # when the second submits against the same version
    with pytest.raises(EditConflict) as conflict:
        services.project_update(
            project_id=project.pk, acting_user=clerk, expected_version=loaded_version,
            changes={"remarks": "工作人员修改"}
        )
    # then the first change stands and the message says what happened
    project.refresh_from_db()
    assert project.remarks == "领导修改"
    assert "已被他人修改" in conflict.value.messages[0]
    assert "赵建民" in conflict.value.messages[0]


@pytest.mark.django_db
def test_stale_transition_is_refused(clerk):
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    stale = project.version
    services.project_update(project_id=project.pk, acting_user=clerk, expected_version=stale,
                            changes={"remarks": "x"})
    with pytest.raises(EditConflict):
        services.project_transition(
            project_id=project.pk, transition="suspend", acting_user=clerk, reason="停工",
            expected_version=stale
        )
    project.refresh_from_db()
    assert project.state == ProjectState.UNDER_CONSTRUCTION


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_on_the_same_version_let_exactly_one_through(demo_ledger):
    # given two clerks holding the same version of a project under construction
    from django.contrib.auth import get_user_model

    clerk = get_user_model().objects.get(username="clerk")
    leader = get_user_model().objects.get(username="leader")
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    version = project.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, transition, reason):
        try:
            barrier.wait(timeout=10)
            services.project_transition(
                project_id=project.pk, transition=transition, acting_user=user, reason=reason,
                effective_on=dt.date(2025, 10, 9), expected_version=version,
            )
            outcomes.append("ok")
        except EditConflict:
            outcomes.append("conflict")
        except Exception as error:  # noqa: BLE001 — surfaced in the assertion below
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    # when both submit at once
    threads = [
        threading.Thread(target=act, args=(clerk, "suspend", "停工待料")),
        threading.Thread(target=act, args=(leader, "revert_to_preparation", "手续补办")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then one wins, the other is told, and exactly one audit row exists
    assert sorted(outcomes) == ["conflict", "ok"], outcomes
    project.refresh_from_db()
    assert project.version == version + 1
    assert AuditEvent.objects.filter(
        project=project, action=AuditAction.PROJECT_TRANSITION, effective_on=dt.date(2025, 10, 9)
    ).count() == 1
