"""The monthly circular ranks fairly and the weekly report says only what carries information."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from notices import composers
from tracker import portfolio
from tracker.portfolio import GroupTally

D = dt.date
pytestmark = pytest.mark.django_db


def _tally(name: str, projects: int, started: int, completed: int = 0) -> GroupTally:
    return GroupTally(name, projects=projects, started=started, completed=completed)


def test_ties_share_a_rank_and_the_next_place_skips():
    ranks = portfolio.shared_ranks([("甲", Decimal("100")), ("乙", Decimal("100")), ("丙", Decimal("50"))])
    assert ranks == {"甲": (1, True), "乙": (1, True), "丙": (3, False)}
    assert composers.rank_text(*ranks["甲"]) == "并列第1"


def test_an_indicator_all_units_share_is_not_the_ranking():
    # given every unit started (开工率 100% everywhere) but completion differs
    units = [_tally("甲县", 4, 4, 4), _tally("乙县", 4, 4, 2), _tally("丙县", 2, 2, 1)]
    total = _tally("合计", 10, 10, 7)
    # then the period is ranked by 完工率, not by 开工率
    assert portfolio.decisive_indicator(total, units) == ("completed", "完工率")
    # and while projects are still to start, 开工率 decides
    assert portfolio.decisive_indicator(_tally("合计", 10, 9, 0), [_tally("甲县", 5, 5), _tally("乙县", 5, 4)]) == (
        "started", "开工率")
    # and nothing is ranked when nothing tells the units apart
    assert portfolio.decisive_indicator(_tally("合计", 4, 4, 2),
                                        [_tally("甲县", 2, 2, 1), _tally("乙县", 2, 2, 1)]) is None


def test_money_in_yi_above_one_yi_and_percentages_without_trailing_zeros():
    assert composers.money(Decimal("1151380.06")) == "115.14亿元"
    assert composers.money(Decimal("3520.50")) == "3520.5万元"
    assert composers._pct(Decimal("100.00")) == "100%" and composers._pct(Decimal("33.30")) == "33.3%"


def _text(context: dict) -> str:
    parts = []
    for block in context["blocks"]:
        parts.append(block.get("text", ""))
        parts.append(block.get("intro", ""))
        parts += [str(cell) for row in block.get("rows", []) for cell in row]
    return "\n".join(parts)


def test_circular_ranks_by_the_decisive_indicator_names_top_and_bottom_and_goes_to_the_counties(demo_ledger):
    # given / when August 2025's circular is composed
    context = composers.compose_monthly_circular(month=D(2025, 8, 1))
    text = _text(context)
    # then it is addressed to the counties and departments; the city and the province are informed
    assert "市人民政府" not in context["main_recipients"]
    assert context["copy_report_to"] == "市人民政府，省“一泓清水入黄河”工程专班"
    # and an office informed by 抄报 is not named again under 抄送
    assert not set(context["copy_to"].split("，")) & set(context["copy_report_to"].split("，"))
    # and ranked on one indicator, ties sharing a rank, every top and bottom unit named
    ranks = context["ranks"]
    values = {}
    table = next(b for b in context["blocks"] if b.get("kind") == "table")
    column = table["header"].index(context["indicator"])
    for row in table["rows"]:
        values[row[0]] = row[column]
        assert row[table["header"].index("排名")] == ranks[row[0]]["rank"]
    for a in values:
        for b in values:
            assert (values[a] == values[b]) == (ranks[a]["rank"] == ranks[b]["rank"])
    for name in context["leading"] + context["lagging"]:
        assert name in text
    assert set(context["leading"]).isdisjoint(context["lagging"])
    assert not re.search(r"\d\.00%", text) and not re.search(r"\d{5,}(\.\d+)?万元", text)
    assert re.search(r"\d+\.\d\d亿元", text)
    # and units sharing a rank are named once, together ("甲、乙完工率均为100%，并列第1位"), and the
    # tables say what their short "较上月" column means
    shared = [name for name in context["leading"] if ranks[name]["tied"]]
    if len(shared) > 1:
        assert "、".join(shared) + f"{context['indicator']}均为" in text
    assert text.count("并列第1") <= 2  # the paragraph once, not once per unit
    assert all(b["note"].startswith("“较上月”为") for b in context["blocks"] if b.get("kind") == "table")


def test_weekly_report_says_only_what_carries_information(demo_ledger):
    # given / when the report on the week of 2025-09-15 is composed
    context = composers.compose_weekly_report(week_start=D(2025, 9, 15))
    text = _text(context)
    # then no "0个" change lines, cumulative and annual money in separate sentences, overdue
    # projects labelled 逾期 with days, upcoming ones 临近 with days, and short table headers
    assert not re.search(r"(?<![\d.])0个", text), "a line saying nothing"
    for sentence in re.split(r"[。]", text):
        assert not ("累计" in sentence and "年计划" in sentence), sentence
    for row in context["overdue"]:
        assert row["days"] > 0
    if context["overdue"]:
        assert re.search(r"逾期\d+天", text)
    if context["upcoming"]:
        assert re.search(r"还有\d+天", text) and "临近" in text
    for block in context["blocks"]:
        if block.get("kind") == "table":
            assert all(len(str(h)) <= 5 for h in block["header"]), block["header"]
    assert context["title"] == "关于2025年9月15日至21日生态保护工程调度情况的报告"
    # and projects being built are counted as 在建 (not "开工13个" beside "开工率100%")
    assert "在建" in text and not re.search(r"(?<!本周)开工\d+个", text)
    # and it closes as a 报告 to 市人民政府 does
    assert context["blocks"][-1]["text"] == "特此报告。"


def test_weekly_report_across_the_new_year_names_both_years():
    assert composers.week_range_text(D(2024, 12, 30)) == "2024年12月30日至2025年1月5日"
