"""Build each kind's content from the as-of-date portfolio (reads only; returns plain JSON-able dicts).

The dict returned is the `context` to pass to notices.services.notice_draft_create: body
`blocks` (paragraphs, headings, tables) for reports and circulars; letters take `items` and
`reason` from the dispatch rules (see notices.documents.letter_blocks).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from tracker.models import EscalationLevel, Problem, ProblemStatus, Project, ProjectState, WeeklyReport
from tracker.selectors import GroupTally, city_leader_for_domains, portfolio_as_of

RATE_COLUMNS = (("started_rate", "开工率"), ("completed_rate", "完工率"), ("investment_rate", "投资完成率"))


def _pct(value: Decimal) -> str:
    return f"{value}%"


def _change(now: Decimal, before: Decimal) -> str:
    delta = now - before
    if delta == 0:
        return "持平"
    return f"{'+' if delta > 0 else ''}{delta}个百分点"


def _ranked(tallies: list[GroupTally], attribute: str) -> list[GroupTally]:
    return sorted((t for t in tallies if t.projects), key=lambda t: (-getattr(t, attribute), t.name))


def _ranking_table(caption: str, now: list[GroupTally], before: list[GroupTally], label: str) -> dict:
    previous = {t.name: t for t in before}
    ranks = {attr: {t.name: i for i, t in enumerate(_ranked(now, attr), 1)} for attr, _ in RATE_COLUMNS}
    rows = []
    for tally in _ranked(now, "started_rate"):
        prior = previous.get(tally.name)
        row = [tally.name, tally.projects]
        for attr, _ in RATE_COLUMNS:
            value = getattr(tally, attr)
            row += [_pct(value), ranks[attr][tally.name], _change(value, getattr(prior, attr)) if prior else "—"]
        rows.append(row)
    header = [label, "项目数"]
    for _, name in RATE_COLUMNS:
        header += [name, "排名", "较上月"]
    return {"kind": "table", "caption": caption, "header": header, "rows": rows, "wide": True, "text_columns": [1]}


def compose_monthly_circular(*, month: dt.date) -> dict:
    """月度通报: units and domains ranked by started, completed and investment rates, with the
    change against the previous month, naming the leading and the lagging (激励先进，督促后进)."""
    first = month.replace(day=1)
    as_of = (first.replace(year=first.year + 1, month=1) if first.month == 12
             else first.replace(month=first.month + 1)) - dt.timedelta(days=1)
    previous_end = first - dt.timedelta(days=1)
    now, before = portfolio_as_of(as_of=as_of), portfolio_as_of(as_of=previous_end)
    total = now.total
    units = _ranked(now.units, "completed_rate")
    leading = [u.name for u in units[:3]]
    lagging = [u.name for u in units[-3:]][::-1]
    label = f"{first.year}年{first.month}月"
    blocks = [
        {"kind": "p", "text": f"为全面掌握全市“一泓清水入黄河”生态保护工程推进情况，激励先进、督促后进，"
                              f"现将截至{as_of.year}年{as_of.month}月{as_of.day}日工程进展情况通报如下。"},
        {"kind": "h2", "text": "一、总体进展"},
        {"kind": "p", "text": f"全市{total.projects}个省定工程，已开工{total.started}个，开工率{_pct(total.started_rate)}"
                              f"（较上月{_change(total.started_rate, before.total.started_rate)}）；已完工{total.completed}个，"
                              f"完工率{_pct(total.completed_rate)}（较上月{_change(total.completed_rate, before.total.completed_rate)}）；"
                              f"累计完成投资{total.completed_investment}万元，投资完成率{_pct(total.investment_rate)}。"},
        # The two ranking tables share the landscape pages, each with its heading, so that no
        # heading is left alone on a portrait page before the page orientation changes.
        {**_ranking_table(f"表1 {label}各县（市、区）工程进展排名", now.units, before.units, "县（市、区）"),
         "heading": "二、各县（市、区）排名",
         "intro": f"按完工率排名，{('、'.join(leading))}位居前列；{('、'.join(lagging))}相对滞后，"
                  "请相关县（市、区）认真分析原因，倒排工期，加快推进。"},
        {**_ranking_table(f"表2 {label}各领域工程进展排名", now.domains, before.domains, "领域"),
         "heading": "三、各领域排名"},
        {"kind": "h2", "text": "四、下步要求"},
        {"kind": "p", "text": "各县（市、区）、各牵头部门要对照年度目标，聚焦未开工、进度滞后项目，逐项明确责任人和完成时限，"
                              "确保2025年10月底前全部工程完工达效。"},
    ]
    return {
        "blocks": blocks,
        "title": f"关于{label}全市“一泓清水入黄河”生态保护工程进展情况的通报",
        "copy_to": "市委办公室，市人大常委会办公室，市政府办公室，市政协办公室",
        "as_of": as_of.isoformat(),
        "leading": leading,
        "lagging": lagging,
        "units": [u.as_dict() for u in now.units],
        "domains": [d.as_dict() for d in now.domains],
    }


def compose_weekly_report(*, week_start: dt.date) -> dict:
    """周调度报告 to the city government: counts by state and unit, this week's changes, funds
    against plan, new and escalated problems, projects at risk."""
    week_end = week_start + dt.timedelta(days=6)
    now, before = portfolio_as_of(as_of=week_end), portfolio_as_of(as_of=week_start - dt.timedelta(days=1))
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
    new_problems = Problem.objects.filter(raised_on__range=(week_start, week_end)).select_related("project")
    escalated = Problem.objects.filter(level_since__range=(week_start, week_end)).exclude(level="office")
    escalated_rows = escalated_problem_rows(week_start=week_start, week_end=week_end)
    at_risk = [
        p for p in Project.objects.filter(planned_completion__lte=week_end + dt.timedelta(days=60))
        if now.states.get(p.pk) in (ProjectState.PREPARATION, ProjectState.UNDER_CONSTRUCTION, ProjectState.SUSPENDED)
    ]
    reported = set(WeeklyReport.objects.filter(week_start=week_start).values_list("project_id", flat=True))
    state_row = [total.by_state.get(label, 0) for label in ProjectState.labels]
    blocks = [
        {"kind": "p", "text": f"现将{week_start.month}月{week_start.day}日至{week_end.month}月{week_end.day}日全市"
                              f"“一泓清水入黄河”生态保护工程调度情况报告如下。"},
        {"kind": "h2", "text": "一、总体情况"},
        {"kind": "p", "text": f"全市{total.projects}个工程中，" + "，".join(
            f"{label}{count}个" for label, count in zip(ProjectState.labels, state_row, strict=True)) +
            f"；开工率{_pct(total.started_rate)}，完工率{_pct(total.completed_rate)}。本周{len(reported)}个工程报送了调度信息。"},
        {"kind": "table", "caption": "表1 各县（市、区）工程状态", "wide": False, "text_columns": [1],
         "header": ["县（市、区）", "项目数", *ProjectState.labels],
         "rows": [[u.name, u.projects, *[u.by_state.get(label, 0) for label in ProjectState.labels]]
                  for u in now.units if u.projects]},
        {"kind": "h2", "text": "二、本周变化"},
        *[{"kind": "p", "text": f"本周{label}{len(items)}个" + (f"：{'、'.join(items)}。" if items else "。")}
          for label, items in changes.items()],
        {"kind": "h2", "text": "三、资金到位情况"},
        {"kind": "p", "text": f"年度计划投资{planned}万元，资金到位{total.funds_in_place}万元，"
                              f"累计完成投资{total.completed_investment}万元。"},
        {"kind": "h2", "text": "四、新增和升级的问题"},
        {"kind": "p", "text": f"本周新增问题{new_problems.count()}个，升级协调{escalated.count()}个。" + "".join(
            f"{p.project.name}：{p.description}。" for p in new_problems[:10])},
        *_escalated_blocks(escalated_rows, year=week_end.year),
        {"kind": "h2", "text": "五、存在风险的工程"},
        {"kind": "p", "text": (f"{len(at_risk)}个工程计划完工日期临近但尚未完工：" + "、".join(p.name for p in at_risk[:20])
                               + ("等。" if len(at_risk) > 20 else "。")) if at_risk else "本周无临期未完工工程。"},
    ]
    return {
        "blocks": blocks,
        "title": f"关于{week_start.year}年{week_start.month}月{week_start.day}日至{week_end.month}月{week_end.day}日"
                 "生态保护工程调度情况的报告",
        "copy_to": "省“一泓清水入黄河”工程专班",
        "week_start": week_start.isoformat(),
        "escalated": escalated_rows,
        "changes": changes,
        "reported": len(reported),
    }


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
        {"kind": "p", "text": f"目前提请市政府领导协调的问题{city}个、提请省专班协调的问题{len(rows) - city}个，"
                              "逐项列明协调层级和责任市领导如下（“本周”为本周升级）。"},
        {"kind": "table", "caption": "表2 已升级协调的问题", "wide": False, "text_columns": [2, 4],
         "header": ["序号", "项目", "县（市、区）", "问题", "协调层级", "升级日期", "责任市领导"],
         "widths": ["6%", "23%", "12%", "23%", "10%", "12%", "14%"],
         "rows": [[index, f"{row['project_code']} {row['project_name']}", row["unit"], row["description"],
                   row["level_label"] + ("（本周）" if row["this_week"] else ""),
                   _short_date(row["since"], year), row["leader"]]
                  for index, row in enumerate(rows, start=1)]},
    ]


def _short_date(iso: str, year: int) -> str:
    """M月D日 within the report's year, with the year otherwise."""
    day = dt.date.fromisoformat(iso)
    return f"{day.month}月{day.day}日" if day.year == year else f"{day.year}年{day.month}月{day.day}日"


