"""The ledgers (台账) by kind: master, grouped, annual, per unit, procedures, funds, problems, weekly,
sections."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Prefetch

from core.workdays import monday_of
from ledgers.exporting.stamp import export_stamp
from ledgers.exporting.tables import (
    DATE,
    INT,
    KINDS,
    MASTER_COLUMNS,
    MONEY,
    PERCENT,
    TEXT,
    WEEKLY_COLUMNS,
    Column,
    LedgerFilters,
    LedgerTable,
    _master_rows,
    _scope_suffix,
    _scoped,
    _stem,
    _title,
    cn_date,
    projects_for_ledger,
    state_label,
)
from tracker.choices import (
    COMPLETED_STATES,
    STARTED_STATES,
    ProblemStatus,
    ProcedureKind,
    ProcedureStatus,
    ProjectState,
    WaterClass,
)
from tracker.models import (
    AdministrativeUnit,
    MonitoringSection,
    Problem,
    Procedure,
    Project,
    SectionReading,
    WeeklyReport,
)
from tracker.portfolio import (
    portfolio_as_of,
    project_figures_as_of,
)


def master_ledger(*, user, filters: LedgerFilters, kind: str = "master") -> LedgerTable:
    projects = projects_for_ledger(user=user, filters=filters)
    if kind == "provincial":
        projects = projects.filter(is_provincial=True)
    rows, facts = _scoped(projects, filters)
    scope = _scope_suffix(filters)
    base = "总台账" if kind == "master" else KINDS[kind]
    name = base if not scope else f"{base}（{scope}）"
    return LedgerTable(
        kind=kind,
        title=_title(name, f"截至{cn_date(filters.date)}"),
        # The export time: a re-import flags the projects changed since (ledgers.importing.master).
        note=export_stamp(),
        file_stem=_stem(kind, filters),
        columns=MASTER_COLUMNS,
        rows=_master_rows(rows, facts, filters.date),
        totals=True,
    )


def grouped_master_ledger(*, user, filters: LedgerFilters, kind: str) -> LedgerTable:
    """市直部门分领域台账: the master columns grouped by lead department (or by domain), each group subtotalled."""
    projects = projects_for_ledger(user=user, filters=filters)
    rows, facts = _scoped(projects, filters)
    if kind == "department":
        key: Callable[[Project], tuple] = lambda p: (  # noqa: E731
            p.lead_department.display_order, p.lead_department.name, p.domain.display_order, p.domain.name
        )
        label: Callable[[Project], str] = lambda p: f"{p.lead_department.name}·{p.domain.name}"  # noqa: E731
    else:
        key = lambda p: (p.domain.display_order, p.domain.name)  # noqa: E731
        label = lambda p: f"{p.domain.name}领域"  # noqa: E731
    rows.sort(key=lambda p: (*key(p), p.map_number))
    table = LedgerTable(
        kind=kind,
        title=_title(KINDS[kind], f"截至{cn_date(filters.date)}"),
        file_stem=_stem(kind, filters),
        columns=MASTER_COLUMNS,
        totals=True,
    )
    group: list[Project] = []
    for index, project in enumerate(rows):
        group.append(project)
        last = index == len(rows) - 1
        if last or key(rows[index + 1]) != key(project):
            table.rows.extend(_master_rows(group, facts, filters.date))
            subtotal: list = [None] * len(MASTER_COLUMNS)
            subtotal[0] = "小计"
            subtotal[2] = f"{label(project)}（{len(group)}个）"
            for position, column in enumerate(MASTER_COLUMNS):
                if column.total:
                    subtotal[position] = sum((r[position] for r in table.rows[-len(group):]), Decimal("0"))
            table.subtotal_rows.add(len(table.rows))
            table.rows.append(subtotal)
            group = []
    return table


def _annual_target(project: Project, year: int) -> str:
    if project.planned_completion.year == year:
        return "完工"
    if project.planned_start.year == year:
        return "开工"
    if project.planned_effective and project.planned_effective.year == year:
        return "达效"
    return "续建"


def annual_ledger(*, user, filters: LedgerFilters) -> LedgerTable:
    """年度任务分台账: the year's target for each project and where it stands against it."""
    year = filters.year or filters.date.year
    projects = projects_for_ledger(user=user, filters=LedgerFilters(**{**filters.__dict__, "year": None}))
    projects = (projects.filter(planned_start__year__lte=year, planned_completion__year__gte=year)
                | projects.filter(target_year=year))
    rows, facts = _scoped(projects.distinct().order_by("map_number"), filters)
    columns = [
        Column("序号", INT, 6), Column("项目编号", TEXT, 14), Column("项目名称", TEXT, 36), Column("县(市、区)", TEXT, 12),
        Column("领域", TEXT, 8), Column("年度目标", TEXT, 8), Column("计划开工日期", DATE, 12),
        Column("计划完工日期", DATE, 12), Column("年度计划投资(万元)", MONEY, 16, total=True),
        Column("当前阶段", TEXT, 8), Column("形象进度(%)", PERCENT, 10),
        Column("累计完成投资(万元)", MONEY, 16, total=True), Column("目标完成情况", TEXT, 12),
    ]
    reached = {"开工": STARTED_STATES, "完工": COMPLETED_STATES, "达效": (ProjectState.EFFECTIVE,),
               "续建": STARTED_STATES}
    deadline = {
        "开工": lambda p: p.planned_start, "完工": lambda p: p.planned_completion,
        "达效": lambda p: p.planned_effective, "续建": lambda p: p.planned_start,
    }
    table_rows = []
    for p in rows:
        target = _annual_target(p, year)
        fact = facts[p.pk]
        if fact.state in reached[target]:
            status = "已完成"
        elif deadline[target](p) and deadline[target](p) < filters.date:
            status = "滞后"
        else:
            status = "推进中"
        table_rows.append(
            [p.map_number, p.code, p.name, p.unit.name, p.domain.name, target, p.planned_start,
             p.planned_completion, p.annual_planned_investment, state_label(fact.state), fact.progress,
             fact.completed, status]
        )
    return LedgerTable(
        kind="annual",
        title=_title(f"{year}年度任务分台账", f"截至{cn_date(filters.date)}"),
        file_stem=_stem("annual", filters, f"{year}年"),
        columns=columns,
        rows=table_rows,
        totals=True,
    )


