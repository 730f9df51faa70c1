"""What every ledger is made of: its columns, its filters, the projects it covers and their facts on
its date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from tracker import permissions
from tracker.choices import ProblemStatus, ProjectState
from tracker.models import AdministrativeUnit, Department, Domain, Problem, Project
from tracker.portfolio import (
    project_figures_as_of,
    project_states_as_of,
    projects_listed_by,
)

TEXT, INT, MONEY, PERCENT, DATE = "text", "int", "money", "percent", "date"
CITY_TITLE = "临汾市“一泓清水入黄河”生态保护工程"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int = 12
    total: bool = False  # summed in the totals row


@dataclass
class LedgerTable:
    """A ledger ready to be written: its title, its columns, its rows (and subtotal rows)."""

    kind: str
    title: str
    file_stem: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    # Indices into rows that are group subtotals (written bold, left out of the totals row).
    subtotal_rows: set[int] = field(default_factory=set)
    totals: bool = False
    note: str = ""

    def totals_row(self) -> list:
        row: list = ["合计"] + [None] * (len(self.columns) - 1)
        data_rows = [r for i, r in enumerate(self.rows) if i not in self.subtotal_rows]
        for position, column in enumerate(self.columns):
            if column.total:
                row[position] = sum((r[position] or Decimal("0") for r in data_rows), Decimal("0"))
        return row


@dataclass(frozen=True)
class LedgerFilters:
    """Filters every ledger accepts; `as_of` is the date the ledger stands at (default today)."""

    unit: str = ""  # AdministrativeUnit.code
    domain: str = ""  # Domain.code
    department: str = ""  # Department.code
    state: str = ""  # ProjectState value
    year: int | None = None
    as_of: dt.date | None = None

    @property
    def date(self) -> dt.date:
        return self.as_of or timezone.localdate()


KINDS: dict[str, str] = {
    "master": "工程总台账",
    "provincial": "省定重点工程分台账",
    "department": "市直部门分领域台账",
    "domain": "分领域台账",
    "annual": "年度任务分台账",
    "unit": "县(市、区)分台账",
    "procedures": "手续办理台账",
    "funds": "资金到位台账",
    "problems": "问题台账",
    "weekly": "周调度台账",
    "sections": "断面水质台账",
}


MASTER_COLUMNS = [
    Column("序号", INT, 6),
    Column("项目编号", TEXT, 14),
    Column("项目名称", TEXT, 36),
    Column("县(市、区)", TEXT, 12),
    Column("牵头部门", TEXT, 20),
    Column("领域", TEXT, 8),
    Column("项目单位", TEXT, 28),
    Column("建设内容及规模", TEXT, 40),
    Column("总投资(万元)", MONEY, 14, total=True),
    Column("计划开工日期", DATE, 12),
    Column("计划完工日期", DATE, 12),
    Column("当前阶段", TEXT, 8),
    Column("形象进度(%)", PERCENT, 10),
    Column("累计完成投资(万元)", MONEY, 16, total=True),
    Column("资金到位(万元)", MONEY, 14, total=True),
    Column("存在问题", TEXT, 36),
    Column("备注", TEXT, 24),
]


MASTER_HEADERS = [c.header for c in MASTER_COLUMNS]


WEEKLY_COLUMNS = [
    Column("项目编号", TEXT, 14),
    Column("项目名称", TEXT, 36),
    Column("本周形象进度(%)", PERCENT, 12),
    Column("累计完成投资(万元)", MONEY, 16),
    Column("资金到位(万元)", MONEY, 14),
    Column("手续办理进展", TEXT, 30),
    Column("存在问题", TEXT, 30),
    Column("填报人", TEXT, 10),
    Column("联系电话", TEXT, 14),
    # Not in the list: where a county explains a fall in progress (weekly_report_submit's rule).
    Column("进度回调说明", TEXT, 24),
]


WEEKLY_HEADERS = [c.header for c in WEEKLY_COLUMNS]


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _title(name: str, suffix: str) -> str:
    return f"{CITY_TITLE}{name}（{suffix}）"


def state_label(state: str) -> str:
    return ProjectState(state).label


def _state_value(text: str) -> str:
    """Accept a state value (`preparation`) or its label (`前期`)."""
    if not text:
        return ""
    for value, label in ProjectState.choices:
        if text in (value, label):
            return value
    raise ValueError(f"未知的阶段“{text}”，应为：{'、'.join(ProjectState.labels)}")


def projects_for_ledger(*, user, filters: LedgerFilters) -> QuerySet[Project]:
    """The projects a ledger covers: what the user may see, narrowed by the filters.

    `user=None` is the command line (the whole portfolio).
    """
    projects = Project.objects.select_related("unit", "domain", "lead_department")
    if user is not None:
        projects = permissions.visible_projects(user, projects)
    if filters.unit:
        projects = projects.filter(unit__code=filters.unit)
    if filters.domain:
        projects = projects.filter(domain__code=filters.domain)
    if filters.department:
        projects = projects.filter(lead_department__code=filters.department)
    if filters.year:
        projects = projects.filter(target_year=filters.year)
    # A ledger of a past date lists only the projects in the portfolio by then.
    return projects_listed_by(as_of=filters.date, projects=projects).order_by("map_number")


@dataclass(frozen=True)
class ProjectRowFacts:
    state: str
    progress: Decimal
    completed: Decimal
    funds: Decimal


def _facts(projects: list[Project], filters: LedgerFilters) -> dict[int, ProjectRowFacts]:
    """State and figures of each project on the ledger's date.

    On today (the default) these are the project's own current fields; on a past date they
    come from the as-of-date portfolio (the audit log of transitions and the weekly reports).
    """
    if filters.as_of is None or filters.as_of >= timezone.localdate():
        return {
            p.pk: ProjectRowFacts(p.state, p.progress_percent, p.completed_investment, p.funds_in_place)
            for p in projects
        }
    ids = [p.pk for p in projects]
    states = project_states_as_of(as_of=filters.as_of, projects=Project.objects.filter(pk__in=ids))
    figures = project_figures_as_of(as_of=filters.as_of, projects=Project.objects.filter(pk__in=ids))
    zero = Decimal("0.00")
    facts = {}
    for p in projects:
        figure = figures.get(p.pk)
        facts[p.pk] = ProjectRowFacts(
            states.get(p.pk, ProjectState.PREPARATION),
            figure.progress_percent if figure else zero,
            figure.completed_investment if figure else zero,
            figure.funds_in_place if figure else zero,
        )
    return facts


def _open_problems(project_ids: list[int], as_of: dt.date) -> dict[int, str]:
    texts: dict[int, list[str]] = {}
    problems = Problem.objects.filter(project_id__in=project_ids, raised_on__lte=as_of).exclude(
        status=ProblemStatus.RESOLVED, resolved_on__lte=as_of
    )
    rows = problems.order_by("raised_on", "id").values_list("project_id", "description")
    for project_id, description in rows:
        texts.setdefault(project_id, []).append(description)
    return {pk: "；".join(items) for pk, items in texts.items()}


def _scoped(projects: QuerySet[Project],
            filters: LedgerFilters) -> tuple[list[Project], dict[int, ProjectRowFacts]]:
    rows = list(projects)
    facts = _facts(rows, filters)
    if filters.state:
        state = _state_value(filters.state)
        rows = [p for p in rows if facts[p.pk].state == state]
    return rows, facts


def _master_rows(projects: list[Project], facts: dict[int, ProjectRowFacts], as_of: dt.date) -> list[list]:
    problems = _open_problems([p.pk for p in projects], as_of)
    rows = []
    for p in projects:
        fact = facts[p.pk]
        rows.append(
            [
                p.map_number, p.code, p.name, p.unit.name, p.lead_department.name, p.domain.name,
                p.owner_name, p.content_scale, p.total_investment, p.planned_start, p.planned_completion,
                state_label(fact.state), fact.progress, fact.completed, fact.funds, problems.get(p.pk, ""),
                p.remarks,
            ]
        )
    return rows


def _scope_suffix(filters: LedgerFilters) -> str:
    parts = []
    if filters.unit:
        unit = AdministrativeUnit.objects.filter(code=filters.unit).first()
        parts.append(unit.name if unit else filters.unit)
    if filters.domain:
        domain = Domain.objects.filter(code=filters.domain).first()
        parts.append(f"{domain.name}领域" if domain else filters.domain)
    if filters.department:
        department = Department.objects.filter(code=filters.department).first()
        parts.append(department.name if department else filters.department)
    if filters.state:
        parts.append(state_label(_state_value(filters.state)))
    if filters.year:
        parts.append(f"{filters.year}年度")
    return "·".join(parts)


def _stem(kind: str, filters: LedgerFilters, extra: str = "") -> str:
    scope = _scope_suffix(filters)
    pieces = [KINDS[kind]]
    if scope:
        pieces.append(scope)
    if extra:
        pieces.append(extra)
    pieces.append(filters.date.strftime("%Y%m%d"))
    return "_".join(pieces)
