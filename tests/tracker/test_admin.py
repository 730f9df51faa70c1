"""The admin: Chinese, filterable, and the state only through the transition form."""
import datetime as dt

import pytest
from django.urls import reverse

from tracker.choices import AuditAction, ProjectState
from tracker.models import AuditEvent, Project

pytestmark = pytest.mark.django_db


def test_project_changelist_filters_by_unit_domain_state_and_year(client, leader):
    client.force_login(leader)
    response = client.get(
        reverse("admin:tracker_project_changelist"),
        {"unit__id__exact": Project.objects.get(map_number=1).unit_id, "state__exact": "effective",
         "target_year": 2024},
    )
    assert response.status_code == 200
    assert "工程项目" in response.content.decode()


def test_admin_search_by_code(client, leader):
    client.force_login(leader)
    response = client.get(reverse("admin:tracker_project_changelist"), {"q": "LF-2023-001"})
    assert "LF-2023-001" in response.content.decode()


def test_state_is_read_only_on_the_change_form(client, leader):
    # given
    client.force_login(leader)
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    # when the form is posted with a state
    url = reverse("admin:tracker_project_change", args=[project.pk])
    page = client.get(url)
    # then there is no state input to post
    assert 'name="state"' not in page.content.decode()


def test_admin_transition_form_shows_guard_refusal_and_changes_nothing(client, clerk):
    client.force_login(clerk)
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION, progress_percent__lt=100).first()
    response = client.post(
        reverse("admin:tracker_project_transition", args=[project.pk]),
        {"transition": "complete", "effective_on": "2025-10-09", "expected_version": project.version},
    )
    assert response.status_code == 200
    assert "形象进度未达到100%" in response.content.decode()
    project.refresh_from_db()
    assert project.state == ProjectState.UNDER_CONSTRUCTION


def test_admin_transition_form_suspends_with_reason_and_audits(client, clerk):
    client.force_login(clerk)
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    response = client.post(
        reverse("admin:tracker_project_transition", args=[project.pk]),
        {"transition": "suspend", "effective_on": "2025-10-09", "reason": "征地补偿未落实",
         "expected_version": project.version},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == ProjectState.SUSPENDED
    event = AuditEvent.objects.filter(project=project, action=AuditAction.PROJECT_TRANSITION).latest("id")
    assert event.reason == "征地补偿未落实" and event.effective_on == dt.date(2025, 10, 9)


def test_admin_edit_goes_through_the_service_and_is_audited(client, leader):
    client.force_login(leader)
    project = Project.objects.get(map_number=2)
    url = reverse("admin:tracker_project_change", args=[project.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    data.update({"remarks": "管理后台修改", "is_provincial": "on"})
    for prefix in ("procedures", "problems"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(project=project, action=AuditAction.PROJECT_EDIT).exists()


def test_admin_edit_of_a_procedure_is_on_record_with_the_changed_fields(client, demo_ledger):
    from django.contrib.auth import get_user_model
    from django.db.models.fields.files import FieldFile

    from tracker.models import Procedure

    # given: a system administrator (office staff edit procedures on the project page)
    client.force_login(get_user_model().objects.get(username="admin"))
    procedure = Procedure.objects.select_related("project").first()
    url = reverse("admin:tracker_procedure_change", args=[procedure.pk])
    form = client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()
            if not isinstance(value, FieldFile)}  # an empty file field is posted as nothing
    data["approving_body"] = "临汾市行政审批服务管理局（后台更正）"
    data["project"] = procedure.project_id
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(action=AuditAction.ADMIN_EDIT, object_type="procedure",
                                      object_id=str(procedure.pk)).get()
    assert event.actor.username == "admin" and event.project_id == procedure.project_id
    assert event.data["changes"] == {"approving_body": [procedure.approving_body, "临汾市行政审批服务管理局（后台更正）"]}


def test_weekly_reports_cannot_be_changed_or_deleted_in_the_admin(client, leader):
    from tracker.models import WeeklyReport

    # given
    client.force_login(leader)
    report = WeeklyReport.objects.first()
    # when / then: reports are read there, written only through the validated, audited form
    assert client.get(reverse("admin:tracker_weeklyreport_add")).status_code == 403
    deleted = client.post(reverse("admin:tracker_weeklyreport_delete", args=[report.pk]), {"post": "yes"})
    assert deleted.status_code == 403
    assert WeeklyReport.objects.filter(pk=report.pk).exists()