def unit_ledger(*, user, filters: LedgerFilters) -> LedgerTable:
    """县(市、区)分台账: one unit's projects (with --unit), or the 18 units side by side."""
    if filters.unit:
        return master_ledger(user=user, filters=filters, kind="unit")
    projects = projects_for_ledger(user=user, filters=filters)
    if filters.state:
        rows, _ = _scoped(projects, filters)
        projects = projects.filter(pk__in=[p.pk for p in rows])
    snapshot = portfolio_as_of(as_of=filters.date, projects=projects)
    columns = [
        Column("序号", INT, 6), Column("县(市、区)", TEXT, 16), Column("项目数", INT, 8, total=True),
        Column("总投资(万元)", MONEY, 16, total=True), Column("已开工", INT, 8, total=True),
        Column("开工率(%)", PERCENT, 10), Column("已完工", INT, 8, total=True), Column("完工率(%)", PERCENT, 10),
        Column("累计完成投资(万元)", MONEY, 16, total=True), Column("投资完成率(%)", PERCENT, 12),
        Column("资金到位(万元)", MONEY, 14, total=True),
    ]
    table_rows = []
    for number, tally in enumerate([u for u in snapshot.units if u.projects], start=1):
        table_rows.append(
            [number, tally.name, tally.projects, tally.total_investment, tally.started, tally.started_rate,
             tally.completed, tally.completed_rate, tally.completed_investment, tally.investment_rate,
             tally.funds_in_place]
        )
    return LedgerTable(
        kind="unit",
        title=_title("县(市、区)分台账", f"截至{cn_date(filters.date)}"),
        file_stem=_stem("unit", filters),
        columns=columns,
        rows=table_rows,
        totals=True,
    )


