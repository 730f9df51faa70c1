"""The rules' boundaries, as pure functions over facts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dispatch import rules
from dispatch.models import Rule
from dispatch.rules import GREEN, RED, YELLOW, UnitMonthActivity
from offices.keys import ThresholdKey
from tests.dispatch.facts import THRESHOLDS, project_facts
from tracker.choices import ProjectState

D = dt.date
PREP = ProjectState.PREPARATION


# --- lights -------------------------------------------------------------------------------


def test_start_light_green_while_planned_start_month_is_ahead():
    # given a project planned to start on 2025-05-20, not started
    # when scanned on the last day of April
    facts = project_facts(on_date=D(2025, 4, 30), state=PREP, planned_start=D(2025, 5, 20), actual_start=None)
    # then its start light is green
    assert facts.lights.start == GREEN


def test_start_light_yellow_once_planned_start_month_has_come():
    # given / when scanned on the first of its planned start month (before the planned day)
    facts = project_facts(on_date=D(2025, 5, 1), state=PREP, planned_start=D(2025, 5, 20), actual_start=None)
    # then
    assert facts.lights.start == YELLOW


def test_start_light_red_three_months_past_planned_start_not_a_day_earlier():
    # given a project planned to start 2025-05-20 that has not started
    kwargs = {"state": PREP, "planned_start": D(2025, 5, 20), "actual_start": None}
    # when scanned the day before / on the day three months later
    day_before = project_facts(on_date=D(2025, 8, 19), **kwargs)
    on_the_day = project_facts(on_date=D(2025, 8, 20), **kwargs)
    # then yellow, then red
    assert day_before.lights.start == YELLOW
    assert on_the_day.lights.start == RED


def test_start_light_green_when_started_whatever_the_dates():
    facts = project_facts(on_date=D(2025, 12, 1), planned_start=D(2025, 1, 1), progress="50")
    assert facts.lights.start == GREEN


def test_expected_progress_is_share_of_time_from_actual_start_to_planned_completion():
    # given started 2025-01-01, planned completion 2025-01-11 (10 days)
    # when 4 days have elapsed
    expected = rules.expected_progress(
        start=D(2025, 1, 1), planned_completion=D(2025, 1, 11), on_date=D(2025, 1, 5)
    )
    # then 40%, and 100% once the completion date has passed
    assert expected == Decimal("40.00")
    assert (
        rules.expected_progress(start=D(2025, 1, 1), planned_completion=D(2025, 1, 11), on_date=D(2025, 2, 1))
        == 100
    )


def test_progress_light_green_at_exactly_ten_points_behind_yellow_just_past():
    # given expected progress 40% (4 of 10 days elapsed)
    base = {"on_date": D(2025, 1, 5), "actual_start": D(2025, 1, 1), "planned_completion": D(2025, 1, 11)}
    # when actual progress is 30 / 29.99 / 10 / 9.99
    assert project_facts(progress="30", **base).lights.progress == GREEN
    assert project_facts(progress="29.99", **base).lights.progress == YELLOW
    assert project_facts(progress="10", **base).lights.progress == YELLOW
    # then more than 30 points behind is red
    assert project_facts(progress="9.99", **base).lights.progress == RED


def test_progress_light_follows_changed_thresholds():
    # given the office widened the yellow band to 20 points
    thresholds = {**THRESHOLDS, ThresholdKey.PROGRESS_YELLOW_GAP: Decimal("20")}
    base = {"on_date": D(2025, 1, 5), "actual_start": D(2025, 1, 1), "planned_completion": D(2025, 1, 11)}
    # when 15 points behind
    facts = project_facts(progress="25", thresholds=thresholds, **base)
    # then green
    assert facts.lights.progress == GREEN


def test_no_progress_light_before_start_and_green_once_completed():
    assert project_facts(on_date=D(2025, 3, 1), state=PREP, actual_start=None).lights.progress is None
    done = project_facts(on_date=D(2026, 3, 1), state=ProjectState.COMPLETED, progress="100")
    assert done.lights.progress == GREEN


# --- R1 ----------------------------------------------------------------------------------


def test_r1_warns_for_start_this_month_or_next_with_procedures_pending_one_letter_per_unit():
    # given, on 2025-03-03: starts planned in March and April with pending procedures (unit 1),
    # one in May (too far), one in March with everything settled
    on = D(2025, 3, 3)
    projects = [
        project_facts(
            on_date=on,
            pk=1,
            state=PREP,
            planned_start=D(2025, 3, 31),
            actual_start=None,
            pending=("用地手续",),
        ),
        project_facts(
            on_date=on,
            pk=2,
            state=PREP,
            planned_start=D(2025, 4, 30),
            actual_start=None,
            pending=("环评批复",),
        ),
        project_facts(
            on_date=on,
            pk=3,
            state=PREP,
            planned_start=D(2025, 5, 1),
            actual_start=None,
            pending=("用地手续",),
        ),
        project_facts(
            on_date=on, pk=4, state=PREP, planned_start=D(2025, 3, 10), actual_start=None, pending=()
        ),
    ]
    # when
    findings = rules.r1_warnings(projects=projects, on_date=on, thresholds=THRESHOLDS)
    # then one letter to unit 1 listing projects 1 and 2, with the facts that made it fire
    assert len(findings) == 1
    letter = findings[0]
    assert (letter.rule, letter.subject, letter.period) == (Rule.R1_WARNING, "unit:1", "2025-03")
    assert [item["project_id"] for item in letter.items] == [1, 2]
    assert "用地手续尚未办结" in letter.items[0]["facts"]
    assert "项目1" in letter.facts and "项目3" not in letter.facts


def test_r1_warns_for_completion_within_two_months_only_when_light_not_green():
    # given, on 2025-03-03 (horizon 2025-05-03): started 2025-01-01
    on = D(2025, 3, 3)
    behind = project_facts(on_date=on, pk=1, planned_completion=D(2025, 5, 3), progress="10")
    on_track = project_facts(on_date=on, pk=2, planned_completion=D(2025, 5, 3), progress="60", unit_id=2)
    too_far = project_facts(on_date=on, pk=3, planned_completion=D(2025, 5, 4), progress="0", unit_id=3)
    # when
    findings = rules.r1_warnings(projects=[behind, on_track, too_far], on_date=on, thresholds=THRESHOLDS)
    # then only the lagging one within the horizon
    assert [f.subject for f in findings] == ["unit:1"]
    assert "较工期要求滞后" in findings[0].items[0]["facts"] and "灯" not in findings[0].items[0]["facts"]


# --- R2 ----------------------------------------------------------------------------------


def test_r2_reminds_bottom_quarter_of_units_and_departments_and_any_red_light():
    # given 8 units, one project each, progressively further behind (unit 8 worst); unit 1 has
    # a red start light although otherwise best
    on = D(2025, 6, 2)
    projects = [
        project_facts(
            on_date=on,
            pk=i,
            unit_id=i,
            department_id=1,
            actual_start=D(2025, 1, 1),
            planned_completion=D(2025, 12, 31),
            progress=str(60 - i * 5),
        )
        for i in range(2, 9)
    ]
    projects.append(
        project_facts(
            on_date=on,
            pk=1,
            unit_id=1,
            department_id=2,
            state=PREP,
            actual_start=None,
            planned_start=D(2025, 2, 1),
            planned_completion=D(2025, 3, 1),
        )
    )
    # when
    findings = rules.r2_reminders(projects=projects, on_date=on, thresholds=THRESHOLDS)
    # then: bottom quarter of 8 units = 2 (units 8 and 1 by score); unit 1 also for its red light;
    # of 2 departments, ceil(0.5) = 1: department 2
    subjects = sorted(f.subject for f in findings)
    assert subjects == ["department:2", "unit:1", "unit:8"]
    unit_1 = next(f for f in findings if f.subject == "unit:1")
    assert "严重滞后" in unit_1.facts and [item["project_id"] for item in unit_1.items] == [1]


# --- R3 ----------------------------------------------------------------------------------


def test_r3_supervises_rise_below_five_points_over_last_four_reports():
    on = D(2025, 3, 3)
    base = {"on_date": on, "actual_start": D(2025, 2, 1), "planned_completion": D(2026, 6, 30)}
    slow = project_facts(pk=1, progress="14.99", recent=("14.99", "12", "11", "10"), **base)
    enough = project_facts(pk=2, progress="15", recent=("15", "12", "11", "10"), **base)
    too_few = project_facts(pk=3, progress="10", recent=("10", "10", "10"), **base)
    findings = rules.r3_supervisions(projects=[slow, enough, too_few], on_date=on, thresholds=THRESHOLDS)
    assert [f.subject for f in findings] == ["project:1"]
    assert findings[0].period == "2025-03"
    assert "仅提高4.99个百分点" in findings[0].facts


def test_r3_supervises_red_light_even_with_good_rise():
    on = D(2025, 6, 1)
    red = project_facts(
        on_date=on,
        pk=1,
        actual_start=D(2025, 1, 1),
        planned_completion=D(2025, 7, 1),
        progress="40",
        recent=("40", "30", "20", "10"),
    )
    findings = rules.r3_supervisions(projects=[red], on_date=on, thresholds=THRESHOLDS)
    assert len(findings) == 1 and "较工期要求滞后" in findings[0].facts and "灯" not in findings[0].facts


# --- R4 ----------------------------------------------------------------------------------


def test_r4_site_visit_within_thirty_days_below_ninety_percent_or_past_completion():
    on = D(2025, 9, 1)
    in_30_low = project_facts(on_date=on, pk=1, planned_completion=D(2025, 10, 1), progress="89.99")
    in_30_ok = project_facts(on_date=on, pk=2, planned_completion=D(2025, 10, 1), progress="90")
    in_31_low = project_facts(on_date=on, pk=3, planned_completion=D(2025, 10, 2), progress="10")
    passed = project_facts(on_date=on, pk=4, planned_completion=D(2025, 8, 31), progress="99")
    findings = rules.r4_site_visits(
        projects=[in_30_low, in_30_ok, in_31_low, passed], on_date=on, thresholds=THRESHOLDS
    )
    assert [f.subject for f in findings] == ["project:1", "project:4"]
    assert "已逾期1天" in findings[1].facts


# --- R5, R6 ---------------------------------------------------------------------------------


def test_r5_summons_unit_whose_best_advance_is_below_one_point_and_no_state_change():
    month = D(2025, 8, 1)
    activity = [
        UnitMonthActivity(1, "甲县", 3, Decimal("0.99"), 0),
        UnitMonthActivity(2, "乙县", 3, Decimal("1.00"), 0),
        UnitMonthActivity(3, "丙县", 3, Decimal("0"), 1),
        UnitMonthActivity(4, "丁县", 0, Decimal("0"), 0),
    ]
    findings = rules.r5_summons(activity=activity, month=month, thresholds=THRESHOLDS)
    assert [(f.subject, f.period) for f in findings] == [("unit:1", "2025-08")]
    assert "2025年8月整月无明显进展" in findings[0].facts


def test_r6_lists_unit_summoned_or_with_two_unanswered_supervisions():
    findings = rules.r6_listed(
        units={1: "甲县", 2: "乙县", 3: "丙县"},
        summonses={1: 1},
        unanswered_supervisions={2: 2, 3: 1},
        on_date=D(2025, 9, 30),
        thresholds=THRESHOLDS,
    )
    assert [(f.subject, f.period) for f in findings] == [("unit:1", "2025-Q3"), ("unit:2", "2025-Q3")]


def test_add_months_clamps_to_month_end():
    assert rules.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert rules.add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)
