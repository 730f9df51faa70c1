"""Rules a 专班 checks: 开工 evidence and earlier procedures, 批复文件, date order,
problems' 责任单位 and 办理时限."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from offices.keys import HandlingRuleKey, StartGateMode
from offices.selectors import office_setting
from tracker import services
from tracker.choices import (
    AuditAction,
    ProcedureKind,
    ProcedureStatus,
    ProjectState,
)
from tracker.models import AuditEvent, Procedure
from tracker.services import TransitionRefused

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def permitted_project(preparation_project, leader):
    """A project in 前期 whose construction permit is granted and whose earlier procedures are all settled."""
    for kind in ProcedureKind:
        services.procedure_update(project_id=preparation_project.pk, kind=kind, acting_user=leader,
                                  status=ProcedureStatus.DONE, completed_on=dt.date(2025, 8, 20))
    preparation_project.refresh_from_db()
    return preparation_project


def _start(project, user, **kwargs):
    kwargs.setdefault("effective_on", dt.date(2025, 9, 20))
    return services.project_transition(project_id=project.pk, transition="start", acting_user=user, **kwargs)


# --- 开工: evidence, reason, earlier procedures ------------------------------------------------


def test_start_refused_without_start_order_or_photos_and_reason(permitted_project, clerk):
    # given a project that meets every procedure
    # when it is started with neither evidence nor a reason
    with pytest.raises(TransitionRefused) as refusal:
        _start(permitted_project, clerk)
    # then both are asked for and nothing moved
    assert "请上传开工令或现场照片作为佐证材料" in refusal.value.messages
    assert "请填写开工说明（原因/说明）" in refusal.value.messages
    permitted_project.refresh_from_db()
    assert permitted_project.state == ProjectState.PREPARATION


def test_start_refused_when_the_evidence_is_not_a_document_or_image(permitted_project, clerk):
    # given a program renamed to look like a start order
    disguised = ContentFile(b"MZ\x90\x00" + b"\x00" * 64, name="开工令.pdf")
    # when
    with pytest.raises(TransitionRefused) as refusal:
        _start(permitted_project, clerk, reason="具备开工条件", evidence=disguised)
    # then
    assert any("与文件内容不符" in m for m in refusal.value.messages)


def test_start_accepted_with_site_photo_and_reason(permitted_project, clerk):
    # when
    project = _start(permitted_project, clerk, reason="现场已进场施工", evidence=ContentFile(PNG, name="现场.png"))
    # then
    assert project.state == ProjectState.UNDER_CONSTRUCTION
    event = AuditEvent.objects.get(project=project, action=AuditAction.PROJECT_TRANSITION)
    assert event.evidence.name.endswith(".png")
    assert project.transition_warnings == []


def test_missing_date_message_names_the_fields_label(permitted_project, clerk):
    # when the 发生日期 field is left empty
    with pytest.raises(TransitionRefused) as refusal:
        services.project_transition(project_id=permitted_project.pk, transition="start", acting_user=clerk,
                                    reason="具备开工条件", evidence=ContentFile(PDF, name="开工令.pdf"))
    # then the message says the label the clerk sees on the form
    assert "请填写发生日期（实际开工日期）" in refusal.value.messages
    assert "请填写实际开工日期" not in refusal.value.messages


def test_start_with_unsettled_earlier_procedures_warns_and_records_by_default(permitted_project, clerk,
                                                                              leader):
    # given 用地 and 环评 still open
    for kind in (ProcedureKind.LAND_USE, ProcedureKind.ENVIRONMENTAL_IMPACT):
        services.procedure_update(project_id=permitted_project.pk, kind=kind, acting_user=leader,
                                  status=ProcedureStatus.IN_PROGRESS)
    # when
    project = _start(permitted_project, clerk, reason="先行开工", evidence=ContentFile(PDF, name="开工令.pdf"))
    # then it starts, with the warning said and written down
    assert project.state == ProjectState.UNDER_CONSTRUCTION
    assert project.transition_warnings == ["前期手续尚未办结：用地手续（办理中）、环评批复（办理中）"]
    event = AuditEvent.objects.get(project=project, action=AuditAction.PROJECT_TRANSITION)
    assert event.data["warnings"] == project.transition_warnings


def test_start_with_unsettled_earlier_procedures_refused_when_the_leader_says_so(permitted_project, clerk,
                                                                                leader):
    # given the leader chose to refuse, and 招投标 has not started
    services.handling_rule_set(key=HandlingRuleKey.START_EARLIER_PROCEDURES, value=StartGateMode.REFUSE,
                               acting_user=leader)
    services.procedure_update(project_id=permitted_project.pk, kind=ProcedureKind.TENDERING,
                              acting_user=leader, status=ProcedureStatus.NOT_STARTED)
    # when
    with pytest.raises(TransitionRefused) as refusal:
        _start(permitted_project, clerk, reason="具备开工条件", evidence=ContentFile(PDF, name="开工令.pdf"))
    # then
    assert any("招投标（未启动）" in m and "不能开工" in m for m in refusal.value.messages)
    change = AuditEvent.objects.get(action=AuditAction.THRESHOLD_CHANGE, object_id="start_earlier_procedures")
    assert (change.from_state, change.to_state, change.actor) == ("warn", "refuse", leader)


def test_only_an_office_leader_sets_the_start_rule(clerk):
    with pytest.raises(PermissionDenied):
        services.handling_rule_set(key=HandlingRuleKey.START_EARLIER_PROCEDURES, value=StartGateMode.REFUSE,
                                   acting_user=clerk)


def test_leader_sets_the_start_rule_on_the_thresholds_page(client, leader, clerk):
    # given
    client.force_login(leader)
    # when
    response = client.post("/dispatch/thresholds/start-gate/", {"mode": "refuse"}, follow=True)
    # then
    assert "已设置" in response.content.decode()
    assert office_setting(HandlingRuleKey.START_EARLIER_PROCEDURES) == "refuse"
    client.force_login(clerk)
    assert client.post("/dispatch/thresholds/start-gate/", {"mode": "warn"}).status_code == 403


def test_project_page_asks_for_the_start_order_and_warns_of_unsettled_procedures(client, clerk,
                                                                                 preparation_project):
    # given a project whose earlier procedures are not recorded
    client.force_login(clerk)
    # when
    page = client.get(f"/projects/{preparation_project.pk}/").content.decode()
    # then
    assert "开工令或现场照片（必传" in page
    assert "前期手续尚未办结：立项/可研批复（未录入）" in page


# --- 批复文件 -------------------------------------------------------------------------------------


def test_procedure_holds_its_approval_document_shown_in_history(client, clerk, preparation_project):
    # given
    client.force_login(clerk)
    # when the 环评批复 is recorded with its number, date and scan
    response = client.post(f"/projects/{preparation_project.pk}/procedures/", {
        "expected_version": preparation_project.version, "kind": "environmental_impact", "status": "done",
        "completed_on": "2025-08-10", "approval_number": "临环审〔2025〕18号", "approval_date": "2025-08-10",
        "approval_file": SimpleUploadedFile("环评批复.pdf", PDF),
    }, follow=True)
    # then it is kept, downloadable, and the history says what it was
    procedure = Procedure.objects.get(project=preparation_project, kind="environmental_impact")
    assert procedure.approval_number == "临环审〔2025〕18号"
    assert procedure.approval_date == dt.date(2025, 8, 10)
    assert procedure.approval_file.name.endswith(".pdf")
    page = response.content.decode()
    assert "临环审〔2025〕18号" in page
    event = AuditEvent.objects.filter(project=preparation_project,
                                      action=AuditAction.PROCEDURE_UPDATE).latest("id")
    assert "批复文号 临环审〔2025〕18号" in event.reason and "批复日期 2025-08-10" in event.reason
    download = client.get(f"/procedures/{procedure.pk}/approval-file/")
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_approval_file_must_be_a_real_document(leader, preparation_project):
    with pytest.raises(ValidationError) as refusal:
        services.procedure_update(
            project_id=preparation_project.pk, kind="land_use", acting_user=leader, status="done",
            completed_on=dt.date(2025, 8, 1), approval_file=ContentFile(b"not a pdf", name="批复.pdf"),
        )
    assert "与文件内容不符" in refusal.value.messages[0]


# --- date order --------------------------------------------------------------------------------


def test_planned_completion_after_planned_effective_is_refused(leader, preparation_project):
    with pytest.raises(ValidationError) as refusal:
        services.project_update(project_id=preparation_project.pk, acting_user=leader,
                                expected_version=preparation_project.version,
                                changes={"planned_effective": dt.date(2026, 3, 1)})
    assert "计划达效日期（2026-03-01）不能早于计划完工日期（2026-06-30）" in refusal.value.messages


def test_planned_start_after_planned_completion_is_refused_on_create(leader, preparation_project):
    with pytest.raises(ValidationError) as refusal:
        services.project_create(
            acting_user=leader, code="LF-TEST-902", map_number=902, name="日期颠倒的项目",
            unit=preparation_project.unit, lead_department=preparation_project.lead_department,
            domain=preparation_project.domain, owner_name="某单位", total_investment=Decimal("10"),
            planned_start=dt.date(2026, 1, 1), planned_completion=dt.date(2025, 1, 1), target_year=2026,
        )
    assert any("计划完工日期（2025-01-01）不能早于计划开工日期（2026-01-01）" in m for m in refusal.value.messages)


def test_acceptance_before_completion_is_refused(permitted_project, clerk, leader):
    # given a completed project
    project = _start(permitted_project, clerk, reason="开工", evidence=ContentFile(PDF, name="开工令.pdf"))
    services.weekly_report_submit(project_id=project.pk, week_start=dt.date(2025, 9, 22), acting_user=clerk,
                                  progress_percent=100, completed_investment=1200, funds_in_place=1200)
    services.project_transition(project_id=project.pk, transition="complete", acting_user=clerk,
                                effective_on=dt.date(2025, 9, 25))
    # when the acceptance date lies before the completion
    with pytest.raises(TransitionRefused) as refusal:
        services.project_transition(
            project_id=project.pk, transition="make_effective", acting_user=leader,
            effective_on=dt.date(2025, 9, 21), effect_note="达效", evidence=ContentFile(PDF, name="验收.pdf"),
        )
    # then
    assert "验收(达效)日期（2025-09-21）不能早于实际完工日期（2025-09-25）" in refusal.value.messages


# --- problems: 责任单位 and 办理时限 ----------------------------------------------------------------


def test_problem_carries_responsible_unit_and_deadline(clerk, preparation_project):
    # when
    problem = services.problem_raise(
        project_id=preparation_project.pk, acting_user=clerk, description="用地指标未落实", category="land",
        raised_on=dt.date(2025, 9, 1), responsible_unit="市自然资源局", due_on=dt.date(2025, 9, 30),
    )
    # then
    assert (problem.responsible_unit, problem.due_on) == ("市自然资源局", dt.date(2025, 9, 30))
    assert problem.days_left(dt.date(2025, 9, 26)) == 4
    assert problem.days_left(dt.date(2025, 10, 3)) == -3


def test_problem_without_responsible_unit_falls_to_the_projects_county(clerk, preparation_project):
    problem = services.problem_raise(project_id=preparation_project.pk, acting_user=clerk,
                                     description="资金未到位", category="funds")
    assert problem.responsible_unit == "侯马市"


def test_problem_deadline_before_it_is_raised_is_refused(clerk, preparation_project):
    with pytest.raises(ValidationError):
        services.problem_raise(project_id=preparation_project.pk, acting_user=clerk, description="资金未到位",
                               category="funds", raised_on=dt.date(2025, 9, 10), due_on=dt.date(2025, 9, 1))


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_project_page_and_escalated_list_show_days_overdue(client, clerk, leader, preparation_project):
    # given a problem raised on 10 September, due on 30 September, lifted to 市政府
    client.force_login(clerk)
    with time_machine.travel(dt.datetime(2025, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        raised = client.post(f"/projects/{preparation_project.pk}/problems/", {
            "description": "跨县管网路由未协调", "category": "responsibility", "responsible_unit": "市住建局",
            "due_on": "2025-09-30",
        }, follow=True)
    assert "问题已登记" in raised.content.decode()
    problem = preparation_project.problems.get()
    services.problem_escalate(problem_id=problem.pk, acting_user=leader, reason="专班协调未果",
                              on_date=dt.date(2025, 9, 25))
    # when the pages are read on 3 October
    with time_machine.travel(dt.datetime(2025, 10, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        project_page = client.get(f"/projects/{preparation_project.pk}/").content.decode()
        escalated = client.get("/problems/escalated/").content.decode()
    # then
    for page in (project_page, escalated):
        assert "市住建局" in page
        assert "已逾期3天" in page