def procedures_ledger(*, user, filters: LedgerFilters) -> LedgerTable:
    """手续办理台账: each project's procedures, one column per kind, and how many are still open."""
    projects = projects_for_ledger(user=user, filters=filters).prefetch_related(
        Prefetch("procedures", queryset=Procedure.objects.all())
    )
    rows, facts = _scoped(projects, filters)
    columns = [Column("序号", INT, 6), Column("项目编号", TEXT, 14), Column("项目名称", TEXT, 36),
               Column("县(市、区)", TEXT, 12), Column("当前阶段", TEXT, 8)]
    columns += [Column(label, TEXT, 16) for label in ProcedureKind.labels]
    columns += [Column("未办结手续数", INT, 10, total=True)]
    status_labels = dict(ProcedureStatus.choices)
    table_rows = []
    for p in rows:
        by_kind = {proc.kind: proc for proc in p.procedures.all()}
        cells = []
        pending = 0
        for kind in ProcedureKind.values:
            proc = by_kind.get(kind)
            if proc is None:
                cells.append("未启动")
                pending += 1
                continue
            text = status_labels[proc.status]
            if proc.status == ProcedureStatus.DONE and proc.completed_on:
                text += f"（{proc.completed_on:%Y-%m-%d}）"
            if proc.status not in (ProcedureStatus.DONE, ProcedureStatus.NOT_REQUIRED):
                pending += 1
            cells.append(text)
        table_rows.append([p.map_number, p.code, p.name, p.unit.name, state_label(facts[p.pk].state), *cells,
                           pending])
    return LedgerTable(
        kind="procedures",
        title=_title("手续办理台账", f"截至{cn_date(filters.date)}"),
        file_stem=_stem("procedures", filters),
        columns=columns,
        rows=table_rows,
        totals=True,
    )


def funds_ledger(*, user, filters: LedgerFilters) -> LedgerTable:
    """资金到位台账: investment against funds in place, with the rate and the gap."""
    rows, facts = _scoped(projects_for_ledger(user=user, filters=filters), filters)
    columns = [
        Column("序号", INT, 6), Column("项目编号", TEXT, 14), Column("项目名称", TEXT, 36), Column("县(市、区)", TEXT, 12),
        Column("领域", TEXT, 8), Column("总投资(万元)", MONEY, 16, total=True),
        Column("年度计划投资(万元)", MONEY, 16, total=True), Column("累计完成投资(万元)", MONEY, 16, total=True),
        Column("资金到位(万元)", MONEY, 14, total=True), Column("资金到位率(%)", PERCENT, 12),
        Column("资金缺口(万元)", MONEY, 14, total=True),
    ]
    table_rows = []
    for p in rows:
        fact = facts[p.pk]
        rate = ((fact.funds * 100 / p.total_investment).quantize(Decimal("0.01")) if p.total_investment
                else Decimal("0"))
        gap = max(p.total_investment - fact.funds, Decimal("0.00"))
        table_rows.append([p.map_number, p.code, p.name, p.unit.name, p.domain.name, p.total_investment,
                           p.annual_planned_investment, fact.completed, fact.funds, min(rate, Decimal("100")),
                           gap])
    return LedgerTable(
        kind="funds",
        title=_title("资金到位台账", f"截至{cn_date(filters.date)}"),
        file_stem=_stem("funds", filters),
        columns=columns,
        rows=table_rows,
        totals=True,
    )


