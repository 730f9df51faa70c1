"""The rules' facts read as an office writes them: plain words, no lights, no codes,
no negative deviations, and rankings in which equal scores share a rank."""

from __future__ import annotations

import datetime as dt

from dispatch import rules
from tests.dispatch.facts import THRESHOLDS, project_facts
from tracker.choices import ProjectState

D = dt.date


def test_supervision_facts_say_the_lag_and_the_days_past_completion_once():
    # given a project started 2025-01-01, due 2025-08-05, at 30.9% on 2025-09-21
    on = D(2025, 9, 21)
    late = project_facts(on_date=on, pk=1, actual_start=D(2025, 1, 1), planned_completion=D(2025, 8, 5),
                         progress="30.9")
    # when R3 looks at it
    findings = rules.r3_supervisions(projects=[late], on_date=on, thresholds=THRESHOLDS)
    # then the facts state progress, the lag against the schedule and the days overdue, each once
    facts = findings[0].items[0]["facts"]
    assert facts == "形象进度30.9%，较工期要求滞后69.1个百分点；已超计划完工日期47天"
    assert "灯" not in facts and "P001" not in findings[0].facts and "-" not in facts


def test_slow_project_facts_name_the_reports_and_the_rise_without_repeating_progress():
    on = D(2025, 3, 3)
    slow = project_facts(on_date=on, pk=1, actual_start=D(2025, 2, 1), planned_completion=D(2026, 6, 30),
                         progress="12", recent=("12", "11", "10", "10"))
    findings = rules.r3_supervisions(projects=[slow], on_date=on, thresholds=THRESHOLDS)
    assert findings[0].items[0]["facts"] == "近4期周调度形象进度由10%升至12%，仅提高2个百分点"


def test_equal_scores_share_a_rank_and_the_next_rank_skips():
    # given three units on schedule (score 0) and one behind
    on = D(2025, 6, 2)
    projects = [project_facts(on_date=on, pk=i, unit_id=i, actual_start=D(2025, 1, 1),
                              planned_completion=D(2025, 12, 31), progress="60") for i in (1, 2, 3)]
    projects.append(project_facts(on_date=on, pk=4, unit_id=4, actual_start=D(2025, 1, 1),
                                  planned_completion=D(2025, 12, 31), progress="5"))
    # when ranked
    rows = rules.ranking(projects=projects, on_date=on, by="unit")
    # then the three share rank 1 (tied) and the last is 4th, not 2nd
    assert [(row.group_id, row.rank, row.tied) for row in rows] == [(1, 1, True), (2, 1, True), (3, 1, True),
                                                                  (4, 4, False)]


def test_reminder_never_goes_to_a_unit_on_schedule_whatever_its_place():
    # given four units all on schedule (a four-way tie for first)
    on = D(2025, 6, 2)
    projects = [project_facts(on_date=on, pk=i, unit_id=i, actual_start=D(2025, 1, 1),
                              planned_completion=D(2025, 12, 31), progress="80") for i in (1, 2, 3, 4)]
    # when R2 runs
    findings = rules.r2_reminders(projects=projects, on_date=on, thresholds=THRESHOLDS)
    # then nobody is "at the bottom"
    assert findings == []


def test_reminder_facts_state_the_lag_as_a_positive_number_and_the_place():
    on = D(2025, 6, 2)
    projects = [project_facts(on_date=on, pk=i, unit_id=i, actual_start=D(2025, 1, 1),
                              planned_completion=D(2025, 12, 31), progress=str(70 - 10 * i))
                for i in (1, 2, 3, 4)]
    findings = rules.r2_reminders(projects=projects, on_date=on, thresholds=THRESHOLDS)
    unit_4 = next(f for f in findings if f.subject == "unit:4")
    assert "较工期要求滞后" in unit_4.facts and "第4位" in unit_4.facts
    assert "-" not in unit_4.facts and "后25%" not in unit_4.facts


def test_summons_facts_say_no_progress_in_plain_words():
    activity = [rules.UnitMonthActivity(1, "甲县", 3, rules.Decimal("0"), 0)]
    findings = rules.r5_summons(activity=activity, month=D(2025, 8, 1), thresholds=THRESHOLDS)
    assert findings[0].facts == "甲县在建和未开工的3个工程2025年8月整月无明显进展，各工程形象进度均未提高，没有工程开工或完工"


def test_a_project_not_started_is_said_to_be_not_started():
    on = D(2025, 6, 2)
    waiting = project_facts(on_date=on, pk=1, state=ProjectState.PREPARATION, actual_start=None,
                            planned_start=D(2025, 2, 1), planned_completion=D(2025, 12, 1))
    assert waiting.schedule_facts(on) == "计划2025年2月开工，至今未开工"
