"""The reports: the monthly circular (月度通报) ranking the units and domains, and the weekly report to
the city government (周调度报告)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from notices.composers.wording import (
    HUNDRED,
    _change_cell,
    _pct,
    _short_date,
    _versus,
    cn_day,
    money,
    week_range_text,
)
from notices.selectors import acknowledgement_timeliness
from tracker.choices import ACTIVE_STATES, EscalationLevel, ProblemStatus, ProjectState
from tracker.models import Problem, Project, WeeklyReport
from tracker.portfolio import (
    INDICATORS,
    GroupTally,
    decisive_indicator,
    portfolio_as_of,
    share_percent,
    shared_ranks,
    tally_rate,
)
from tracker.selectors import city_leader_for_domains, problem_instruction_lines


def _ranking_table(caption: str, now: list[GroupTally], before: list[GroupTally], label: str,
                   indicator: tuple[str, str] | None) -> tuple[dict, dict[str, tuple[int, bool]]]:
    """The table of a circular: each group's rates, its rank on the period's decisive indicator
    (ties share a rank) and that indicator's change on the previous month. Short headers, so that
    every header fits on one line of its column."""
    previous = {t.name: t for t in before}
    groups = [t for t in now if t.projects]
    ranks = shared_ranks([(t.name, tally_rate(t, indicator[0])) for t in groups]) if indicator else {}
    if indicator:
        groups.sort(key=lambda t: (ranks[t.name][0], -t.projects))
    rows = []
    for tally in groups:
        prior = previous.get(tally.name)
        row = [tally.name, tally.projects, *[_pct(tally_rate(tally, attr)) for attr, _ in INDICATORS],
               _pct(tally.investment_rate)]
        if indicator:
            row += [ranks[tally.name][0],
                    _change_cell(tally_rate(tally, indicator[0]),
                                 tally_rate(prior, indicator[0]) if prior else None)]
        rows.append(row)
    header = [label, "项目数", *[name for _, name in INDICATORS], "投资完成率"]
    widths = ["22%", "10%", "11%", "11%", "11%", "16%"]
    if indicator:
        header += ["排名", "较上月"]
        widths += ["9%", "10%"]
    else:
        widths = ["26%", "12%", "14%", "14%", "14%", "20%"]
    table = {"kind": "table", "caption": caption, "header": header, "rows": rows, "wide": False,
             "text_columns": [1], "widths": widths}
    if indicator:
        # The short header "较上月" would be read as the rank's change: say what it is.
        table["note"] = f"“较上月”为{indicator[1]}较上月末增减的百分点。"
    return table, ranks


def _standing(ranks: dict[str, tuple[int, bool]], values: dict[str, Decimal],
              order: list[str]) -> tuple[list[str], list[str]]:
    """(the units at the top, the units at the bottom): every unit ranked in the first three
    places (ties included), and every unit among the last three (ties included), never both.
    `order` is the ranking table's row order, so the text names tied units as the table lists them."""
    if not ranks:
        return [], []
    top = [name for name in order if ranks[name][0] <= 3]
    lower = sorted(set(values.values()))
    cut = None
    below = 0
    for value in lower:
        below += sum(1 for v in values.values() if v == value)
        cut = value
        if below >= 3:
            break
    assert cut is not None  # ranked units have values
    # The last place first; units sharing a place in the table's order.
    bottom = sorted((name for name in order if values[name] <= cut and name not in top),
                    key=lambda name: -ranks[name][0])
    return top, bottom


def _standing_text(names: list[str], values: dict[str, Decimal], ranks: dict[str, tuple[int, bool]],
                   indicator_name: str) -> str:
    """"乡宁县、吉县完工率均为100%，并列第1位；古县完工率33.33%，居第18位": units sharing a rank
    said once, together, as a circular names them."""
    groups: dict[int, list[str]] = {}
    for name in names:
        groups.setdefault(ranks[name][0], []).append(name)
    parts = []
    for rank, group in groups.items():
        value = _pct(values[group[0]])
        if len(group) > 1:
            parts.append(f"{'、'.join(group)}{indicator_name}均为{value}，并列第{rank}位")
        else:
            parts.append(f"{group[0]}{indicator_name}{value}，{'并列第' if ranks[group[0]][1] else '居第'}{rank}位")
    return "；".join(parts)


