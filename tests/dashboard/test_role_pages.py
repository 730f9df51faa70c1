"""The role pages' working parts: rollback requests and approvals, rule thresholds, procedure and
monthly-plan edits on the project page, the sign-off queue, and where each login lands."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from offices.keys import SettingGroup, ThresholdKey
from offices.models import OfficeSetting
from offices.selectors import office_settings
from tracker import services
from tracker.choices import AuditAction, ProjectState, RollbackStatus
from tracker.models import AuditEvent, MonthlyPlan, Procedure, Project, RollbackRequest

pytestmark = pytest.mark.django_db
PASSWORD = "Yihong@2025"


def _messages(response) -> str:
    return " ".join(str(message) for message in response.context["messages"]) if response.context else ""


def _completed_project() -> Project:
    return Project.objects.filter(state=ProjectState.COMPLETED).order_by("map_number").first()


def _under_construction_project() -> Project:
    return Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).order_by("map_number").first()


def _file_reopen(clerk, project: Project, reason: str = "验收发现主体工程质量问题，需返工") -> RollbackRequest:
    return services.rollback_request_file(project_id=project.pk, transition="reopen", acting_user=clerk,
                                          reason=reason)


# --- rollback requests: the clerk asks ---------------------------------------------------------


def test_clerk_sees_a_rollback_request_form_instead_of_a_backward_button(client, clerk):
    # given a completed project
    project = _completed_project()
    client.force_login(clerk)
    # when
    page = client.get(f"/projects/{project.pk}/").content.decode()
    # then the clerk may ask for the move back, not perform it
    assert 'data-rollback="reopen"' in page
    assert 'data-transition="reopen"' not in page
    assert "退回须经专班办领导审批" in page


def test_leader_keeps_the_direct_backward_move_and_gets_no_request_form(client, leader):
    # given
    project = _completed_project()
    client.force_login(leader)
    # when
    page = client.get(f"/projects/{project.pk}/").content.decode()
    # then
    assert 'data-transition="reopen"' in page
    assert 'data-rollback="reopen"' not in page


def test_clerk_files_a_rollback_request_with_evidence_and_the_project_stays_put(client, clerk):
    # given
    project = _completed_project()
    client.force_login(clerk)
    evidence = SimpleUploadedFile("验收意见.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    # when
    response = client.post(f"/projects/{project.pk}/rollback-request/", {
        "transition": "reopen", "expected_version": project.version, "reason": "验收发现渗漏，需返工",
        "evidence": evidence,
    }, follow=True)
    # then
    assert "待专班办领导审批" in _messages(response)
    request = RollbackRequest.objects.get(project=project)
    assert request.status == RollbackStatus.PENDING and request.requested_by == clerk
    assert request.evidence and request.from_state == ProjectState.COMPLETED
    project.refresh_from_db()
    assert project.state == ProjectState.COMPLETED
    event = AuditEvent.objects.get(action=AuditAction.ROLLBACK_REQUEST, object_id=str(request.pk))
    assert event.actor == clerk and event.reason == "验收发现渗漏，需返工"
    assert event.to_state == ProjectState.UNDER_CONSTRUCTION and event.evidence.name == request.evidence.name


def test_rollback_request_without_reason_is_refused_in_chinese(client, clerk):
    # given
    project = _completed_project()
    client.force_login(clerk)
    # when
    response = client.post(f"/projects/{project.pk}/rollback-request/", {
        "transition": "reopen", "expected_version": project.version, "reason": ""}, follow=True)
    # then
    assert "请填写退回原因" in _messages(response)
    assert not RollbackRequest.objects.filter(project=project).exists()


def test_only_one_pending_request_per_project(clerk, clerk_eco):
    # given a pending request
    project = _completed_project()
    _file_reopen(clerk, project)
    # when a second one is filed
    with pytest.raises(ValidationError) as refused:
        _file_reopen(clerk, project, reason="再次申请")
    # then the service says why, and the database would refuse it too
    assert "已有待审批的退回申请" in refused.value.messages[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        RollbackRequest.objects.create(
            project=project, transition="reopen", from_state=project.state, project_version=project.version,
            reason="绕过服务", requested_by=clerk, requested_at="2025-09-30T10:00:00+08:00",
        )


def test_rollback_request_refused_when_the_state_does_not_allow_it(clerk):
    # given a completed project (revert_to_preparation starts from 开工)
    project = _completed_project()
    # when / then
    with pytest.raises(services.TransitionRefused, match="不能申请"):
        services.rollback_request_file(project_id=project.pk, transition="revert_to_preparation",
                                       acting_user=clerk, reason="误报")


def test_clerk_outside_the_projects_domain_cannot_file(client, clerk_eco):
    # given a completed project outside ecology
    project = Project.objects.filter(state=ProjectState.COMPLETED).exclude(domain__code="ecology").first()
    client.force_login(clerk_eco)
    # when
    response = client.post(f"/projects/{project.pk}/rollback-request/", {
        "transition": "reopen", "expected_version": project.version, "reason": "试图退回"})
    # then
    assert response.status_code == 403
    assert not RollbackRequest.objects.exists()


# --- rollback requests: the leader decides -----------------------------------------------------


def test_leader_page_lists_pending_requests(client, clerk, leader):
    # given
    project = _completed_project()
    request = _file_reopen(clerk, project)
    client.force_login(leader)
    # when
    page = client.get("/leader/").content.decode()
    # then
    assert f'data-request="{request.pk}"' in page
    assert "验收发现主体工程质量问题" in page and "批准退回" in page and "驳回" in page


def test_leader_approves_and_the_transition_is_performed_and_audited(client, clerk, leader):
    # given
    project = _completed_project()
    request = _file_reopen(clerk, project)
    client.force_login(leader)
    # when
    response = client.post(f"/leader/rollbacks/{request.pk}/approve/", {
        "expected_version": project.version, "effective_on": "2025-09-29", "note": "同意返工"}, follow=True)
    # then the project moved back, through project_transition (its audit row and version)
    assert "已批准" in _messages(response)
    project.refresh_from_db()
    assert project.state == ProjectState.UNDER_CONSTRUCTION and project.actual_completion is None
    request.refresh_from_db()
    assert request.status == RollbackStatus.APPROVED and request.decided_by == leader
    assert request.decision_note == "同意返工"
    moved = AuditEvent.objects.get(action=AuditAction.PROJECT_TRANSITION, project=project,
                                   to_state=ProjectState.UNDER_CONSTRUCTION,
                                   effective_on=dt.date(2025, 9, 29))
    assert moved.actor == leader and "验收发现主体工程质量问题" in moved.reason and "同意返工" in moved.reason
    assert AuditEvent.objects.filter(action=AuditAction.ROLLBACK_APPROVE,
                                     object_id=str(request.pk)).count() == 1


def test_approving_revert_to_preparation_clears_the_start_date(clerk, leader):
    # given
    project = _under_construction_project()
    request = services.rollback_request_file(project_id=project.pk, transition="revert_to_preparation",
                                             acting_user=clerk, reason="开工日期误报，实际未开工")
    # when
    services.rollback_request_approve(request_id=request.pk, acting_user=leader)
    # then
    project.refresh_from_db()
    assert project.state == ProjectState.PREPARATION and project.actual_start is None


def test_approval_on_a_project_changed_since_the_page_loaded_is_a_conflict(client, clerk, leader):
    # given the leader's page shows version v, then a new weekly report arrives
    project = _completed_project()
    request = _file_reopen(clerk, project)
    seen_version = project.version
    services.weekly_report_submit(project_id=project.pk, week_start=dt.date(2025, 9, 29), acting_user=clerk,
                                  progress_percent=100, completed_investment=project.completed_investment,
                                  funds_in_place=project.funds_in_place)
    client.force_login(leader)
    # when
    response = client.post(f"/leader/rollbacks/{request.pk}/approve/", {"expected_version": seen_version},
                           follow=True)
    # then nothing moved and the request still waits
    assert "已被他人修改" in _messages(response)
    project.refresh_from_db()
    request.refresh_from_db()
    assert project.state == ProjectState.COMPLETED and request.status == RollbackStatus.PENDING
    assert not AuditEvent.objects.filter(action=AuditAction.ROLLBACK_APPROVE).exists()


def test_approval_refused_by_the_state_machine_leaves_the_request_pending(clerk, leader):
    # given the leader already moved the project back directly
    project = _completed_project()
    request = _file_reopen(clerk, project)
    services.project_transition(project_id=project.pk, transition="reopen", acting_user=leader, reason="直接退回")
    # when
    with pytest.raises(services.TransitionRefused):
        services.rollback_request_approve(request_id=request.pk, acting_user=leader)
    # then
    request.refresh_from_db()
    assert request.status == RollbackStatus.PENDING


def test_leader_rejects_with_a_reason_and_the_rejection_is_audited(client, clerk, leader):
    # given
    project = _completed_project()
    request = _file_reopen(clerk, project)
    client.force_login(leader)
    # when: first without a reason, then with one
    refused = client.post(f"/leader/rollbacks/{request.pk}/reject/", {"reason": ""}, follow=True)
    rejected = client.post(f"/leader/rollbacks/{request.pk}/reject/", {"reason": "整改可在完工状态下进行"},
                           follow=True)
    # then
    assert "请填写驳回理由" in _messages(refused)
    assert "已驳回" in _messages(rejected)
    request.refresh_from_db()
    project.refresh_from_db()
    assert request.status == RollbackStatus.REJECTED and request.decision_note == "整改可在完工状态下进行"
    assert project.state == ProjectState.COMPLETED
    event = AuditEvent.objects.get(action=AuditAction.ROLLBACK_REJECT, object_id=str(request.pk))
    assert event.actor == leader and event.project == project


def test_a_decided_request_cannot_be_decided_again(clerk, leader):
    # given
    request = _file_reopen(clerk, _completed_project())
    services.rollback_request_reject(request_id=request.pk, acting_user=leader, reason="不同意")
    # when / then
    with pytest.raises(ValidationError, match="已驳回"):
        services.rollback_request_approve(request_id=request.pk, acting_user=leader)


def test_clerk_cannot_decide_a_rollback_request(client, clerk):
    # given
    request = _file_reopen(clerk, _completed_project())
    client.force_login(clerk)
    # when
    response = client.post(f"/leader/rollbacks/{request.pk}/approve/", {"expected_version": 1})
    # then
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.rollback_request_approve(request_id=request.pk, acting_user=clerk)
    request.refresh_from_db()
    assert request.status == RollbackStatus.PENDING


def test_leader_downloads_the_requests_evidence(client, clerk, leader):
    # given
    project = _completed_project()
    request = services.rollback_request_file(
        project_id=project.pk, transition="reopen", acting_user=clerk, reason="渗漏",
        evidence=SimpleUploadedFile("检测报告.pdf", b"%PDF-1.4\n%%EOF\n"))
    client.force_login(leader)
    # when
    response = client.get(f"/rollbacks/{request.pk}/evidence/")
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- rule thresholds ---------------------------------------------------------------------------


def test_leader_sees_every_threshold_with_its_default(client, leader):
    # given
    client.force_login(leader)
    # when
    page = client.get("/dispatch/thresholds/").content.decode()
    # then
    for key, label in ThresholdKey.choices:
        assert f'data-key="{key}"' in page and label in page
    assert f'name="{ThresholdKey.PROGRESS_RED_GAP}" value="30"' in page and "E+" not in page


def test_leader_changes_a_threshold_and_the_change_is_audited(client, leader):
    # given

    client.force_login(leader)
    thresholds = office_settings(group=SettingGroup.THRESHOLDS)
    values = {key: f"{value.normalize():f}" for key, value in thresholds.items()}
    values[ThresholdKey.PROGRESS_RED_GAP] = "25"
    # when
    response = client.post("/dispatch/thresholds/", values, follow=True)
    # then only the changed one is written, with its audit row
    assert "已调整 1 项阈值" in _messages(response)
    assert OfficeSetting.objects.get(key=ThresholdKey.PROGRESS_RED_GAP).typed_value == Decimal("25")
    assert OfficeSetting.objects.filter(key__in=ThresholdKey.values).count() == 1
    event = AuditEvent.objects.get(action=AuditAction.THRESHOLD_CHANGE)
    assert event.actor == leader and event.from_state == "30" and event.to_state == "25"
    assert "25" in response.content.decode()


def test_a_refused_threshold_leaves_the_others_unchanged(client, leader):
    # given one valid change and one percentage over 100

    client.force_login(leader)
    thresholds = office_settings(group=SettingGroup.THRESHOLDS)
    values = {key: f"{value.normalize():f}" for key, value in thresholds.items()}
    values[ThresholdKey.PROGRESS_RED_GAP] = "25"
    values[ThresholdKey.R2_BOTTOM_SHARE] = "150"
    # when
    response = client.post("/dispatch/thresholds/", values)
    # then the reason is shown in Chinese and nothing is saved
    assert response.status_code == 200
    assert "不能超过100" in response.content.decode()
    assert not OfficeSetting.objects.filter(key__in=ThresholdKey.values).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.THRESHOLD_CHANGE).exists()


def test_threshold_page_is_for_the_office_leader_only(client, clerk):
    # given
    client.force_login(clerk)
    # when / then
    assert client.get("/dispatch/thresholds/").status_code == 403
    assert client.post("/dispatch/thresholds/", {ThresholdKey.PROGRESS_RED_GAP: "1"}).status_code == 403
    assert not OfficeSetting.objects.filter(key__in=ThresholdKey.values).exists()


def test_leader_page_links_thresholds_and_signoff_queue(client, leader):
    # given
    client.force_login(leader)
    # when
    page = client.get("/leader/").content.decode()
    # then
    assert 'href="/dispatch/thresholds/"' in page
    assert 'href="/notices/desk/#signoffs"' in page and 'id="signoff"' in page


# --- project page: procedures and monthly plans ------------------------------------------------


def test_clerk_updates_a_procedure_from_the_project_page(client, clerk, preparation_project):
    # given
    client.force_login(clerk)
    project = preparation_project
    # when
    response = client.post(f"/projects/{project.pk}/procedures/", {
        "expected_version": project.version, "kind": "construction_permit", "status": "done",
        "started_on": "2025-08-01", "completed_on": "2025-09-10", "approving_body": "侯马市行政审批服务管理局",
        "note": "已取得施工许可证",
    }, follow=True)
    # then
    assert "已更新“施工许可(开工备案)”：已办结" in _messages(response)
    procedure = Procedure.objects.get(project=project, kind="construction_permit")
    assert procedure.status == "done" and procedure.completed_on == dt.date(2025, 9, 10)
    assert procedure.approving_body == "侯马市行政审批服务管理局"
    project_after = Project.objects.get(pk=project.pk)
    assert project_after.version == project.version + 1
    assert AuditEvent.objects.filter(action=AuditAction.PROCEDURE_UPDATE, project=project, actor=clerk,
                                     to_state="done").exists()


@pytest.mark.parametrize(("dates", "message"), [
    ({"completed_on": ""}, "手续办结须填写办结日期"),
    ({"started_on": "2025-09-10", "completed_on": "2025-09-01"}, "不能早于启动日期"),
    ({"completed_on": "2099-01-01"}, "不能晚于今天"),
])
def test_procedure_update_refuses_bad_dates_in_chinese(client, clerk, preparation_project, dates, message):
    # given
    client.force_login(clerk)
    data = {"expected_version": preparation_project.version, "kind": "construction_permit", "status": "done",
            "started_on": "", "completed_on": "", **dates}
    # when
    response = client.post(f"/projects/{preparation_project.pk}/procedures/", data, follow=True)
    # then
    assert message in _messages(response)
    permit = Procedure.objects.get(project=preparation_project, kind="construction_permit")
    assert permit.status == "in_progress"


def test_procedure_update_on_a_stale_page_is_a_conflict(client, clerk, preparation_project):
    # given
    client.force_login(clerk)
    # when
    response = client.post(f"/projects/{preparation_project.pk}/procedures/", {
        "expected_version": preparation_project.version - 1, "kind": "land_use", "status": "in_progress",
    }, follow=True)
    # then
    assert "已被他人修改" in _messages(response)
    assert not Procedure.objects.filter(project=preparation_project, kind="land_use").exists()


def test_county_liaison_cannot_edit_procedures_or_plans(client, county_liaison):
    # given the liaison's own project
    project = Project.objects.filter(unit__code="houma").first()
    client.force_login(county_liaison)
    # when
    procedure = client.post(f"/projects/{project.pk}/procedures/", {
        "expected_version": project.version, "kind": "land_use", "status": "done",
        "completed_on": "2025-09-01"})
    plan = client.post(f"/projects/{project.pk}/monthly-plans/", {
        "expected_version": project.version, "month": "2025-10", "planned_progress_percent": "50"})
    page = client.get(f"/projects/{project.pk}/").content.decode()
    # then
    assert procedure.status_code == 403 and plan.status_code == 403
    assert "procedure-form" not in page and "monthly-plan-form" not in page


def test_clerk_records_a_monthly_plan_and_the_page_shows_plan_against_actual(client, clerk,
                                                                             preparation_project):
    # given a weekly report in September
    project = preparation_project
    services.weekly_report_submit(project_id=project.pk, week_start=dt.date(2025, 9, 22), acting_user=clerk,
                                  progress_percent=8, completed_investment=50, funds_in_place=100)
    project.refresh_from_db()
    client.force_login(clerk)
    # when
    response = client.post(f"/projects/{project.pk}/monthly-plans/", {
        "expected_version": project.version, "month": "2025-09", "planned_progress_percent": "10",
        "planned_investment": "80", "milestone": "管网开挖",
    }, follow=True)
    # then
    assert "已保存2025年09月的月度计划" in _messages(response)
    plan = MonthlyPlan.objects.get(project=project, month=dt.date(2025, 9, 1))
    assert plan.planned_progress_percent == Decimal("10.00") and plan.milestone == "管网开挖"
    page = response.content.decode()
    assert "<td>2025-09</td><td>10.00%</td><td>8.00%</td><td>管网开挖</td>" in page
    assert AuditEvent.objects.filter(action=AuditAction.MONTHLY_PLAN, project=project,
                                     actor=clerk).count() == 1


def test_saving_the_same_month_again_corrects_the_plan(clerk, preparation_project):
    # given
    project = preparation_project
    services.monthly_plan_save(project_id=project.pk, month=dt.date(2025, 10, 1), acting_user=clerk,
                               planned_progress_percent=20)
    # when
    services.monthly_plan_save(project_id=project.pk, month=dt.date(2025, 10, 15), acting_user=clerk,
                               planned_progress_percent=25, milestone="主管道铺设")
    # then
    plan = MonthlyPlan.objects.get(project=project)
    assert plan.month == dt.date(2025, 10, 1) and plan.planned_progress_percent == Decimal("25.00")
    last = AuditEvent.objects.filter(action=AuditAction.MONTHLY_PLAN).order_by("-id").first()
    assert last.data["before"]["planned_progress_percent"] == "20.00"


@pytest.mark.parametrize(("data", "message"), [
    ({"planned_progress_percent": "120"}, "计划形象进度不能大于100"),
    ({"planned_progress_percent": "10", "planned_investment": "99999"}, "不能超过项目总投资"),
    ({"planned_progress_percent": "10", "month": "九月"}, "月份格式不正确"),
])
def test_monthly_plan_refuses_bad_input_in_chinese(client, clerk, preparation_project, data, message):
    # given
    client.force_login(clerk)
    form = {"expected_version": preparation_project.version, "month": "2025-10", **data}
    # when
    response = client.post(f"/projects/{preparation_project.pk}/monthly-plans/", form, follow=True)
    # then
    assert message in _messages(response)
    assert not MonthlyPlan.objects.filter(project=preparation_project).exists()


def test_monthly_plan_on_a_stale_page_is_a_conflict(client, clerk, preparation_project):
    # given
    client.force_login(clerk)
    # when
    response = client.post(f"/projects/{preparation_project.pk}/monthly-plans/", {
        "expected_version": preparation_project.version - 1, "month": "2025-10",
        "planned_progress_percent": "10"}, follow=True)
    # then
    assert "已被他人修改" in _messages(response)
    assert not MonthlyPlan.objects.filter(project=preparation_project).exists()


# --- notices waiting for sign-off ----------------------------------------------------------------


@pytest.fixture
def pending_letter(clerk):
    from demo.notices import email_endpoints_from_demo_users
    from notices import services as notice_services
    from notices.models import NoticeKind
    from tracker.models import AdministrativeUnit

    email_endpoints_from_demo_users()
    notice = notice_services.notice_draft_create(
        kind=NoticeKind.REMINDER, title="关于侯马市工程进度的提醒函",
        recipient_units=[AdministrativeUnit.objects.get(code="houma")],
        context={"reason": "测试", "items": []}, acting_user=clerk)
    return notice_services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)


def test_clerk_sees_the_signoff_queue_without_a_sign_button(client, clerk, pending_letter):
    # given
    client.force_login(clerk)
    # when
    page = client.get("/notices/").content.decode()
    ledger = client.get("/ledger/").content.decode()
    # then
    assert 'id="signoff"' in page and pending_letter.title in page
    assert f"/notices/{pending_letter.pk}/sign/" not in page
    # the navigation's 待签发公文: the desk's list, there even when empty
    assert 'href="/notices/desk/#signoffs"' in ledger


def test_leader_page_shows_notices_waiting_for_signoff(client, leader, pending_letter):
    # given
    client.force_login(leader)
    # when
    page = client.get("/leader/").content.decode()
    # then
    assert pending_letter.title in page and f"/notices/{pending_letter.pk}/" in page


# --- where each login lands -----------------------------------------------------------------------


@pytest.mark.parametrize(("username", "landing"), [
    ("admin", "/leader/"), ("leader", "/leader/"), ("clerk", "/office/"), ("cityleader", "/city/"),
    ("county_houma", "/unit/"), ("dept_water", "/department/"),
])
def test_each_demo_login_lands_on_its_role_page(client, demo_ledger, username, landing):
    # when the user logs in through the login page
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD}, follow=True)
    # then
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == landing


def test_department_liaison_lands_on_its_own_projects(client, demo_ledger):
    # given
    liaison = get_user_model().objects.get(username="dept_water")
    department = liaison.staff_profile.department
    # when
    response = client.post("/accounts/login/", {"username": "dept_water", "password": PASSWORD}, follow=True)
    # then every project listed is one of the department's
    page = response.content.decode()
    others = Project.objects.exclude(lead_department=department)
    assert all(f"/projects/{p.pk}/\"" not in page for p in others)
    assert any(f"/projects/{p.pk}/\"" in page for p in Project.objects.filter(lead_department=department))


def test_city_leader_dashboard_is_read_only(client, city_leader):
    # given
    client.force_login(city_leader)
    project = _completed_project()
    # when
    page = client.get(f"/projects/{project.pk}/").content.decode()
    # then
    assert "data-transition" not in page and "data-rollback" not in page and "procedure-form" not in page