def compose_unit_letter(*, unit, as_of: dt.date, reason: str, requirement: str, limit: int = 8) -> dict:
    """A letter's context for one unit: its unfinished projects with planned vs actual facts."""
    snapshot = portfolio_as_of(as_of=as_of, projects=Project.objects.filter(unit=unit))
    items = []
    for project in Project.objects.filter(unit=unit).order_by("planned_completion"):
        state = ProjectState(snapshot.states.get(project.pk, ProjectState.PREPARATION))
        if state in (ProjectState.COMPLETED, ProjectState.EFFECTIVE):
            continue
        if len(items) == limit:
            break
        figures = snapshot.figures.get(project.pk)
        progress = figures.progress_percent if figures else project.progress_percent
        funds = figures.funds_in_place if figures else project.funds_in_place
        facts = (f"计划开工{project.planned_start.year}年{project.planned_start.month}月{project.planned_start.day}日，"
                 f"计划完工{project.planned_completion.year}年{project.planned_completion.month}月"
                 f"{project.planned_completion.day}日；目前处于{state.label}阶段，形象进度{progress}%，"
                 f"资金到位{funds}万元（总投资{project.total_investment}万元）。")
        items.append({"project_id": project.pk, "project_code": project.code, "project_name": project.name,
                      "facts": facts, "requirement": requirement})
    return {
        "reason": reason,
        "items": items,
        "requirements": "请你单位高度重视，逐项落实责任，按期反馈整改情况。",
        "note": "联系人：专班办综合组，电话：0357-2000000",
    }