def compose_monthly_circular(*, month: dt.date) -> dict:
    """月度通报: the month's progress, the counties and domains ranked on the period's decisive
    indicator (ties share a rank), with the change on the previous month; the counties at the top
    praised and those at the bottom urged (激励先进、督促后进), each named."""
    first = month.replace(day=1)
    as_of = (first.replace(year=first.year + 1, month=1) if first.month == 12
             else first.replace(month=first.month + 1)) - dt.timedelta(days=1)
    previous_end = first - dt.timedelta(days=1)
    now, before = portfolio_as_of(as_of=as_of), portfolio_as_of(as_of=previous_end)
    total, prior = now.total, before.total
    label = f"{first.year}年{first.month}月"
    indicator = decisive_indicator(total, now.units)
    overall = (f"全市{total.projects}个省定工程，已开工{total.started}个，开工率{_pct(total.started_rate)}"
               + _versus(total.started_rate, prior.started_rate)
               + f"；已完工{total.completed}个，完工率{_pct(total.completed_rate)}"
               + _versus(total.completed_rate, prior.completed_rate))
    if total.effective:
        overall += f"；已达效{total.effective}个，达效率{_pct(tally_rate(total, 'effective'))}"
    overall += "。"
    money_text = (f"累计完成投资{money(total.completed_investment)}，占总投资{money(total.total_investment)}的"
                  f"{_pct(total.investment_rate)}"
                  + _versus(total.investment_rate, prior.investment_rate) + "。")
    unit_table, ranks = _ranking_table(
        f"表1 {label}各县（市、区）工程进展情况" + (f"（按{indicator[1]}排名）" if indicator else ""),
        now.units, before.units, "县市区", indicator)
    domain_table, _ = _ranking_table(
        f"表2 {label}各领域工程进展情况" + (f"（按{indicator[1]}排名）" if indicator else ""),
        now.domains, before.domains, "领域", decisive_indicator(total, now.domains))
    values = {u.name: tally_rate(u, indicator[0]) for u in now.units if u.projects} if indicator else {}
    top, bottom = _standing(ranks, values, [row[0] for row in unit_table["rows"]])
    ranking_blocks = []
    if indicator:
        settled = [name for attr, name in INDICATORS[:[a for a, _ in INDICATORS].index(indicator[0])]]
        basis = (f"各县（市、区）{'、'.join(settled)}均已达到100%，本月按{indicator[1]}排名。" if settled
                 else f"本月按{indicator[1]}排名。")
        ranking_blocks.append({"kind": "p", "text": basis + "排名前列的是：" + _standing_text(
            top, values, ranks, indicator[1]) + "。排名靠后的是：" + _standing_text(
            bottom, values, ranks, indicator[1]) + "。"})
        ranking_blocks.append({"kind": "p", "text": f"对{'、'.join(top)}予以通报表扬。请{'、'.join(bottom)}认真分析"
                                                    "原因，压实责任，倒排工期，加快推进。"})
    else:
        ranking_blocks.append({"kind": "p", "text": "各县（市、区）开工率、完工率、达效率均相同，本月不作排名。"})
    blocks = [
        {"kind": "p", "text": f"为全面掌握全市“一泓清水入黄河”生态保护工程推进情况，激励先进、督促后进，"
                              f"现将截至{as_of.year}年{as_of.month}月{as_of.day}日工程进展情况通报如下。"},
        {"kind": "h2", "text": "一、总体进展"},
        {"kind": "p", "text": overall},
        {"kind": "p", "text": money_text},
        {"kind": "h2", "text": "二、各县（市、区）排名"},
        *ranking_blocks,
        unit_table,
        {"kind": "h2", "text": "三、各领域进展"},
        domain_table,
        {"kind": "h2", "text": "四、下步要求"},
        # "聚焦未开工" only while some project has not started (开工率 100% says none is left).
        {"kind": "p", "text": "各县（市、区）、各牵头部门要对照年度目标，聚焦"
                              + ("未开工、" if total.started < total.projects else "") + "进度滞后工程，逐项明确责任人和"
                              "完成时限，确保按期完工达效。"},
    ]
    return {
        "blocks": blocks,
        "title": f"关于{label}全市“一泓清水入黄河”生态保护工程进展情况的通报",
        # 通报 is sent down to the counties and departments; the city government and the
        # province's task force receive it for information (抄报), never as 主送.
        "main_recipients": "各县（市、区）人民政府，临汾经济开发区管委会，市直有关部门",
        "copy_report_to": "市人民政府，省“一泓清水入黄河”工程专班",
        "copy_to": "市委办公室，市人大常委会办公室，市政协办公室",
        "as_of": as_of.isoformat(),
        "indicator": indicator[1] if indicator else None,
        "ranks": {name: {"rank": rank, "tied": tied} for name, (rank, tied) in ranks.items()},
        "leading": top,
        "lagging": bottom,
        "units": [u.as_dict() for u in now.units],
        "domains": [d.as_dict() for d in now.domains],
    }


