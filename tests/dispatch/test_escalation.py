"""R7, the escalation ladder: 专班 → 市政府 → 省专班 after 10 working days each, never twice."""

from __future__ import annotations

import datetime as dt

import pytest

from core.actors import SYSTEM
from dispatch import services
from dispatch.models import Rule, RuleFiring
from notices import services as notice_services
from notices.models import Notice, NoticeKind
from offices.keys import SettingGroup
from offices.selectors import office_settings
from tests.dispatch.helpers import frozen
from tracker.choices import AuditAction, EscalationLevel, Role
from tracker.models import AuditEvent, Problem, Project, StaffProfile
from tracker.services import problem_escalate, problem_raise

D = dt.date
pytestmark = pytest.mark.django_db


def _escalate(day: dt.date) -> list[RuleFiring]:
    with frozen(day):
        thresholds = office_settings(group=SettingGroup.THRESHOLDS)
        return services.escalations_run(on_date=day, thresholds=thresholds, acting_user=SYSTEM)


def _mine(firings: list[RuleFiring], problem: Problem) -> list[str]:
    return [f.period for f in firings if f.subject == f"problem:{problem.pk}"]


def _problem(raised_on: dt.date) -> Problem:
    project = Project.objects.order_by("map_number").first()
    return problem_raise(
        project_id=project.pk,
        acting_user=SYSTEM,
        description="跨县资金分担不明确",
        category="funds",
        raised_on=raised_on,
    )


def test_ladder_across_the_spring_festival(demo_ledger):
    # given a problem at 专班 level since Monday 2025-01-20
    problem = _problem(D(2025, 1, 20))
    # when the scan runs on 02-07 (9 working days: 01-21..24, 调休 Sunday 01-26, 01-27, 02-05..07)
    assert _mine(_escalate(D(2025, 2, 7)), problem) == []
    # then on the 调休 Saturday 02-08 (the 10th working day) it rises to 市政府, once
    assert _mine(_escalate(D(2025, 2, 8)), problem) == [EscalationLevel.CITY]
    assert _mine(_escalate(D(2025, 2, 8)), problem) == []
    problem.refresh_from_db()
    assert problem.level == EscalationLevel.CITY and problem.level_since == D(2025, 2, 8)
    assert problem.responsible_leader == StaffProfile.objects.get(role=Role.CITY_LEADER).full_name
    # and 10 more working days later (02-21, not 02-20) to 省专班, then no further
    assert _mine(_escalate(D(2025, 2, 20)), problem) == []
    assert _mine(_escalate(D(2025, 2, 21)), problem) == [EscalationLevel.PROVINCE]
    assert _mine(_escalate(D(2025, 4, 30)), problem) == []
    events = AuditEvent.objects.filter(action=AuditAction.PROBLEM_ESCALATE, object_id=str(problem.pk))
    assert sorted(events.values_list("to_state", flat=True)) == ["city", "province"]


def test_ladder_across_the_national_day_make_up_sunday(demo_ledger):
    # given a problem at 专班 level since Monday 2025-09-15
    problem = _problem(D(2025, 9, 15))
    # when / then: 9 working days by Friday 09-26; the 调休 Sunday 09-28 is the 10th
    assert _mine(_escalate(D(2025, 9, 26)), problem) == []
    assert _mine(_escalate(D(2025, 9, 28)), problem) == [EscalationLevel.CITY]
    # 09-29, 09-30, (National Day), 10-09, 10-10, 调休 Saturday 10-11, 10-13..16 = 9; 10-17 = 10
    assert _mine(_escalate(D(2025, 10, 16)), problem) == []
    assert _mine(_escalate(D(2025, 10, 17)), problem) == [EscalationLevel.PROVINCE]


def test_no_second_escalation_when_a_clerk_escalated_by_hand_first(demo_ledger, clerk):
    # given a clerk escalated the problem by hand on 02-08, the day it fell due
    problem = _problem(D(2025, 1, 20))
    problem_escalate(problem_id=problem.pk, acting_user=clerk, reason="协调无果", on_date=D(2025, 2, 8))
    # when the scheduler scans the same day
    fired = _escalate(D(2025, 2, 8))
    # then it neither escalates again nor records a firing
    assert _mine(fired, problem) == []
    problem.refresh_from_db()
    assert problem.level == EscalationLevel.CITY
    assert not RuleFiring.objects.filter(subject=f"problem:{problem.pk}").exists()


def test_resolved_problem_is_never_escalated(demo_ledger, clerk):
    problem = _problem(D(2025, 1, 20))
    Problem.objects.filter(pk=problem.pk).update(status="resolved", resolved_on=D(2025, 2, 6))
    assert _mine(_escalate(D(2025, 3, 3)), problem) == []


def _liaison_of(unit_id: int):
    return StaffProfile.objects.get(role=Role.COUNTY_LIAISON, unit_id=unit_id).user


def test_overdue_supervision_answer_rises_like_a_problem_and_answered_letters_do_not(demo_ledger, leader):
    # given two 督办函 of 2025-09-01, signed the same day by the leader (answer due 09-15);
    # the second county acknowledges and answers in time
    with frozen(D(2025, 9, 1)):
        fired = services.daily_scan_run(on_date=D(2025, 9, 1), acting_user=SYSTEM)
        letters = [f for f in fired if f.rule == Rule.R3_SUPERVISION]
        late, answered = letters[0], next(f for f in letters[1:] if f.unit_id != letters[0].unit_id)
        unsigned = [f for f in letters if f.pk not in (late.pk, answered.pk)]
        for firing in (late, answered):
            notice_services.notice_sign_and_issue(notice_id=firing.notice_id, acting_user=leader)
    assert Notice.objects.get(pk=late.notice_id).answer_deadline == D(2025, 9, 15)
    with frozen(D(2025, 9, 12)):
        liaison = _liaison_of(answered.unit_id)
        notice_services.notice_acknowledge(notice_id=answered.notice_id, acting_user=liaison)
        notice_services.notice_answer(
            notice_id=answered.notice_id, acting_user=liaison, text="已制定赶工计划"
        )
    # when the scan runs on the deadline and the day after
    on_deadline = _escalate(D(2025, 9, 15))
    day_after = _escalate(D(2025, 9, 16))
    # then only the unanswered signed letter rises to 市政府, the day after its deadline, audited
    subjects = lambda fs: [(f.subject, f.period) for f in fs if f.subject.startswith("firing:")]  # noqa: E731
    assert subjects(on_deadline) == []
    assert subjects(day_after) == [(f"firing:{late.pk}", "city")]
    assert not any(s == f"firing:{f.pk}" for f in unsigned for s, _ in subjects(day_after))
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.NOTICE,
            object_type="supervision_escalation",
            to_state="city",
            effective_on=D(2025, 9, 16),
        ).count()
        == 1
    )
    # and 10 working days later (09-17..19, 22..26, 调休 09-28, 09-29) to 省专班, once
    assert subjects(_escalate(D(2025, 9, 28))) == []
    assert subjects(_escalate(D(2025, 9, 29))) == [(f"firing:{late.pk}", "province")]
    assert subjects(_escalate(D(2025, 9, 30))) == []
    # one letter per county that day, however many of its projects fired
    assert Notice.objects.filter(kind=NoticeKind.SUPERVISION).count() == len({f.notice_id for f in letters})
