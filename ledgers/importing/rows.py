"""What an import reads and shows before it writes: the sheet, its rows, the changes and errors found."""
from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from ledgers.exporting import MASTER_HEADERS, state_label
from ledgers.parsing import (
    Cell,
    CellError,
    FileRefused,
    header_find,
    is_blank,
    parse_percent,
    read_sheet,
)
from tracker.choices import ProjectState
from tracker.models import Project, WeeklyReport
from tracker.services import TRANSITIONS

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

MASTER_FIGURES = {"形象进度(%)": "progress_percent", "累计完成投资(万元)": "completed_investment",
                  "资金到位(万元)": "funds_in_place"}

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
class RowChange:
    row: int
    code: str
    name: str
    action: str  # "create" | "update" | "unchanged" | "not_reported"
    changes: list[FieldChange] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    project: Project | None = None
    report: WeeklyReport | None = None
    # Why this row may undo someone's later edit ("文件导出后该项目已被修改…"), else "".
    stale: str = ""


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
    row_changes: list[RowChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    stage_differences: list[StageDifference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    week_start: dt.date | None = None
    # When the file was exported (from its title rows), if it says so.
    exported_at: dt.datetime | None = None

    @property
    def stale_rows(self) -> list[RowChange]:
        """Changed rows of projects edited after the file was exported: importing them would
        silently revert the newer edit, so they need the importer's explicit confirmation."""
        return [row_change for row_change in self.row_changes if row_change.stale]

    @property
    def ok(self) -> bool:
        return not self.errors

    def _count(self, action: str) -> int:
        return sum(1 for row_change in self.row_changes if row_change.action == action)

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
    def changed_rows(self) -> list[RowChange]:
        return [row_change for row_change in self.row_changes if row_change.action in ("create", "update")]

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
                for p in self.changed_rows
            ],
            "stage_differences": [str(d) for d in self.stage_differences],
            "notes": self.notes,
        }


ProgressCallback = Callable[[int, int], None]


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
