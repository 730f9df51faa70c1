"""Ledgers that come back from Excel: the master ledger and the counties' weekly sheets.

Two steps (issue 5, "Imports"): `ledger_import_preview` reads a file and says what would be
created and changed, field by field, and every bad row with its row number, column and reason;
`ledger_import_confirm` does the same reading again inside one transaction and writes it all
— or, when any row is bad, nothing.

Decisions:
- 当前阶段 is never written by an import: a project's state changes only through
  tracker.services.project_transition (guarded, audited). A sheet whose stage differs from
  the system's yields a list of the transitions to make (`StageDifference`).
- The master ledger writes a project's facts (name, unit, department, domain, owner, content,
  investment, planned dates, remarks). Its 形象进度 / 累计完成投资 / 资金到位 columns are checked
  (a bad value refuses the file) and compared, but written only by the weekly dispatch: they
  are the figures of the project's weekly reports, which the as-of-date portfolio reads.
  Differences are listed as notes. 存在问题 is the problem register's text, never imported.
- The weekly sheet keeps weekly_report_submit's rules (progress may not fall below the previous
  week's without a note — the optional 进度回调说明 column) but writes set-based: one
  transaction, bulk inserts/updates, audit rows bulk-created, so that a 95-project sheet
  takes well under the 2 s the issue asks for. A row with all three figures blank is "not
  reported" and skipped.
- New projects get the same checks as tracker.services.project_create (model validation,
  office staff only, a PROJECT_CREATE audit row), written in bulk for the same reason.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tracker import permissions
from tracker.ledger_export import MASTER_HEADERS, cn_date, state_label
from tracker.ledger_parsing import (
    Cell,
    CellError,
    FileRefused,
    NameIndex,
    header_find,
    is_blank,
    parse_amount,
    parse_date,
    parse_percent,
    parse_text,
    read_sheet,
)
from tracker.models import (
    AdministrativeUnit,
    AuditAction,
    AuditEvent,
    Department,
    Domain,
    Project,
    ProjectState,
    WeeklyReport,
)
from tracker.portfolio_cache import portfolio_version_bump
from tracker.services import TRANSITIONS, actor_display_name
from tracker.workdays import week_start as monday_of

IMPORT_KINDS = {"master": "工程总台账", "weekly": "周调度表"}

MASTER_REQUIRED = ["项目编号", "项目名称", "县(市、区)", "牵头部门", "领域", "项目单位", "总投资(万元)", "计划开工日期", "计划完工日期"]
MASTER_OPTIONAL = [h for h in MASTER_HEADERS if h not in MASTER_REQUIRED]
WEEKLY_REQUIRED = ["项目编号", "本周形象进度(%)", "累计完成投资(万元)", "资金到位(万元)"]
WEEKLY_OPTIONAL = ["序号", "县(市、区)", "项目名称", "手续办理进展", "存在问题", "填报人", "联系电话", "进度回调说明"]

# Master-ledger columns written to the project: header → (model field, how to show it).
MASTER_FIELDS = {
    "项目名称": "name",
    "县(市、区)": "unit",
    "牵头部门": "lead_department",
    "领域": "domain",
    "项目单位": "owner_name",
    "建设内容及规模": "content_scale",
    "总投资(万元)": "total_investment",
    "计划开工日期": "planned_start",
    "计划完工日期": "planned_completion",
    "备注": "remarks",
}
MASTER_FIGURES = {"形象进度(%)": "progress_percent", "累计完成投资(万元)": "completed_investment", "资金到位(万元)": "funds_in_place"}
SKIPPED_FIRST_CELLS = {"合计", "小计", "总计"}
WRITE_BATCH = 500  # rows per bulk statement; progress is reported after each batch


class LedgerImportRefused(ValidationError):
    """The file was refused; `preview` holds every row error (nothing was written)."""

    def __init__(self, preview: ImportPreview):
        super().__init__(preview.error_summary())
        self.preview = preview


@dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number (1-based), 0 for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        where = f"第{self.row}行" + (f"“{self.column}”列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: str
    new: str


@dataclass
class RowPlan:
    row: int
    code: str
    name: str
    action: str  # "create" | "update" | "unchanged" | "not_reported"
    changes: list[FieldChange] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    project: Project | None = None
    report: WeeklyReport | None = None


@dataclass(frozen=True)
class StageDifference:
    row: int
    code: str
    name: str
    system_state: str
    sheet_state: str
    transitions: list[str]

    def __str__(self) -> str:
        steps = "→".join(self.transitions) if self.transitions else "无可用的阶段变更路径"
        return (
            f"第{self.row}行 {self.code} {self.name}：系统为“{state_label(self.system_state)}”，"
            f"表中为“{state_label(self.sheet_state)}”，请通过阶段变更办理：{steps}"
        )


@dataclass
class ImportPreview:
    kind: str
    rows_read: int = 0
    plans: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    stage_differences: list[StageDifference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    week_start: dt.date | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def _count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def created(self) -> int:
        return self._count("create")

    @property
    def updated(self) -> int:
        return self._count("update")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def not_reported(self) -> int:
        return self._count("not_reported")

    @property
    def changed_plans(self) -> list[RowPlan]:
        return [plan for plan in self.plans if plan.action in ("create", "update")]

    def error_summary(self) -> str:
        return f"文件未导入：共{len(self.errors)}处错误，未写入任何数据"

    def summary(self) -> str:
        text = f"共读取{self.rows_read}行：新增{self.created}个，修改{self.updated}个，无变化{self.unchanged}个"
        if self.kind == "weekly":
            text += f"，未填报{self.not_reported}个"
        return text

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "ok": self.ok,
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "week_start": self.week_start.isoformat() if self.week_start else None,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
            "changes": [
                {"row": p.row, "code": p.code, "action": p.action,
                 "fields": [{"column": c.column, "old": c.old, "new": c.new} for c in p.changes]}
                for p in self.changed_plans
            ],
            "stage_differences": [str(d) for d in self.stage_differences],
            "notes": self.notes,
        }


ProgressCallback = Callable[[int, int], None]


# --- reading -------------------------------------------------------------------------------

@dataclass
class SheetRow:
    number: int  # Excel row number
    cells: dict[str, Cell]

    def value(self, column: str):
        cell = self.cells.get(column)
        return cell.value if cell else None

    def number_format(self, column: str) -> str:
        cell = self.cells.get(column)
        return cell.number_format if cell else ""


@dataclass
class Sheet:
    rows: list[SheetRow]
    title_lines: list[str]
    columns: dict[str, int]


def _sheet_read(data: bytes, *, required: list[str], optional: list[str]) -> Sheet:
    raw = read_sheet(data)
    values = [[cell.value for cell in row] for row in raw]
    match = header_find(values, required=required, optional=optional)
    title_lines = [" ".join(str(v) for v in row if not is_blank(v)) for row in values[: match.row_index]]
    rows = []
    for index in range(match.row_index + 1, len(raw)):
        row = raw[index]
        cells = {name: row[pos] if pos < len(row) else Cell(None) for name, pos in match.columns.items()}
        if all(is_blank(cell.value) for cell in row):
            continue
        first = next((c.value for c in row if not is_blank(c.value)), None)
        if isinstance(first, str) and first.strip() in SKIPPED_FIRST_CELLS and is_blank(cells["项目编号"].value):
            continue
        rows.append(SheetRow(number=index + 1, cells=cells))
    return Sheet(rows=rows, title_lines=title_lines, columns=match.columns)


def _read(preview: ImportPreview, data: bytes, required: list[str], optional: list[str]) -> Sheet | None:
    try:
        return _sheet_read(data, required=required, optional=optional)
    except FileRefused as refused:
        preview.errors.append(RowError(0, "", refused.message))
    except CellError as refused:
        preview.errors.append(RowError(0, "", refused.message))
    return None


class _RowReader:
    """Reads one sheet row's cells, collecting every error instead of stopping at the first."""

    def __init__(self, row: SheetRow, errors: list[RowError]):
        self.row = row
        self.errors = errors
        self.failed = False

    def _fail(self, column: str, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.row.number, column, message))

    def get(self, column: str, parse, *, required: bool = False, label: str = ""):
        if column not in self.row.cells:
            return None
        value = self.row.value(column)
        try:
            if parse is parse_percent:
                result = parse_percent(value, self.row.number_format(column))
            else:
                result = parse(value)
        except CellError as error:
            self._fail(column, error.message)
            return None
        if required and (result is None or result == ""):
            self._fail(column, f"{label or column}不能为空")
            return None
        return result


    def check_length(self, column: str, value, model, field_name: str) -> None:
        """Text longer than the column holds is refused here, not by the database mid-write."""
        limit = model._meta.get_field(field_name).max_length
        if isinstance(value, str) and limit and len(value) > limit:
            self._fail(column, f"{column}不能超过{limit}个字（现为{len(value)}个）")


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