def problems_ledger(*, user, filters: LedgerFilters) -> LedgerTable:
    """问题台账: every problem raised by the date, its escalation level and its age in days."""
    projects, _ = _scoped(projects_for_ledger(user=user, filters=filters), filters)
    as_of = filters.date
    problems = (
        Problem.objects.filter(project_id__in=[p.pk for p in projects], raised_on__lte=as_of)
        .select_related("project__unit")
        .order_by("status", "raised_on", "id")
    )
    columns = [
        Column("序号", INT, 6), Column("项目编号", TEXT, 14), Column("项目名称", TEXT, 30), Column("县(市、区)", TEXT, 12),
        Column("问题描述", TEXT, 40), Column("类别", TEXT, 8), Column("协调层级", TEXT, 10), Column("责任市领导", TEXT, 12),
        Column("提出日期", DATE, 12), Column("升级至当前层级日期", DATE, 14), Column("已历时(天)", INT, 10),
        Column("当前层级停留(天)", INT, 12), Column("状态", TEXT, 8), Column("解决日期", DATE, 12),
    ]
    table_rows = []
    for number, problem in enumerate(problems, start=1):
        resolved_on = problem.resolved_on
        if problem.status != ProblemStatus.RESOLVED or resolved_on is None or resolved_on > as_of:
            resolved_on = None  # not (yet) resolved on the ledger's date
        end = resolved_on or as_of
        table_rows.append(
            [number, problem.project.code, problem.project.name, problem.project.unit.name,
             problem.description, problem.get_category_display(), problem.get_level_display(),
             problem.responsible_leader, problem.raised_on, problem.level_since,
             (end - problem.raised_on).days,
             (end - problem.level_since).days if resolved_on is None else None,
             "已解决" if resolved_on else "未解决", resolved_on]
        )
    return LedgerTable(
        kind="problems",
        title=_title("问题台账", f"截至{cn_date(as_of)}"),
        file_stem=_stem("problems", filters),
        columns=columns,
        rows=table_rows,
    )