RISK_DAYS = 60
# A count of projects by where they stand: "开工13个" beside "开工率100%" reads as "13 started";
# the projects now being built are "在建".
STATE_WORDS = {"开工": "在建"}


def compose_weekly_report(*, week_start: dt.date) -> dict:
    """周调度报告 to the city government: where the projects stand, what changed this week, money
    (cumulative and this year's, in separate sentences), new and escalated problems, and the
    projects past (逾期) or near (临近) their planned completion, with days."""
    week_end = week_start + dt.timedelta(days=6)
    now, before = portfolio_as_of(as_of=week_end), portfolio_as_of(as_of=week_start - dt.timedelta(days=1))
    year_start = portfolio_as_of(as_of=dt.date(week_end.year - 1, 12, 31))
    names = dict(Project.objects.values_list("pk", "name"))
    changes: dict[str, list[str]] = {"开工": [], "完工": [], "停工": [], "复工": []}
    for pk, state in now.states.items():
        old = before.states.get(pk, ProjectState.PREPARATION)
        if old == state:
            continue
        if old == ProjectState.PREPARATION and state == ProjectState.UNDER_CONSTRUCTION:
            changes["开工"].append(names[pk])
        elif state in (ProjectState.COMPLETED, ProjectState.EFFECTIVE) and old not in (
                ProjectState.COMPLETED, ProjectState.EFFECTIVE):
            changes["完工"].append(names[pk])
        elif state == ProjectState.SUSPENDED:
            changes["停工"].append(names[pk])
        elif old == ProjectState.SUSPENDED and state == ProjectState.UNDER_CONSTRUCTION:
            changes["复工"].append(names[pk])
    total = now.total
    planned = sum((p.annual_planned_investment for p in Project.objects.only("annual_planned_investment")),
                  Decimal("0"))
    this_year = total.completed_investment - year_start.total.completed_investment
    new_problems = Problem.objects.filter(raised_on__range=(week_start, week_end)).select_related("project")
    escalated = Problem.objects.filter(level_since__range=(week_start, week_end)).exclude(level="office")
    escalated_rows = escalated_problem_rows(week_start=week_start, week_end=week_end)
    unfinished = [
        p for p in Project.objects.filter(planned_completion__lte=week_end + dt.timedelta(days=RISK_DAYS))
        .order_by("planned_completion", "pk")
        if now.states.get(p.pk) in (ProjectState.PREPARATION, ProjectState.UNDER_CONSTRUCTION,
                                    ProjectState.SUSPENDED)
    ]
    overdue = [p for p in unfinished if p.planned_completion < week_end]
    upcoming = [p for p in unfinished if p.planned_completion >= week_end]
    reported = set(WeeklyReport.objects.filter(week_start=week_start).values_list("project_id", flat=True))
    counts = "，".join(f"{STATE_WORDS.get(label, label)}{total.by_state[label]}个"
                      for label in ProjectState.labels if total.by_state.get(label))
    year = week_end.year
    change_lines = [f"本周{label}{len(items)}个：{'、'.join(items)}。" for label, items in changes.items() if items]
    risk_lines = []
    if overdue:
        risk_lines.append(f"逾期未完工{len(overdue)}个：" + "、".join(
            f"{p.name}（逾期{(week_end - p.planned_completion).days}天）" for p in overdue) + "。")
    if upcoming:
        risk_lines.append(f"临近计划完工日期、尚未完工{len(upcoming)}个：" + "、".join(
            f"{p.name}（还有{(p.planned_completion - week_end).days}天）" for p in upcoming) + "。")
    problem_text = (f"本周新增问题{new_problems.count()}个：" + "；".join(
        f"{p.project.name}，{p.description.rstrip('。')}" for p in new_problems[:10]) + "。"
        if new_problems.exists() else "本周无新增问题。")
    if escalated.exists():
        problem_text += f"本周升级协调问题{escalated.count()}个。"
    blocks = [
        {"kind": "p", "text": f"现将{week_range_text(week_start)}全市“一泓清水入黄河”生态保护工程调度情况报告如下。"},
        {"kind": "h2", "text": "一、总体情况"},
        {"kind": "p", "text": f"截至{cn_day(week_end, year=year)}，全市{total.projects}个工程中，{counts}；"
                              f"开工率{_pct(total.started_rate)}，完工率{_pct(total.completed_rate)}。"},
        {"kind": "p", "text": _reporting_sentence(now=now, reported=reported, week_start=week_start,
                                                  week_end=week_end)},
        {"kind": "table", "caption": "表1 各县（市、区）工程状态", "wide": False, "text_columns": [1],
         "header": ["县市区", "项目数", *[STATE_WORDS.get(label, label) for label in ProjectState.labels]],
         "rows": [[u.name, u.projects, *[u.by_state.get(label, 0) for label in ProjectState.labels]]
                  for u in now.units if u.projects]},
        {"kind": "h2", "text": "二、本周变化"},
        *([{"kind": "p", "text": line} for line in change_lines]
          or [{"kind": "p", "text": "本周没有工程开工、完工、停工或复工。"}]),
        {"kind": "h2", "text": "三、投资和资金到位情况"},
        {"kind": "p", "text": f"截至{cn_day(week_end, year=year)}，累计完成投资{money(total.completed_investment)}，"
                              f"占总投资的{_pct(total.investment_rate)}；累计到位资金{money(total.funds_in_place)}。"},
        {"kind": "p", "text": f"{year}年计划投资{money(planned)}，今年以来完成投资{money(this_year)}"
                              + (f"，占年度计划的{_pct(this_year * HUNDRED / planned)}" if planned else "") + "。"},
        {"kind": "h2", "text": "四、新增和升级的问题"},
        {"kind": "p", "text": problem_text},
        *_escalated_blocks(escalated_rows, year=year),
        *[{"kind": "p", "text": line} for line in problem_instruction_lines(start=week_start, end=week_end)],
        {"kind": "h2", "text": "五、逾期和临近完工期限的工程"},
        *([{"kind": "p", "text": line} for line in risk_lines]
          or [{"kind": "p", "text": f"没有逾期未完工或{RISK_DAYS}天内临近计划完工日期的工程。"}]),
        # A 报告 to 市人民政府 closes with its formula, as reports do.
        {"kind": "p", "text": "特此报告。"},
    ]
    return {
        "blocks": blocks,
        # A range within one year names the year once; across years, both (week_range_text).
        "title": (f"关于{week_start.year}年{week_range_text(week_start)}" if week_start.year == week_end.year
                  else f"关于{week_range_text(week_start)}") + "生态保护工程调度情况的报告",
        "copy_to": "省“一泓清水入黄河”工程专班",
        "week_start": week_start.isoformat(),
        "escalated": escalated_rows,
        "changes": changes,
        "reported": len(reported),
        "overdue": [{"project_id": p.pk, "days": (week_end - p.planned_completion).days} for p in overdue],
        "upcoming": [{"project_id": p.pk, "days": (p.planned_completion - week_end).days} for p in upcoming],
    }