# --- stage differences ---------------------------------------------------------------------

def _transition_graph() -> dict[str, list[tuple[str, str]]]:
    graph: dict[str, list[tuple[str, str]]] = {}
    for spec in TRANSITIONS.values():
        method = getattr(Project, spec.method)
        for source, target in method._django_fsm.transitions.items():  # type: ignore[attr-defined]
            graph.setdefault(str(source), []).append((str(target.target), spec.label))
    return graph


def transitions_between(source: str, target: str) -> list[str]:
    """The shortest list of transition labels from one state to another (empty when none)."""
    graph = _transition_graph()
    queue: deque[tuple[str, list[str]]] = deque([(source, [])])
    seen = {source}
    while queue:
        state, path = queue.popleft()
        if state == target:
            return path
        for following, label in graph.get(state, []):
            if following not in seen:
                seen.add(following)
                queue.append((following, [*path, label]))
    return []


def _state_from_label(text: str) -> str | None:
    for value, label in ProjectState.choices:
        if text in (label, value):
            return value
    return None


# --- the master ledger ---------------------------------------------------------------------

def _master_plan(preview: ImportPreview, sheet: Sheet, acting_user, *, lock: bool) -> None:
    units = NameIndex(AdministrativeUnit.objects.all(), label="县(市、区)")
    departments = NameIndex(Department.objects.all(), label="牵头部门")
    domains = NameIndex(Domain.objects.all(), label="领域")
    codes = [parse_text(row.value("项目编号")) if _safe_text(row.value("项目编号")) else "" for row in sheet.rows]
    existing_qs = Project.objects.filter(code__in=[c for c in codes if c]).select_related(
        "unit", "lead_department", "domain"
    )
    if lock:
        existing_qs = existing_qs.select_for_update()
    existing = {p.code: p for p in existing_qs}
    staff = acting_user is None or permissions.is_office_staff(acting_user)
    clerk_scope = None
    if acting_user is not None and permissions.role_of(acting_user) == "clerk":
        profile = acting_user.staff_profile
        clerk_scope = (set(profile.assigned_domains.values_list("id", flat=True)),
                       set(profile.assigned_units.values_list("id", flat=True)))
    used_numbers = set(Project.objects.values_list("map_number", flat=True))
    next_number = (Project.objects.aggregate(top=Max("map_number"))["top"] or 0) + 1
    seen_codes: dict[str, int] = {}
    creates: list[RowPlan] = []

    for row in sheet.rows:
        preview.rows_read += 1
        read = _RowReader(row, preview.errors)
        code = read.get("项目编号", parse_text, required=True)
        if code and code in seen_codes:
            read._fail("项目编号", f"项目编号“{code}”与第{seen_codes[code]}行重复")
        elif code:
            seen_codes[code] = row.number
        values = {
            "name": read.get("项目名称", parse_text, required=True),
            "owner_name": read.get("项目单位", parse_text, required=True),
            "content_scale": read.get("建设内容及规模", parse_text) or "",
            "total_investment": read.get("总投资(万元)", parse_amount, required=True),
            "planned_start": read.get("计划开工日期", parse_date, required=True),
            "planned_completion": read.get("计划完工日期", parse_date, required=True),
            "remarks": read.get("备注", parse_text) or "",
        }
        for column, index, key in (("县(市、区)", units, "unit"), ("牵头部门", departments, "lead_department"),
                                   ("领域", domains, "domain")):
            try:
                values[key] = index.get(row.value(column))
            except CellError as error:
                read._fail(column, error.message)
        if values["planned_start"] and values["planned_completion"] and values["planned_completion"] < values["planned_start"]:
            read._fail("计划完工日期", "计划完工日期早于计划开工日期")
        figures = {name: read.get(column, parse_percent if name == "progress_percent" else parse_amount)
                   for column, name in MASTER_FIGURES.items()}
        stage_text = read.get("当前阶段", parse_text)
        sheet_state = None
        if stage_text:
            sheet_state = _state_from_label(stage_text)
            if sheet_state is None:
                read._fail("当前阶段", f"未知的阶段“{stage_text}”，应为：{'、'.join(ProjectState.labels)}")
        number_text = row.value("序号")
        if read.failed or not code:
            continue

        project = existing.get(code)
        if project is None:
            if not staff:
                read._fail("项目编号", "只有专班办人员可以新增项目")
                continue
            number = None
            if isinstance(number_text, (int, float)) and float(number_text).is_integer():
                number = int(number_text)
            elif isinstance(number_text, str) and number_text.strip().isdigit():
                number = int(number_text.strip())
            if number is None or number in used_numbers:
                number = next_number
                while number in used_numbers:
                    number += 1
            used_numbers.add(number)
            next_number = max(next_number, number + 1)
            new = Project(code=code, map_number=number, target_year=values["planned_completion"].year, **values)
            try:
                # Field checks only (lengths, digits, blanks): the related rows were just looked up
                # and the money/progress constraints already checked by the parsers, and the
                # per-row queries of a full_clean() would cost ~25 s on a 10,000-row ledger.
                new.clean_fields(exclude=["state", "effect_evidence", "unit", "lead_department", "domain", "basin"])
            except ValidationError as invalid:
                for field_name, messages in invalid.message_dict.items():
                    column = next((c for c, f in MASTER_FIELDS.items() if f == field_name), "")
                    for message in messages:
                        read._fail(column, message)
                continue
            plan = RowPlan(row.number, code, values["name"], "create", values=values, project=new)
            plan.changes = [FieldChange(column, "", _show(values[name])) for column, name in MASTER_FIELDS.items()
                            if column in sheet.columns]
            creates.append(plan)
            preview.plans.append(plan)
            if sheet_state and sheet_state != ProjectState.PREPARATION:
                preview.stage_differences.append(StageDifference(
                    row.number, code, values["name"], ProjectState.PREPARATION, sheet_state,
                    transitions_between(ProjectState.PREPARATION, sheet_state)))
            if any(figures.values()):
                preview.notes.append(f"第{row.number}行 {code}：新项目的形象进度、投资和资金到位请通过周调度填报")
            continue

        changes = []
        for column, name in MASTER_FIELDS.items():
            if column not in sheet.columns:
                values.pop(name, None)
                continue
            read.check_length(column, values[name], Project, name)
            old = getattr(project, name)
            if old != values[name]:
                changes.append(FieldChange(column, _show(old), _show(values[name])))
        if read.failed:
            continue
        # Same rule as permissions.can_edit_project, with the clerk's scope read once for the
        # whole sheet; an unchanged row of someone else's project is no edit and passes.
        if changes and acting_user is not None:
            allowed = staff and (
                clerk_scope is None
                or ((not clerk_scope[0] or project.domain_id in clerk_scope[0])
                    and (not clerk_scope[1] or project.unit_id in clerk_scope[1]))
            )
            if not allowed:
                read._fail("项目编号", f"您没有修改项目“{code}”的权限（分管范围以外）")
                continue
        plan = RowPlan(row.number, code, values["name"], "update" if changes else "unchanged",
                       changes=changes, values=values, project=project)
        preview.plans.append(plan)
        if sheet_state and sheet_state != project.state:
            preview.stage_differences.append(StageDifference(
                row.number, code, project.name, project.state, sheet_state,
                transitions_between(project.state, sheet_state)))
        differing = [column for column, name in MASTER_FIGURES.items()
                     if figures[name] is not None and figures[name] != getattr(project, name)]
        if differing:
            preview.notes.append(
                f"第{row.number}行 {code}：{'、'.join(differing)}与周调度数据不一致，总台账导入不修改这些数据，请以周调度填报为准"
            )


