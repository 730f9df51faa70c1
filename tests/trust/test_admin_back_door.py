"""The admin is no back door. Roles and scopes change only by a system administrator
(audited old → new), the audit log is read by leaders only, who signs is a leader's setting, the
project form carries the version check, and procedures and problems are edited in the product's
pages (scope-checked, through the services), not here."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from notices.models import NoticeKind
from offices.models import DocumentKindSetting
from tracker import services
from tracker.choices import AuditAction, ProblemStatus, Role
from tracker.models import AuditEvent, Problem, Procedure, Project, StaffProfile

pytestmark = pytest.mark.django_db


def _superuser():
    return get_user_model().objects.get(username="admin")


def _form_data(client, url: str) -> dict:
    """What the change form would post back unchanged: its fields and its inlines' management forms."""
    page = client.get(url)
    assert page.status_code == 200, url
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or hasattr(value, "storage"):  # nothing, or a stored file (not posted back)
            continue
        if isinstance(value, (list, tuple)) or hasattr(value, "all"):
            items = value.all() if hasattr(value, "all") else value
            data[name] = [getattr(item, "pk", item) for item in items]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = getattr(value, "pk", value)
    for formset in page.context.get("inline_admin_formsets", []):
        prefix = formset.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


# --- finding 1: a clerk cannot make itself 专班办领导 ---------------------------------------------


def test_clerk_cannot_change_its_own_role_in_the_admin(client, clerk):
    # given
    client.force_login(clerk)
    profile = clerk.staff_profile
    url = reverse("admin:tracker_staffprofile_change", args=[profile.pk])
    # when: the clerk posts its own profile with the leader's role
    page = client.get(url)
    response = client.post(url,
                           {"user": clerk.pk, "full_name": profile.full_name, "role": Role.OFFICE_LEADER})
    # then: the form is read-only and the post refused; the role is unchanged
    assert page.status_code == 200 and 'name="role"' not in page.content.decode()
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.role == Role.CLERK
    client.force_login(clerk)
    assert client.get("/leader/").status_code == 403


def test_clerk_cannot_widen_its_scopes_or_add_a_profile_in_the_admin(client, clerk_eco):
    from tracker.models import Domain

    # given
    client.force_login(clerk_eco)
    profile = clerk_eco.staff_profile
    url = reverse("admin:tracker_staffprofile_change", args=[profile.pk])
    # when
    widened = client.post(url, {"user": clerk_eco.pk, "full_name": profile.full_name, "role": Role.CLERK,
                                "assigned_domains": list(Domain.objects.values_list("pk", flat=True))})
    added = client.get(reverse("admin:tracker_staffprofile_add"))
    # then
    assert widened.status_code == 403 and added.status_code == 403
    assert list(profile.assigned_domains.values_list("code", flat=True)) == ["ecology"]


def test_superuser_changes_a_role_and_the_audit_log_holds_old_and_new(client, clerk_eco):
    from tracker.models import Domain

    # given
    client.force_login(_superuser())
    profile = clerk_eco.staff_profile
    url = reverse("admin:tracker_staffprofile_change", args=[profile.pk])
    data = _form_data(client, url)
    water = Domain.objects.get(code="water")
    data.update({"role": Role.OFFICE_LEADER, "assigned_domains": [water.pk]})
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    profile.refresh_from_db()
    assert profile.role == Role.OFFICE_LEADER
    events = AuditEvent.objects.filter(action=AuditAction.ADMIN_EDIT, object_type="staffprofile",
                                       object_id=str(profile.pk)).order_by("id")
    changes = {field: value for event in events for field, value in event.data["changes"].items()}
    assert changes["role"] == [Role.CLERK, Role.OFFICE_LEADER]
    assert changes["assigned_domains"] == [[str(Domain.objects.get(code="ecology"))], [str(water)]]
    assert {event.actor.username for event in events} == {"admin"}


# --- finding 2: the audit rows are the leaders' -----------------------------------------------


def test_clerk_cannot_read_the_audit_log_in_the_admin(client, clerk, leader):
    # given: an audit row (a project edit)
    project = Project.objects.get(code="LF-2023-018")
    services.project_update(project_id=project.pk, acting_user=leader, expected_version=project.version,
                            changes={"remarks": "审计巡检"})
    event = AuditEvent.objects.latest("id")
    client.force_login(clerk)
    # when
    listing = client.get(reverse("admin:tracker_auditevent_changelist"))
    detail = client.get(reverse("admin:tracker_auditevent_change", args=[event.pk]))
    index = client.get(reverse("admin:index")).content.decode()
    # then
    assert listing.status_code == 403 and detail.status_code == 403
    assert reverse("admin:tracker_auditevent_changelist") not in index
    client.force_login(leader)
    assert client.get(reverse("admin:tracker_auditevent_changelist")).status_code == 200


# --- finding 3: who signs is a leader's setting ----------------------------------------------


def _kind_setting_post(client, setting: DocumentKindSetting, **changes):
    url = reverse("admin:offices_documentkindsetting_change", args=[setting.pk])
    data = {"kind": setting.kind, "number_prefix": setting.number_prefix,
            "notice_format": setting.notice_format, "acknowledge_workdays": setting.acknowledge_workdays,
            "answer_workdays": setting.answer_workdays}
    if setting.answer_required:
        data["answer_required"] = "on"
    data.update(changes)
    return client.post(url, data)