def _reporting_sentence(*, now, reported: set[int], week_start: dt.date, week_end: dt.date) -> str:
    """报送率 (the projects due to report this week — those not yet complete — that did) and
    签收及时率 (the letters due to be signed for this week that were, by their deadline)."""
    due = [pk for pk, state in now.states.items() if state in ACTIVE_STATES]
    done = sum(1 for pk in due if pk in reported)
    text = (f"本周应报送调度信息的工程{len(due)}个，已报送{done}个，报送率{_pct(share_percent(done, len(due)))}。"
            if due else "本周没有需要报送调度信息的工程。")
    letters, on_time = acknowledgement_timeliness(start=week_start, end=week_end)
    if letters:
        text += f"本周到期应签收公文{letters}份次，按期签收{on_time}份次，签收及时率{_pct(share_percent(on_time, letters))}。"
    return text


LEVEL_LABELS = dict(EscalationLevel.choices)


def escalated_problem_rows(*, week_start: dt.date, week_end: dt.date) -> list[dict]:
    """The problems standing above the office at the week's end (市政府 or 省专班 coordinating,
    not resolved by then), each with its level and the city leader responsible for it (R7: an
    escalated problem appears in the weekly report with the responsible city leader).

    The leader is the one recorded on the problem when it rose to 市政府; failing that, the city
    leader in charge of the project's domain (tracker.selectors.city_leader_for_domains)."""
    leaders, general = city_leader_for_domains()
    problems = (
        Problem.objects.filter(level__in=[EscalationLevel.CITY, EscalationLevel.PROVINCE],
                               level_since__lte=week_end, raised_on__lte=week_end)
        .filter(Q(status=ProblemStatus.OPEN) | Q(resolved_on__gt=week_end))
        .select_related("project", "project__unit")
        .order_by("-level", "level_since", "pk")
    )
    return [
        {
            "problem_id": problem.pk,
            "project_code": problem.project.code,
            "project_name": problem.project.name,
            "unit": problem.project.unit.name,
            "description": problem.description,
            "level": problem.level,
            "level_label": LEVEL_LABELS[problem.level],
            "since": problem.level_since.isoformat(),
            "this_week": week_start <= problem.level_since <= week_end,
            "leader": problem.responsible_leader or leaders.get(problem.project.domain_id, general) or "待明确",
        }
        for problem in problems
    ]