def _safe_text(value) -> bool:
    try:
        parse_text(value)
    except CellError:
        return False
    return True


def _master_write(preview: ImportPreview, acting_user, progress: ProgressCallback | None) -> list[AuditEvent]:
    now = timezone.now()
    actor = acting_user if acting_user is not None and acting_user.pk else None
    actor_name = actor_display_name(acting_user)
    creates = [plan for plan in preview.plans if plan.action == "create"]
    updates = [plan for plan in preview.plans if plan.action == "update"]
    total = len(creates) + len(updates)
    for start in range(0, len(creates), WRITE_BATCH):
        Project.objects.bulk_create([plan.project for plan in creates[start:start + WRITE_BATCH]])
        if progress:
            progress(min(start + WRITE_BATCH, len(creates)), total)
    created = {p.code: p for p in Project.objects.filter(code__in=[plan.code for plan in creates])}
    events = []
    for plan in creates:
        project = created[plan.code]
        plan.project = project
        events.append(AuditEvent(
            action=AuditAction.PROJECT_CREATE, occurred_at=now, actor=actor, actor_name=actor_name,
            project=project, unit_id=project.unit_id, object_type="project", object_id=str(project.pk),
            data={"code": project.code, "name": project.name, "source": "ledger_import"},
        ))
    changed_fields: set[str] = {"version", "updated_at"}
    for plan in updates:
        project = plan.project
        for name, value in plan.values.items():
            if getattr(project, name) != value:
                changed_fields.add(name)
                setattr(project, name, value)
        project.version += 1
        project.updated_at = now
        events.append(AuditEvent(
            action=AuditAction.PROJECT_EDIT, occurred_at=now, actor=actor, actor_name=actor_name,
            project=project, unit_id=project.unit_id, object_type="project", object_id=str(project.pk),
            data={"changes": {c.column: [c.old, c.new] for c in plan.changes}, "source": "ledger_import"},
        ))
    for start in range(0, len(updates), WRITE_BATCH):
        Project.objects.bulk_update([plan.project for plan in updates[start:start + WRITE_BATCH]],
                                    sorted(changed_fields))
        if progress:
            progress(len(creates) + min(start + WRITE_BATCH, len(updates)), total)
    return events