def _week_range(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    return f"{cn_date(monday)}至{cn_date(sunday)}"


def weekly_ledger(*, user, filters: LedgerFilters) -> LedgerTable:
    """周调度台账: one week's reports, and who has not reported (the week holding the date)."""
    monday = monday_of(filters.date)
    projects, _ = _scoped(projects_for_ledger(user=user, filters=filters), filters)
    ids = [p.pk for p in projects]
    reports = {r.project_id: r for r in WeeklyReport.objects.filter(project_id__in=ids, week_start=monday)}
    previous = project_figures_as_of(as_of=monday - dt.timedelta(days=1),
                                     projects=Project.objects.filter(pk__in=ids))
    columns = [Column("序号", INT, 6), Column("县(市、区)", TEXT, 12), *WEEKLY_COLUMNS,
               Column("上周形象进度(%)", PERCENT, 12), Column("填报状态", TEXT, 10)]
    rows = []
    missing = 0
    for p in projects:
        report = reports.get(p.pk)
        last = previous.get(p.pk)
        last_progress = last.progress_percent if last else None
        if report is None:
            missing += 1
            rows.append([p.map_number, p.unit.name, p.code, p.name, None, None, None, "", "", "", "", "",
                         last_progress, "未填报"])
        else:
            rows.append([p.map_number, p.unit.name, p.code, p.name, report.progress_percent,
                         report.completed_investment, report.funds_in_place, report.procedure_note,
                         report.problem_note, report.reporter_name, report.reporter_phone,
                         report.decrease_note, last_progress, "已填报"])
    return LedgerTable(
        kind="weekly",
        title=_title("周调度台账", _week_range(monday)),
        file_stem=_stem("weekly", filters, f"{monday:%Y%m%d}周"),
        columns=columns,
        rows=rows,
        note=f"应填报{len(projects)}个，已填报{len(projects) - missing}个，未填报{missing}个",
    )


def weekly_template(*, user, unit: AdministrativeUnit, week: dt.date) -> LedgerTable:
    """The blank weekly sheet a unit fills in: its projects pre-filled, the figures left blank."""
    monday = monday_of(week)
    projects = projects_for_ledger(user=user, filters=LedgerFilters(unit=unit.code))
    rows = [[p.code, p.name, None, None, None, "", "", "", "", ""] for p in projects]
    return LedgerTable(
        kind="weekly_template",
        title=_title(f"{unit.name}周调度表", _week_range(monday)),
        file_stem=f"周调度表_{unit.name}_{monday:%Y%m%d}周",
        columns=WEEKLY_COLUMNS,
        rows=rows,
    )


def sections_ledger(*, user, filters: LedgerFilters) -> LedgerTable:
    """断面水质台账: each section's monthly class over the year, its annual class and its target."""
    year = filters.year or filters.date.year
    sections = (MonitoringSection.objects.select_related("unit").prefetch_related("projects")
                .order_by("level", "code"))
    if filters.unit:
        sections = sections.filter(unit__code=filters.unit)
    readings: dict[int, dict[int, int]] = {}
    for section_id, month, water_class in SectionReading.objects.filter(
        month__year=year, month__lte=filters.date
    ).values_list("section_id", "month", "water_class"):
        readings.setdefault(section_id, {})[month.month] = water_class
    labels: dict[int | None, str] = dict(WaterClass.choices)
    columns = [Column("序号", INT, 6), Column("断面编码", TEXT, 12), Column("断面名称", TEXT, 20),
               Column("级别", TEXT, 8), Column("所在河流", TEXT, 12), Column("县(市、区)", TEXT, 12),
               Column("目标水质", TEXT, 10)]
    columns += [Column(f"{month}月", TEXT, 7) for month in range(1, 13)]
    columns += [Column("年均水质", TEXT, 10), Column("是否达标", TEXT, 8), Column("是否优良", TEXT, 8),
                Column("周边项目数", INT, 10, total=True)]
    rows = []
    for number, section in enumerate(sections, start=1):
        months = readings.get(section.pk, {})
        annual = None
        if months:
            mean = Decimal(sum(months.values())) / len(months)
            annual = int(mean.quantize(Decimal("1"), rounding="ROUND_HALF_UP"))
        rows.append(
            [number, section.code, section.name, section.get_level_display(), section.river,
             section.unit.name, labels[section.target_class],
             *[labels.get(months.get(m), "") for m in range(1, 13)], labels.get(annual, ""),
             ("达标" if annual <= section.target_class else "未达标") if annual else "",
             ("优良" if annual <= 3 else "否") if annual else "", len(section.projects.all())]
        )
    return LedgerTable(
        kind="sections",
        title=_title(f"{year}年断面水质台账", f"截至{cn_date(filters.date)}"),
        file_stem=_stem("sections", filters, f"{year}年"),
        columns=columns,
        rows=rows,
    )


BUILDERS: dict[str, Callable[..., LedgerTable]] = {
    "master": master_ledger,
    "provincial": lambda *, user, filters: master_ledger(user=user, filters=filters, kind="provincial"),
    "department": lambda *, user, filters: grouped_master_ledger(
        user=user, filters=filters, kind="department"
    ),
    "domain": lambda *, user, filters: grouped_master_ledger(user=user, filters=filters, kind="domain"),
    "annual": annual_ledger,
    "unit": unit_ledger,
    "procedures": procedures_ledger,
    "funds": funds_ledger,
    "problems": problems_ledger,
    "weekly": weekly_ledger,
    "sections": sections_ledger,
}


def ledger_build(*, kind: str, user, filters: LedgerFilters) -> LedgerTable:
    """Any ledger by its kind (one of KINDS)."""
    if kind not in BUILDERS:
        raise ValueError(f"未知的台账类型“{kind}”，应为：{'、'.join(KINDS)}")
    return BUILDERS[kind](user=user, filters=filters)
