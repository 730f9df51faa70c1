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
from tracker.portfolio import GroupTally, portfolio_as_of
from tracker.selectors import city_leader_for_domains

HUNDRED = Decimal("100")
YI = Decimal("10000")  # 万元 in one 亿元


def _pct(value: Decimal) -> str:
    """33.33% / 50.5% / 100% — never "100.00%"."""
    return f"{Decimal(value).quantize(Decimal('0.01')).normalize():f}%"


def _num(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')).normalize():f}"


def money(wan: Decimal) -> str:
    """万元 as an office reads it: 亿元 with two places above 1亿 (115.14亿元), else 万元."""
    wan = Decimal(wan)
    if abs(wan) >= YI:
        return f"{(wan / YI).quantize(Decimal('0.01')):f}亿元"
    return f"{_num(wan)}万元"


def _change(now: Decimal, before: Decimal) -> str:
    """较上月: "提高5.26个百分点" / "持平" / "下降1个百分点"."""
    delta = Decimal(now) - Decimal(before)
    if delta == 0:
        return "持平"
    return f"{'提高' if delta > 0 else '下降'}{_points(abs(delta))}"


def _change_cell(now: Decimal, before: Decimal | None) -> str:
    if before is None:
        return "—"
    delta = Decimal(now) - Decimal(before)
    return "持平" if delta == 0 else f"{'+' if delta > 0 else '−'}{_num(abs(delta))}"


# The indicators a circular ranks by, in the order a programme's year moves through them: while
# projects are still to start, the start rate decides; once all have started, the completion
# rate; once all are complete, the rate of projects in effect (达效).
INDICATORS = (("started", "开工率"), ("completed", "完工率"), ("effective", "达效率"))


def _rate(tally: GroupTally, indicator: str) -> Decimal:
    if not tally.projects:
        return Decimal("0")
    return (Decimal(getattr(tally, indicator)) * HUNDRED / tally.projects).quantize(Decimal("0.01"))


def decisive_indicator(total: GroupTally, groups: list[GroupTally]) -> tuple[str, str] | None:
    """The indicator the period is ranked by: the first of 开工率, 完工率, 达效率 the portfolio has
    not yet reached 100% on and on which the groups differ. None when nothing tells them apart."""
    groups = [g for g in groups if g.projects]
    for indicator, label in INDICATORS:
        if getattr(total, indicator) >= total.projects:
            continue
        if len({_rate(g, indicator) for g in groups}) > 1:
            return indicator, label
    return None


def shared_ranks(values: list[tuple[str, Decimal]]) -> dict[str, tuple[int, bool]]:
    """{name: (rank, tied)}, best first; equal values share a rank (1, 1, 3)."""
    ordered = sorted(values, key=lambda pair: -pair[1])
    counts: dict[Decimal, int] = {}
    for _, value in ordered:
        counts[value] = counts.get(value, 0) + 1
    ranks, rank = {}, 0
    for index, (name, value) in enumerate(ordered, start=1):
        if index == 1 or value != ordered[index - 2][1]:
            rank = index
        ranks[name] = (rank, counts[value] > 1)
    return ranks


def rank_text(rank: int, tied: bool) -> str:
    return f"{'并列' if tied else ''}第{rank}"


def _ranking_table(caption: str, now: list[GroupTally], before: list[GroupTally], label: str,
                   indicator: tuple[str, str] | None) -> tuple[dict, dict[str, tuple[int, bool]]]:
    """The table of a circular: each group's rates, its rank on the period's decisive indicator
    (ties share a rank) and that indicator's change on the previous month. Short headers, so that
    every header fits on one line of its column."""
    previous = {t.name: t for t in before}
    groups = [t for t in now if t.projects]
    ranks = shared_ranks([(t.name, _rate(t, indicator[0])) for t in groups]) if indicator else {}
    if indicator:
        groups.sort(key=lambda t: (ranks[t.name][0], -t.projects))
    rows = []
    for tally in groups:
        prior = previous.get(tally.name)
        row = [tally.name, tally.projects, *[_pct(_rate(tally, attr)) for attr, _ in INDICATORS],
               _pct(tally.investment_rate)]
        if indicator:
            row += [ranks[tally.name][0],
                    _change_cell(_rate(tally, indicator[0]), _rate(prior, indicator[0]) if prior else None)]
        rows.append(row)
    header = [label, "项目数", *[name for _, name in INDICATORS], "投资完成率"]
    widths = ["20%", "10%", "11%", "11%", "11%", "16%"]
    if indicator:
        header += ["排名", "较上月"]
        widths += ["9%", "12%"]
    else:
        widths = ["26%", "12%", "14%", "14%", "14%", "20%"]
    table = {"kind": "table", "caption": caption, "header": header, "rows": rows, "wide": False,
             "text_columns": [1], "widths": widths}
    return table, ranks


def _standing(ranks: dict[str, tuple[int, bool]], values: dict[str, Decimal]) -> tuple[list[str], list[str]]:
    """(the units at the top, the units at the bottom): every unit ranked in the first three
    places (ties included), and every unit among the last three (ties included), never both."""
    if not ranks:
        return [], []
    order = sorted(ranks, key=lambda name: (ranks[name][0], name))
    top = [name for name in order if ranks[name][0] <= 3]
    lower = sorted(set(values.values()))
    cut = None
    below = 0
    for value in lower:
        below += sum(1 for v in values.values() if v == value)
        cut = value
        if below >= 3:
            break
    bottom = [name for name in reversed(order) if values[name] <= cut and name not in top]
    return top, bottom


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
        overall += f"；已达效{total.effective}个，达效率{_pct(_rate(total, 'effective'))}"
    overall += "。"
    money_text = (f"累计完成投资{money(total.completed_investment)}，占总投资{money(total.total_investment)}的"
                  f"{_pct(total.investment_rate)}" + _versus(total.investment_rate, prior.investment_rate) + "。")
    unit_table, ranks = _ranking_table(
        f"表1 {label}各县（市、区）工程进展情况" + (f"（按{indicator[1]}排名）" if indicator else ""),
        now.units, before.units, "县市区", indicator)
    domain_table, _ = _ranking_table(
        f"表2 {label}各领域工程进展情况" + (f"（按{indicator[1]}排名）" if indicator else ""),
        now.domains, before.domains, "领域", decisive_indicator(total, now.domains))
    values = {u.name: _rate(u, indicator[0]) for u in now.units if u.projects} if indicator else {}
    top, bottom = _standing(ranks, values)
    ranking_blocks = []
    if indicator:
        settled = [name for attr, name in INDICATORS[:[a for a, _ in INDICATORS].index(indicator[0])]]
        basis = (f"各县（市、区）{'、'.join(settled)}均已达到100%，本月按{indicator[1]}排名。" if settled
                 else f"本月按{indicator[1]}排名。")
        ranking_blocks.append({"kind": "p", "text": basis + "排名前列的是：" + "、".join(
            f"{name}（{_pct(values[name])}，{rank_text(*ranks[name])}）" for name in top) + "；排名靠后的是："
            + "、".join(f"{name}（{_pct(values[name])}，{rank_text(*ranks[name])}）" for name in bottom) + "。"})
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
        {"kind": "p", "text": "各县（市、区）、各牵头部门要对照年度目标，聚焦未开工、进度滞后工程，逐项明确责任人和"
                              "完成时限，确保按期完工达效。"},
    ]
    return {
        "blocks": blocks,
        "title": f"关于{label}全市“一泓清水入黄河”生态保护工程进展情况的通报",
        # 通报 is sent down to the counties and departments; the city government and the
        # province's task force receive it for information (抄报), never as 主送.
        "main_recipients": "各县（市、区）人民政府，临汾经济开发区管委会，市直有关部门",
        "copy_report_to": "市人民政府，省“一泓清水入黄河”工程专班",
        "copy_to": "市人民政府，省“一泓清水入黄河”工程专班，市委办公室，市人大常委会办公室，市政协办公室",
        "as_of": as_of.isoformat(),
        "indicator": indicator[1] if indicator else None,
        "ranks": {name: {"rank": rank, "tied": tied} for name, (rank, tied) in ranks.items()},
        "leading": top,
        "lagging": bottom,
        "units": [u.as_dict() for u in now.units],
        "domains": [d.as_dict() for d in now.domains],
    }