# --- the weekly sheet ----------------------------------------------------------------------

_WEEK_IN_TITLE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*至")


def _week_from_title(lines: list[str]) -> dt.date | None:
    for line in lines:
        match = _WEEK_IN_TITLE.search(line)
        if match:
            try:
                return monday_of(dt.date(*map(int, match.groups())))
            except ValueError:
                return None
    return None


def _weekly_plan(preview: ImportPreview, sheet: Sheet, acting_user, *, week: dt.date, lock: bool) -> None:
    codes = [parse_text(row.value("项目编号")) if _safe_text(row.value("项目编号")) else "" for row in sheet.rows]
    projects_qs = Project.objects.filter(code__in=[c for c in codes if c]).select_related("unit")
    if lock:
        projects_qs = projects_qs.select_for_update()
    projects = {p.code: p for p in projects_qs}
    ids = [p.pk for p in projects.values()]
    this_week = {r.project_id: r for r in WeeklyReport.objects.filter(project_id__in=ids, week_start=week)}
    previous: dict[int, Decimal] = {}
    for project_id, progress in (
        WeeklyReport.objects.filter(project_id__in=ids, week_start__lt=week)
        .order_by("project_id", "week_start")
        .values_list("project_id", "progress_percent")
    ):
        previous[project_id] = progress  # ordered: the last one kept is the latest before the week
    later = set(WeeklyReport.objects.filter(project_id__in=ids, week_start__gt=week).values_list("project_id", flat=True))
    role = permissions.role_of(acting_user) if acting_user is not None else None
    seen_codes: dict[str, int] = {}
    text_fields = {"手续办理进展": "procedure_note", "存在问题": "problem_note", "填报人": "reporter_name",
                   "联系电话": "reporter_phone", "进度回调说明": "decrease_note"}
    figure_fields = {"本周形象进度(%)": "progress_percent", "累计完成投资(万元)": "completed_investment",
                     "资金到位(万元)": "funds_in_place"}

    for row in sheet.rows:
        preview.rows_read += 1
        read = _RowReader(row, preview.errors)
        code = read.get("项目编号", parse_text, required=True)
        if not code:
            continue
        if code in seen_codes:
            read._fail("项目编号", f"项目编号“{code}”与第{seen_codes[code]}行重复")
            continue
        seen_codes[code] = row.number
        project = projects.get(code)
        if project is None:
            read._fail("项目编号", f"未知的项目编号“{code}”")
            continue
        figures = {
            name: read.get(column, parse_percent if name == "progress_percent" else parse_amount)
            for column, name in figure_fields.items()
        }
        report = this_week.get(project.pk)
        texts = {}
        for column, name in text_fields.items():
            if column in sheet.columns:
                texts[name] = read.get(column, parse_text) or ""
            else:  # a sheet without the column leaves what was reported before
                texts[name] = getattr(report, name) if report is not None else ""
        if read.failed:
            continue
        if all(value is None for value in figures.values()):
            preview.plans.append(RowPlan(row.number, code, project.name, "not_reported", project=project))
            continue
        for column, name in figure_fields.items():
            if figures[name] is None:
                read._fail(column, f"{column}不能为空（本行其他数据已填写）")
        for column, name in text_fields.items():
            read.check_length(column, texts[name], WeeklyReport, name)
        if read.failed:
            continue
        if acting_user is not None and not permissions.can_report_progress(acting_user, project):
            scope = "本单位" if role == "county_liaison" else "您负责"
            read._fail("项目编号", f"项目“{code}”不属于{scope}的项目，无权填报")
            continue
        last = previous.get(project.pk)
        if last is not None and figures["progress_percent"] < last and not texts["decrease_note"]:
            read._fail(
                "本周形象进度(%)",
                f"本周形象进度（{figures['progress_percent']}%）低于上周（{last}%），请在“进度回调说明”列填写原因",
            )
            continue
        values = {**figures, **texts}
        if not values["reporter_name"]:
            values["reporter_name"] = report.reporter_name if report is not None else actor_display_name(acting_user)
        plan = RowPlan(row.number, code, project.name, "create", values=values, project=project, report=report)
        plan.values["_is_latest"] = project.pk not in later
        labels = {**{v: k for k, v in figure_fields.items()}, **{v: k for k, v in text_fields.items()}}
        if report is None:
            plan.changes = [FieldChange(labels[n], "", _show(v)) for n, v in values.items()
                            if n in labels and v not in ("", None)]
        else:
            plan.changes = [
                FieldChange(labels[n], _show(getattr(report, n)), _show(v)) for n, v in values.items()
                if n in labels and getattr(report, n) != v
            ]
            plan.action = "update" if plan.changes else "unchanged"
        preview.plans.append(plan)


