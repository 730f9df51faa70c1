"""The life cycle: every guard's refusal, the audit row of every transition, backward moves."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile

from tracker import services
from tracker.choices import AuditAction, ProcedureKind, ProcedureStatus, ProjectState
from tracker.models import AuditEvent, Procedure, Project
from tracker.services import TransitionRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_project(demo_ledger):
    """A fresh project in 前期 with every procedure but the construction permit done."""
    template = Project.objects.get(map_number=1)
    project = Project.objects.create(
        code="LF-TEST-001", map_number=9001, name="测试污水处理厂", unit=template.unit,
        lead_department=template.lead_department, domain=template.domain, owner_name="测试单位",
        total_investment=Decimal("1000.00"), planned_start=dt.date(2025, 3, 1),
        planned_completion=dt.date(2025, 12, 31), target_year=2025,
    )
    for kind in ProcedureKind:
        status = (ProcedureStatus.IN_PROGRESS if kind == ProcedureKind.CONSTRUCTION_PERMIT
                  else ProcedureStatus.DONE)
        Procedure.objects.create(project=project, kind=kind, status=status, completed_on=dt.date(2025, 2, 1))
    return project


def _start_order():
    return ContentFile(b"%PDF-1.4 start order", name="start-order.pdf")


def _transition(project, name, user, **kwargs):
    if name == "start":  # 开工 rests on a 开工令 and a word why
        kwargs.setdefault("evidence", _start_order())
        kwargs.setdefault("reason", "具备开工条件")
    return services.project_transition(project_id=project.pk, transition=name, acting_user=user, **kwargs)


def _permit(project):
    """The project's construction permit (as a queryset, to update)."""
    return Procedure.objects.filter(project=project, kind=ProcedureKind.CONSTRUCTION_PERMIT)


def test_start_refused_without_construction_permit(new_project, clerk):
    with pytest.raises(TransitionRefused) as refusal:
        _transition(new_project, "start", clerk, effective_on=dt.date(2025, 3, 5))
    assert any("施工许可" in m for m in refusal.value.messages)
    new_project.refresh_from_db()
    assert new_project.state == ProjectState.PREPARATION
    assert new_project.actual_start is None
    assert not AuditEvent.objects.filter(project=new_project, action=AuditAction.PROJECT_TRANSITION).exists()


def test_start_refused_without_actual_start_date(new_project, clerk):
    _permit(new_project).update(status="done")
    with pytest.raises(TransitionRefused) as refusal:
        _transition(new_project, "start", clerk)
    assert "请填写发生日期（实际开工日期）" in refusal.value.messages


def test_start_allowed_when_permit_not_required(new_project, clerk):
    _permit(new_project).update(status="not_required")
    project = _transition(new_project, "start", clerk, effective_on=dt.date(2025, 3, 5))
    assert project.state == ProjectState.UNDER_CONSTRUCTION


def test_start_writes_audit_row_with_who_when_why(new_project, clerk):
    # given
    _permit(new_project).update(status="done")
    # when
    project = _transition(
        new_project, "start", clerk, effective_on=dt.date(2025, 3, 5), reason="具备开工条件",
        evidence=ContentFile(b"%PDF-1.4 permit", name="permit.pdf"),
    )
    # then
    event = AuditEvent.objects.get(project=project, action=AuditAction.PROJECT_TRANSITION)
    assert (event.from_state, event.to_state) == ("preparation", "under_construction")
    assert event.actor == clerk
    assert event.actor_name == "刘志强"
    assert event.reason == "具备开工条件"
    assert event.effective_on == dt.date(2025, 3, 5)
    assert event.evidence.name.endswith(".pdf")
    assert project.actual_start == dt.date(2025, 3, 5)
    assert project.version == 2


@pytest.fixture
def started_project(new_project, clerk):
    _permit(new_project).update(status="done")
    return _transition(new_project, "start", clerk, effective_on=dt.date(2025, 3, 5))


def test_complete_refused_below_full_progress(started_project, clerk):
    services.weekly_report_submit(
        project_id=started_project.pk, week_start=dt.date(2025, 6, 2), acting_user=clerk,
        progress_percent=95, completed_investment=900, funds_in_place=950,
    )
    with pytest.raises(TransitionRefused) as refusal:
        _transition(started_project, "complete", clerk, effective_on=dt.date(2025, 6, 6))
    assert any("形象进度未达到100%" in m for m in refusal.value.messages)