def _escalated_blocks(rows: list[dict], *, year: int) -> list[dict]:
    """The report's escalated section: one row per problem with its level and city leader."""
    if not rows:
        return [{"kind": "p", "text": "目前无提请市政府或省专班协调的问题。"}]
    city = sum(1 for row in rows if row["level"] == EscalationLevel.CITY)
    return [
        {"kind": "p", "text": _escalated_summary(city, len(rows) - city)},
        {"kind": "table", "caption": "表2 已升级协调的问题", "wide": False, "text_columns": [2, 4],
         # Headers short enough for one line of their column (12 pt, 3 pt padding each side).
         "header": ["序号", "项目", "县市区", "问题", "协调层级", "升级日期", "责任市领导"],
         "widths": ["7%", "20%", "10%", "21%", "13%", "13%", "16%"],
         "rows": [[index, row["project_name"], row["unit"], row["description"],
                   row["level_label"] + ("（本周）" if row["this_week"] else ""),
                   _short_date(row["since"], year), row["leader"]]
                  for index, row in enumerate(rows, start=1)]},
    ]


def _escalated_summary(city: int, province: int) -> str:
    counts = "、".join(text for count, text in ((city, f"提请市政府领导协调的问题{city}个"),
                                                (province, f"提请省专班协调的问题{province}个")) if count)
    return f"目前{counts}，逐项列明协调层级和责任市领导如下（“本周”为本周升级）。"