def _weekly_write(preview: ImportPreview, acting_user, progress: ProgressCallback | None) -> list[AuditEvent]:
    now = timezone.now()
    week = preview.week_start
    actor = acting_user if acting_user is not None and acting_user.pk else None
    actor_name = actor_display_name(acting_user)
    writes = preview.changed_plans
    fields = ["progress_percent", "completed_investment", "funds_in_place", "procedure_note", "problem_note",
              "decrease_note", "reporter_name", "reporter_phone"]
    new_reports, changed_reports, latest_projects = [], [], []
    for plan in writes:
        values = {name: plan.values[name] for name in fields}
        if plan.report is None:
            plan.report = WeeklyReport(project=plan.project, week_start=week, reported_by=actor, reported_at=now,
                                       **values)
            new_reports.append(plan.report)
        else:
            for name, value in values.items():
                setattr(plan.report, name, value)
            plan.report.reported_by = actor
            plan.report.reported_at = now
            plan.report.updated_at = now
            changed_reports.append(plan.report)
        if plan.values["_is_latest"]:
            project = plan.project
            project.progress_percent = values["progress_percent"]
            project.completed_investment = values["completed_investment"]
            project.funds_in_place = values["funds_in_place"]
            project.version += 1
            project.updated_at = now
            latest_projects.append(project)
    WeeklyReport.objects.bulk_create(new_reports, batch_size=500)
    if changed_reports:
        WeeklyReport.objects.bulk_update(changed_reports, [*fields, "reported_by", "reported_at", "updated_at"],
                                         batch_size=500)
    if latest_projects:
        Project.objects.bulk_update(
            latest_projects, ["progress_percent", "completed_investment", "funds_in_place", "version", "updated_at"],
            batch_size=500,
        )
    ids = {r.project_id: r.pk for r in WeeklyReport.objects.filter(
        week_start=week, project_id__in=[plan.project.pk for plan in writes])}
    events = []
    for plan in writes:
        values = plan.values
        events.append(AuditEvent(
            action=AuditAction.WEEKLY_REPORT, occurred_at=now, effective_on=week, actor=actor, actor_name=actor_name,
            project=plan.project, unit_id=plan.project.unit_id, object_type="weekly_report",
            object_id=str(ids.get(plan.project.pk, "")), reason=values["decrease_note"],
            data={"week_start": week.isoformat(), "progress_percent": str(values["progress_percent"]),
                  "completed_investment": str(values["completed_investment"]),
                  "funds_in_place": str(values["funds_in_place"]), "created": plan.action == "create",
                  "source": "ledger_import"},
        ))
    if progress:
        progress(len(writes), len(writes))
    return events