def test_complete_refused_without_completion_date(started_project, clerk):
    services.weekly_report_submit(
        project_id=started_project.pk, week_start=dt.date(2025, 6, 2), acting_user=clerk,
        progress_percent=100, completed_investment=1000, funds_in_place=1000,
    )
    with pytest.raises(TransitionRefused) as refusal:
        _transition(started_project, "complete", clerk)
    assert refusal.value.messages == ["请填写发生日期（实际完工日期）"]


@pytest.fixture
def completed_project(started_project, clerk):
    services.weekly_report_submit(
        project_id=started_project.pk, week_start=dt.date(2025, 6, 2), acting_user=clerk,
        progress_percent=100, completed_investment=1000, funds_in_place=1000,
    )
    return _transition(started_project, "complete", clerk, effective_on=dt.date(2025, 6, 6))


def test_make_effective_refused_without_acceptance_note_and_evidence(completed_project, clerk):
    with pytest.raises(TransitionRefused) as refusal:
        _transition(completed_project, "make_effective", clerk)
    assert set(refusal.value.messages) == {"请填写发生日期（验收日期）", "请填写达效情况说明", "请上传达效佐证材料"}


def test_make_effective_with_evidence_records_it(completed_project, clerk):
    project = _transition(
        completed_project, "make_effective", clerk, effective_on=dt.date(2025, 8, 1),
        effect_note="出水稳定达到一级A", evidence=ContentFile(b"%PDF-1.4 report", name="acceptance.pdf"),
    )
    assert project.state == ProjectState.EFFECTIVE
    event = (AuditEvent.objects.filter(project=project, action=AuditAction.PROJECT_TRANSITION)
             .order_by("-id").first())
    assert event.to_state == "effective"
    assert event.evidence.name == project.effect_evidence.name


def test_suspend_requires_reason_and_resume_brings_it_back(started_project, clerk):
    with pytest.raises(TransitionRefused):
        _transition(started_project, "suspend", clerk)
    _transition(started_project, "suspend", clerk, reason="冬季停工", effective_on=dt.date(2025, 12, 10))
    project = _transition(started_project, "resume", clerk, effective_on=dt.date(2026, 3, 1))
    assert project.state == ProjectState.UNDER_CONSTRUCTION
    states = list(
        AuditEvent.objects.filter(project=project, action=AuditAction.PROJECT_TRANSITION)
        .order_by("id").values_list("to_state", flat=True)
    )
    assert states == ["under_construction", "suspended", "under_construction"]


def test_backward_move_refused_for_clerk(completed_project, clerk):
    with pytest.raises(PermissionDenied):
        _transition(completed_project, "reopen", clerk, reason="验收发现问题")
    completed_project.refresh_from_db()
    assert completed_project.state == ProjectState.COMPLETED


def test_backward_move_by_leader_needs_reason(completed_project, leader):
    with pytest.raises(TransitionRefused):
        _transition(completed_project, "reopen", leader)
    project = _transition(completed_project, "reopen", leader, reason="验收发现质量问题，返工")
    assert project.state == ProjectState.UNDER_CONSTRUCTION
    assert project.actual_completion is None


def test_transition_from_wrong_state_is_refused_with_current_state(new_project, clerk):
    with pytest.raises(TransitionRefused) as refusal:
        _transition(new_project, "complete", clerk, effective_on=dt.date(2025, 6, 1))
    assert "前期" in refusal.value.messages[0]


def test_state_field_cannot_be_assigned_directly(new_project):
    with pytest.raises(AttributeError):
        new_project.state = ProjectState.COMPLETED


def test_state_cannot_be_changed_through_project_update(new_project, clerk):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.project_update(
            project_id=new_project.pk, acting_user=clerk, expected_version=new_project.version,
            changes={"state": "completed"},
        )


def test_unknown_transition_is_refused(new_project, clerk):
    with pytest.raises(TransitionRefused):
        _transition(new_project, "teleport", clerk)