def test_clerk_cannot_make_letters_issue_themselves(client, clerk):
    # given
    setting, _ = DocumentKindSetting.objects.get_or_create(
        kind=NoticeKind.SUPERVISION, defaults={"number_prefix": "临一泓督", "notice_format": "letter"})
    setting.auto_issue = False
    setting.save()
    client.force_login(clerk)
    # when
    response = _kind_setting_post(client, setting, auto_issue="on")
    # then
    assert response.status_code == 403
    setting.refresh_from_db()
    assert setting.auto_issue is False


def test_leader_changes_who_signs_and_the_audit_log_holds_old_and_new(client, leader):
    # given
    setting, _ = DocumentKindSetting.objects.get_or_create(
        kind=NoticeKind.WARNING, defaults={"number_prefix": "临一泓预", "notice_format": "letter"})
    setting.auto_issue = False
    setting.save()
    client.force_login(leader)
    # when
    response = _kind_setting_post(client, setting, auto_issue="on")
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    setting.refresh_from_db()
    assert setting.auto_issue is True
    events = AuditEvent.objects.filter(object_type="documentkindsetting", object_id=str(setting.pk))
    event = events.latest("id")
    assert event.actor == leader and event.data["changes"]["auto_issue"] == [False, True]


# --- finding 6: the admin's project form carries the version ---------------------------------


def test_a_stale_admin_project_form_does_not_erase_another_users_edit(client, leader, clerk):
    # given: the leader opens the form; meanwhile the clerk changes the remarks on the project page
    project = Project.objects.get(code="LF-2023-018")
    client.force_login(leader)
    url = reverse("admin:tracker_project_change", args=[project.pk])
    stale = _form_data(client, url)
    services.project_update(project_id=project.pk, acting_user=clerk, expected_version=project.version,
                            changes={"remarks": "专班办刘志强更新：已完成清表"})
    # when: the leader saves the stale form with other remarks
    stale["remarks"] = "领导旧表单"
    response = client.post(url, stale)
    # then: refused with the reason; the clerk's edit stands
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    project.refresh_from_db()
    assert project.remarks == "专班办刘志强更新：已完成清表"


def test_a_fresh_admin_project_form_saves_with_the_version_check(client, leader):
    # given
    project = Project.objects.get(code="LF-2023-018")
    client.force_login(leader)
    url = reverse("admin:tracker_project_change", args=[project.pk])
    data = _form_data(client, url)
    # when
    data["remarks"] = "后台更正备注"
    response = client.post(url, data)
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.remarks == "后台更正备注" and project.version == data["expected_version"] + 1


# --- finding 9: procedures and problems are edited in the product's pages --------------------


def test_clerk_outside_the_domain_cannot_edit_a_procedure_in_the_admin(client, clerk_eco):
    # given: a procedure of a water project (clerk_eco works on ecology only)
    procedure = Procedure.objects.filter(project__domain__code="water").first()
    client.force_login(clerk_eco)
    url = reverse("admin:tracker_procedure_change", args=[procedure.pk])
    # when
    response = client.post(url, {"project": procedure.project_id, "kind": procedure.kind,
                                 "status": procedure.status, "approving_body": "越权修改"})
    project_form = client.get(reverse("admin:tracker_project_change", args=[procedure.project_id]))
    # then
    assert response.status_code == 403
    procedure.refresh_from_db()
    assert procedure.approving_body != "越权修改"
    assert 'name="name"' not in project_form.content.decode(), "the water project is read-only for clerk_eco"


def test_nobody_marks_a_problem_resolved_in_the_admin_without_the_service(client, clerk):
    # given: an open problem
    problem = Problem.objects.filter(status=ProblemStatus.OPEN).select_related("project").first()
    client.force_login(clerk)
    # when: the clerk posts it resolved, on its own page and inline on the project's form
    direct = client.post(reverse("admin:tracker_problem_change", args=[problem.pk]), {
        "project": problem.project_id, "description": problem.description, "category": problem.category,
        "raised_on": problem.raised_on, "status": ProblemStatus.RESOLVED})
    client.force_login(_superuser())
    url = reverse("admin:tracker_project_change", args=[problem.project_id])
    data = _form_data(client, url)
    problems = problem.project.problems.order_by("pk")
    data.update({"problems-TOTAL_FORMS": str(problems.count()),
                 "problems-INITIAL_FORMS": str(problems.count())})
    for index, row in enumerate(problems):
        data.update({f"problems-{index}-id": row.pk, f"problems-{index}-project": row.project_id,
                     f"problems-{index}-description": row.description,
                     f"problems-{index}-category": row.category, f"problems-{index}-raised_on": row.raised_on,
                     f"problems-{index}-status": ProblemStatus.RESOLVED,
                     f"problems-{index}-resolved_on": "2025-09-30"})
    client.post(url, data)
    # then: still open, with no resolution
    assert direct.status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.resolved_on is None


def test_office_staff_read_the_portfolio_tables_in_the_admin_but_change_nothing(client, clerk):
    from tracker.models import AdministrativeUnit, Basin, Department, Domain, MonitoringSection

    # given
    client.force_login(clerk)
    # when / then: every table is listed, no add or change for a clerk
    for model in (Procedure, Problem, AdministrativeUnit, Department, Domain, Basin, MonitoringSection,
                  StaffProfile):
        meta = model._meta
        assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
        added = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        assert added.status_code == 403, meta.model_name