# --- the services --------------------------------------------------------------------------

ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".csv")


def _plan(*, kind: str, data: bytes, acting_user, week: dt.date | None, lock: bool, file_name: str = "") -> ImportPreview:
    if kind not in IMPORT_KINDS:
        raise ValueError(f"未知的导入类型“{kind}”，应为master或weekly")
    preview = ImportPreview(kind=kind)
    if file_name and not file_name.lower().endswith(ACCEPTED_SUFFIXES):
        # The content decides what the file is (tracker.ledger_parsing.sniff_format); a name
        # such as 台账.pdf or 台账.docx is refused too, so that nobody imports the wrong file.
        preview.errors.append(RowError(0, "", f"文件“{file_name}”不是xlsx、xls或csv格式，请上传Excel或csv台账"))
        return preview
    if acting_user is not None:
        allowed = permissions.is_office_staff(acting_user) if kind == "master" else (
            permissions.is_office_staff(acting_user)
            or permissions.role_of(acting_user) in ("county_liaison", "department_liaison")
        )
        permissions.require(allowed, "您没有导入该台账的权限")
    if kind == "master":
        sheet = _read(preview, data, MASTER_REQUIRED, MASTER_OPTIONAL)
        if sheet is not None:
            _master_plan(preview, sheet, acting_user, lock=lock)
    else:
        sheet = _read(preview, data, WEEKLY_REQUIRED, WEEKLY_OPTIONAL)
        if sheet is not None:
            preview.week_start = monday_of(week) if week else (
                _week_from_title(sheet.title_lines) or monday_of(timezone.localdate())
            )
            _weekly_plan(preview, sheet, acting_user, week=preview.week_start, lock=lock)
    if sheet is not None and preview.rows_read == 0 and not preview.errors:
        preview.errors.append(RowError(0, "", "表头下没有数据行"))
    preview.errors.sort(key=lambda e: (e.row, e.column))
    return preview