def _versus(now: Decimal, before: Decimal) -> str:
    """"，较上月提高5个百分点" — nothing when unchanged."""
    return "" if Decimal(now) == Decimal(before) else f"，较上月{_change(now, before)}"


RISK_DAYS = 60


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
        if now.states.get(p.pk) in (ProjectState.PREPARATION, ProjectState.UNDER_CONSTRUCTION, ProjectState.SUSPENDED)
    ]
    overdue = [p for p in unfinished if p.planned_completion < week_end]
    upcoming = [p for p in unfinished if p.planned_completion >= week_end]
    reported = set(WeeklyReport.objects.filter(week_start=week_start).values_list("project_id", flat=True))
    counts = "，".join(f"{label}{total.by_state[label]}个" for label in ProjectState.labels
                      if total.by_state.get(label))
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
                              f"开工率{_pct(total.started_rate)}，完工率{_pct(total.completed_rate)}。"
                              f"本周{len(reported)}个工程报送了调度信息。"},
        {"kind": "table", "caption": "表1 各县（市、区）工程状态", "wide": False, "text_columns": [1],
         "header": ["县市区", "项目数", *ProjectState.labels],
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
        {"kind": "h2", "text": "五、逾期和临近完工期限的工程"},
        *([{"kind": "p", "text": line} for line in risk_lines]
          or [{"kind": "p", "text": f"没有逾期未完工或{RISK_DAYS}天内临近计划完工日期的工程。"}]),
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


def _short_date(iso: str, year: int) -> str:
    """M月D日 within the report's year, with the year otherwise."""
    day = dt.date.fromisoformat(iso)
    return f"{day.month}月{day.day}日" if day.year == year else f"{day.year}年{day.month}月{day.day}日"


def compose_unit_letter(*, unit, as_of: dt.date, reason: str = "", requirement: str = "", limit: int = 8,
                        kind: str = "supervision") -> dict:
    """A letter's context for one unit listing its unfinished projects where they stand (used by the
    benchmarks to render letters of a realistic size; the calendar drafts its letters from the
    rules' findings, dispatch.issuing)."""
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
        facts = (f"计划{cn_day(project.planned_completion)}完工，目前{state.label}，形象进度{_pct(progress)}"
                 if state != ProjectState.PREPARATION else
                 f"计划{project.planned_start.year}年{project.planned_start.month}月开工，尚未开工")
        items.append({"project_id": project.pk, "project_name": project.name, "facts": facts})
    return compose_letter(kind=kind, recipient=unit.name, as_of=as_of, items=items)


# --- letters (函 and 通知 to one county or department) -----------------------------------------
# Written as the office writes them: the facts in plain words as of the scan date, project names
# (never codes), what the recipient must do and by which calendar date (computed from working
# days when the letter is issued), and whom to call. A 反馈 is asked only where the kind has a
# 反馈 loop (the kind's `answer_required`: 预警函, 督办函, 挂牌督办通知).

PROGRAMME = "“一泓清水入黄河”生态保护工程"
WEEKDAYS = "一二三四五六日"


def pronoun(name: str) -> str:
    """How a letter addresses its recipient: 你市, 你县, 你区, 你局, 你委, else 你单位."""
    if name.endswith("开发区"):
        return "你区"
    for ending, word in (("市", "你市"), ("县", "你县"), ("区", "你区"), ("局", "你局"),
                         ("委员会", "你委"), ("委", "你委")):
        if name.endswith(ending):
            return word
    return "你单位"


def cn_day(day: dt.date, *, year: int | None = None) -> str:
    """2025年9月21日; M月D日 when `year` is the date's year."""
    if year == day.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def _item_lines(items: list[dict]) -> list[dict]:
    return [{"kind": "p", "text": f"{index}.{item['project_name']}：{item['facts']}。"}
            for index, item in enumerate(items, start=1)]


def compose_letter(*, kind: str, recipient: str, as_of: dt.date, items: list[dict] = (), data: dict | None = None,
                   facts: str = "") -> dict:
    """A letter's context from a rule's findings for one recipient (a county or a department).

    `items`: the projects concerned, each with `project_id`, `project_name` and `facts` (a plain
    clause: "形象进度30.9%，较工期要求滞后31.4个百分点"). `data`: what the kind needs besides
    (the ranking for a 提醒函, the month for a 约谈通知, the letters a 挂牌督办 rests on).
    The body is built by `letter_blocks`, again when the letter is issued (its dates)."""
    context = {
        "letter": {"kind": kind, "recipient": recipient, "as_of": as_of.isoformat(), "data": dict(data or {}),
                   "facts": facts},
        "items": [dict(item) for item in items],
    }
    title = LETTER_TITLES.get(kind)
    if title:
        context["title"] = title.format(recipient=recipient)
    context["blocks"] = letter_blocks(context)
    return context


LETTER_TITLES = {
    "warning": "关于{recipient}生态保护工程存在进度风险的预警函",
    "reminder": "关于加快{recipient}生态保护工程建设进度的提醒函",
    "supervision": "关于{recipient}生态保护工程进度滞后的督办函",
    "summons": "关于约谈{recipient}生态保护工程推进工作的通知",
    "listed_supervision": "关于对{recipient}生态保护工程推进工作实行挂牌督办的通知",
    "urge_report": "关于{recipient}及时报送工程周调度信息的催报通知",
}


def letter_items_merge(context: dict, items: list[dict]) -> dict:
    """The context with more projects (one letter per recipient, kind and day), rebuilt."""
    merged = dict(context)
    known = {item.get("project_id") for item in context.get("items", [])}
    merged["items"] = [*context.get("items", []), *(i for i in items if i.get("project_id") not in known)]
    merged["blocks"] = letter_blocks(merged, acknowledge_by=_date_or_none(context.get("acknowledge_by")),
                                     answer_by=_date_or_none(context.get("answer_by")),
                                     meeting=context.get("meeting"))
    return merged


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def letter_at_issue(context: dict, *, acknowledge_by: dt.date | None, answer_by: dt.date | None,
                    contact: tuple[str, str] | None, meeting: dict | None = None) -> dict:
    """The letter's context as issued: the demand with its calendar dates (from the working days
    counted at issue), the meeting a 约谈通知 calls, and the office's contact as 附注."""
    if "letter" not in context:
        return context
    dated = dict(context)
    dated["acknowledge_by"] = acknowledge_by.isoformat() if acknowledge_by else None
    dated["answer_by"] = answer_by.isoformat() if answer_by else None
    if meeting is not None:
        dated["meeting"] = meeting
    dated["blocks"] = letter_blocks(dated, acknowledge_by=acknowledge_by, answer_by=answer_by,
                                    meeting=dated.get("meeting"))
    if contact and all(contact):
        dated["note"] = f"联系人：{contact[0]}，电话：{contact[1]}"
    return dated


def letter_blocks(context: dict, *, acknowledge_by: dt.date | None = None, answer_by: dt.date | None = None,
                  meeting: dict | None = None) -> list[dict]:
    """The body of a letter, per kind."""
    letter = context["letter"]
    kind, as_of = letter["kind"], dt.date.fromisoformat(letter["as_of"])
    you = pronoun(letter["recipient"])
    items = context.get("items") or []
    data = letter.get("data") or {}
    year = as_of.year
    answer = f"请{you}于{cn_day(answer_by)}前将整改情况书面反馈专班办。" if answer_by else ""
    if kind == "warning":
        starts = [i for i in items if "开工" in i["facts"] and "形象进度" not in i["facts"]]
        finishes = [i for i in items if i not in starts]
        asks = []
        if starts:
            asks.append("对未开工工程加快办理前期手续，确保按计划开工")
        if finishes:
            asks.append("对进度滞后的工程倒排工期、挂图作战，确保按期完工")
        return [
            {"kind": "p", "text": f"截至{cn_day(as_of, year=year)}，{you}{PROGRAMME}中有{len(items)}个工程存在"
                                  f"不能按期{'开工或完工' if starts and finishes else '开工' if starts else '完工'}"
                                  "的风险，现予预警。"},
            {"kind": "h2", "text": "一、预警事项"},
            *_item_lines(items),
            {"kind": "h2", "text": "二、有关要求"},
            {"kind": "p", "text": f"请{you}高度重视，逐项分析风险成因，{'；'.join(asks)}。{answer}"},
        ]
    if kind == "reminder":
        if data.get("bottom"):
            score = Decimal(data["score"])
            opening = (f"截至{cn_day(as_of, year=year)}，{you}{PROGRAMME}平均进度较工期要求滞后"
                       f"{_points(-score)}，在全市{data['of']}个{data['label']}中"
                       f"{'并列' if data.get('tied') else ''}第{data['rank']}位，排名靠后")
            opening += f"。其中，以下{len(items)}个工程严重滞后：" if items else "。"
        else:
            opening = f"截至{cn_day(as_of, year=year)}，{you}以下{len(items)}个{PROGRAMME}严重滞后："
        return [
            {"kind": "p", "text": opening},
            *_item_lines(items),
            {"kind": "p", "text": f"请{you}认真分析原因，压实责任，倒排工期，加快推进，确保完成年度目标任务。"},
        ]
    if kind == "supervision":
        demand = f"请{you}高度重视，逐项制定整改措施，明确责任人和完成时限，倒排工期、加快推进。"
        if acknowledge_by and answer_by:
            demand += (f"请于{cn_day(acknowledge_by)}前在一泓系统签收本函，"
                       f"并于{cn_day(answer_by)}前将整改情况书面反馈专班办。")
        else:
            demand += answer
        if len(items) == 1:
            item = items[0]
            return [
                {"kind": "p", "text": f"截至{cn_day(as_of, year=year)}，{you}{item['project_name']}{item['facts']}，"
                                      "进度滞后，现予督办。"},
                {"kind": "p", "text": demand},
            ]
        return [
            {"kind": "p", "text": f"截至{cn_day(as_of, year=year)}，{you}以下{len(items)}个{PROGRAMME}进度滞后，现予督办。"},
            {"kind": "h2", "text": "一、督办事项"},
            *_item_lines(items),
            {"kind": "h2", "text": "二、整改要求"},
            {"kind": "p", "text": demand},
        ]
    if kind == "summons":
        month = dt.date.fromisoformat(data["month"]) if data.get("month") else as_of
        meeting = meeting or {}
        return [
            {"kind": "p", "text": f"{you}{letter['facts'].removeprefix(letter['recipient'])}。经研究，决定对{you}"
                                  f"{PROGRAMME}推进工作进行约谈。现将有关事项通知如下。"
                                  if letter.get("facts") else
                                  f"{you}{PROGRAMME}{month.year}年{month.month}月整月无明显进展。经研究，决定对{you}"
                                  "进行约谈。现将有关事项通知如下。"},
            {"kind": "p", "text": f"一、约谈时间：{meeting_time_text(meeting.get('at')) or '待定'}"},
            {"kind": "p", "text": f"二、约谈地点：{meeting.get('place') or '待定'}"},
            {"kind": "p", "text": f"三、召集人：{meeting.get('convener') or '待定'}"},
            {"kind": "p", "text": f"四、参加人员：{meeting.get('attendees') or '待定'}"},
            {"kind": "p", "text": f"五、有关要求：请参加人员携带{meeting.get('materials') or '有关材料'}，"
                                  "提前15分钟到达；因故不能参加的，须提前向专班办说明。"},
        ]
    if kind == "listed_supervision":
        reasons = []
        overdue = data.get("overdue_letters") or []
        if overdue:
            reasons.append(f"{you}有{len(overdue)}件督办函逾期未反馈整改情况：" + "；".join(
                f"《{row['title']}》（{row['number']}，反馈期限{cn_day(dt.date.fromisoformat(row['deadline']))}）"
                for row in overdue))
        summonses = data.get("summonses") or []
        if summonses:
            reasons.append(f"{you}因工程整月无明显进展被约谈{len(summonses)}次" + (
                "（" + "、".join(row["number"] for row in summonses if row.get("number")) + "）"
                if any(row.get("number") for row in summonses) else ""))
        if not reasons and letter.get("facts"):
            reasons.append(letter["facts"].removeprefix(letter["recipient"]).removesuffix("，列入挂牌督办"))
        until = dt.date.fromisoformat(data["until"]) if data.get("until") else None
        quarter = data.get("quarter_label", "本季度")
        return [
            {"kind": "p", "text": f"{quarter}，" + "；".join(reasons) + f"。经研究，决定对{you}{PROGRAMME}推进工作"
                                  "实行挂牌督办。现将有关事项通知如下。"},
            {"kind": "p", "text": "一、挂牌期限。自本通知印发之日起" + (f"至{cn_day(until)}。" if until else "3个月。")},
            {"kind": "p", "text": f"二、整改要求。请{you}制定整改方案，逐项明确责任人和完成时限；挂牌期间，"
                                  "每周五前将整改进展书面报送专班办。"},
            {"kind": "p", "text": f"三、摘牌条件。逾期未反馈的督办函全部书面反馈、所列工程整改到位，且挂牌期间"
                                  f"工程形象进度连续4周达到工期要求的，由{you}提出摘牌申请，经专班办核实后摘牌。"},
            *([{"kind": "p", "text": f"四、{answer}"}] if answer else []),
        ]
    if kind == "urge_report":
        week = dt.date.fromisoformat(data["week_start"]) if data.get("week_start") else as_of
        names = "、".join(item["project_name"] for item in items)
        when = f"于{cn_day(acknowledge_by)}前" if acknowledge_by else "在收到本通知后1个工作日内"
        missing = (f"以下{len(items)}个工程未报送{week_range_text(week)}的周调度信息：{names}。" if len(items) > 1
                   else f"{names}未报送{week_range_text(week)}的周调度信息。")
        return [
            {"kind": "p", "text": f"截至{cn_day(as_of, year=year)}，{you}{missing}"},
            {"kind": "p", "text": f"请{you}{when}在一泓系统补报，今后每周按时报送。"},
        ]
    raise ValueError(f"no letter wording for kind {kind}")


def week_range_text(week: dt.date) -> str:
    """9月15日至21日; 9月29日至10月5日; 2024年12月30日至2025年1月5日."""
    end = week + dt.timedelta(days=6)
    if end.year != week.year:
        return f"{cn_day(week)}至{cn_day(end)}"
    if end.month != week.month:
        return f"{week.month}月{week.day}日至{end.month}月{end.day}日"
    return f"{week.month}月{week.day}日至{end.day}日"


def meeting_time_text(value: str | None) -> str:
    """2025年9月8日（星期一）上午9时30分."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value)
    half = "上午" if moment.hour < 12 else "下午"
    hour = moment.hour if moment.hour <= 12 else moment.hour - 12
    minutes = f"{moment.minute}分" if moment.minute else ""
    return f"{cn_day(moment.date())}（星期{WEEKDAYS[moment.weekday()]}）{half}{hour}时{minutes}"


def _points(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')).normalize():f}个百分点"


def compose_correction(*, original_title: str, original_number: str, original_issued_on: dt.date,
                       corrections: list[dict], text: str = "") -> dict:
    """更正通知: which document, and for each error where it is, what was printed and what is right."""
    blocks = [{"kind": "p", "text": f"我办{cn_day(original_issued_on)}印发的《{original_title}》（{original_number}）"
                                    f"中{'有' + str(len(corrections)) + '处' if corrections else ''}内容有误，现更正如下："}]
    for index, row in enumerate(corrections, start=1):
        prefix = f"{index}." if len(corrections) > 1 else ""
        blocks.append({"kind": "p", "text": f"{prefix}{row['where']}，原为“{row['wrong']}”，应为“{row['right']}”。"})
    blocks += [{"kind": "p", "text": line.strip()} for line in (text or "").splitlines() if line.strip()]
    blocks.append({"kind": "p", "text": "其余内容不变。特此更正。"})
    return {"blocks": blocks, "corrections": [dict(row) for row in corrections]}