def ledger_import_preview(
    *, kind: str, data: bytes, acting_user, week: dt.date | None = None, file_name: str = ""
) -> ImportPreview:
    """Read a master ledger or a weekly sheet and say what importing it would do. Writes nothing."""
    return _plan(kind=kind, data=data, acting_user=acting_user, week=week, lock=False, file_name=file_name)


def ledger_import_confirm(
    *,
    kind: str,
    data: bytes,
    acting_user,
    file_name: str = "",
    week: dt.date | None = None,
    progress: ProgressCallback | None = None,
) -> ImportPreview:
    """Import the file: every row in one transaction, or nothing (LedgerImportRefused lists why).

    The file is read again here, with the affected projects locked, so that what is written is
    checked against the data as it is now, not as it was at preview time.
    """
    with transaction.atomic():
        preview = _plan(kind=kind, data=data, acting_user=acting_user, week=week, lock=True, file_name=file_name)
        if not preview.ok:
            raise LedgerImportRefused(preview)
        if progress:
            progress(0, len(preview.changed_plans))
        if kind == "master":
            events = _master_write(preview, acting_user, progress)
        else:
            events = _weekly_write(preview, acting_user, progress)
        now = timezone.now()
        units = {plan.project.unit_id for plan in preview.plans if plan.project is not None}
        events.append(AuditEvent(
            action=AuditAction.LEDGER_IMPORT, occurred_at=now,
            effective_on=preview.week_start or timezone.localdate(),
            actor=acting_user if acting_user is not None and acting_user.pk else None,
            actor_name=actor_display_name(acting_user),
            unit_id=units.pop() if len(units) == 1 else None,
            object_type="ledger", object_id=kind,
            reason=preview.summary(),
            data={"kind": kind, "file_name": file_name, "rows_read": preview.rows_read,
                  "created": preview.created, "updated": preview.updated, "unchanged": preview.unchanged,
                  "week_start": preview.week_start.isoformat() if preview.week_start else None,
                  "stage_differences": [str(d) for d in preview.stage_differences]},
        ))
        AuditEvent.objects.bulk_create(events, batch_size=500)
        # Bulk writes send no signals: announce the change to the dashboard's cache ourselves.
        portfolio_version_bump()
    return preview


def week_label(week: dt.date) -> str:
    return f"{cn_date(week)}至{cn_date(week + dt.timedelta(days=6))}"
