"""What clerks type into a ledger cell, turned into typed values — or a Chinese reason why not.

The office and the counties live in Excel (DOMAIN: Ledgers and maps); the sheets that come
back are typed by hand. This module accepts the forms real clerks use and rejects the rest
with a message that says what is wrong. It knows nothing about projects: the import service
adds the row number and the column to every message.

Rules, decided here once:
- Dates: `2025-03-01`, `2025/3/1`, `2025.3.1`, `2025年3月1日`, `20250301`; `2025年3月` and
  `2025-03` mean the first of that month; Excel date cells (datetime/date) and Excel serial
  numbers (days since 1899-12-30, the 1900 date system) are accepted.
- Amounts are 万元 with two places (rounded half up): thousands separators, full-width digits,
  a trailing `万元`/`万` are accepted; `亿元` is multiplied by 10,000; a bare `元` is refused
  (the sheet is in 万元). Blank, `-`, `—`, `/`, `无` mean "unknown" (None). Negative is refused.
- Percentages: a cell formatted as a percentage in Excel holds a fraction (0.85 shows as 85%),
  so it is multiplied by 100; text ending in `%` is the number before it; otherwise a number
  written with a decimal point and no greater than 1 (text `0.85` or `1.0`, a numeric cell
  0.85) is a fraction, and any other number is percentage points (`85`, `85.5`, `1` = 1%). Our
  own exports write a percentage-formatted fraction (xlsx) or text with `%` (csv), so they never
  fall under the ambiguous third rule. Above 100 or below 0 is refused.
- Names (units, departments, domains) match with or without their suffix (`尧都` / `尧都区`),
  ignoring spaces and full-/half-width differences (Unicode NFKC).
- Excel error cells (`#REF!`, `#DIV/0!` …) are refused wherever they appear.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.spreadsheet_cells import cell_text_unescaped

EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!"})
UNKNOWN_MARKS = frozenset({"", "-", "--", "—", "——", "/", "无", "暂无", "不详"})
TWO_PLACES = Decimal("0.01")
# The largest amount a ledger cell may hold: the database keeps 万元 in 14 digits, 2 places
# (about 10^16 元, far beyond any project); anything larger is a typing error.
MAX_AMOUNT = Decimal("999999999999.99")
HUNDRED = Decimal("100")
# Excel's serial day 1 is 1900-01-01, but it counts a 29 Feb 1900 that never was: from
# 1900-03-01 on, serial n is 1899-12-30 + n days. Ledgers hold nothing before 2000.
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (36526, 73051)  # 2000-01-01 … 2099-12-31
LEDGER_YEARS = (2000, 2099)  # any date typed outside them is a typing error (0025-03-01, 2205-03-01)


class CellError(ValueError):
    """A cell that cannot be read; `message` is the Chinese reason (without row or column)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Cell:
    """A cell's value as stored and its Excel number format ('' for csv)."""

    value: object
    number_format: str = ""


def normalize_text(value: object) -> str:
    """NFKC (full-width → half-width), no surrounding spaces, inner runs of spaces kept as one."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\u3000", " ")
    return re.sub(r"\s+", " ", text).strip()


def name_key(value: object) -> str:
    """A name reduced for matching: NFKC, no spaces at all."""
    return re.sub(r"\s+", "", normalize_text(value))


def reject_excel_error(value: object) -> None:
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise CellError(f"单元格为Excel错误值“{value.strip()}”，请检查公式或引用")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and normalize_text(value) == "")


def parse_text(value: object) -> str:
    """A free-text cell: as typed, without surrounding spaces; numbers as they display."""
    reject_excel_error(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # A ledger this system exported quoted text that could start a formula: read it as typed.
    return cell_text_unescaped(str(value).strip())


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:份)?$"),
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"),
]


def _date_or_error(year: str, month: str, day: str, raw: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(f"“{raw}”不是有效日期") from None


def parse_date(value: object) -> dt.date | None:
    """A date cell in any of the accepted forms, within 2000–2099; blank → None."""
    day = _parse_date(value)
    if day is not None and not (LEDGER_YEARS[0] <= day.year <= LEDGER_YEARS[1]):
        raise CellError(f"日期“{day.isoformat()}”超出合理范围（应在{LEDGER_YEARS[0]}年至{LEDGER_YEARS[1]}年之间）")
    return day


def _parse_date(value: object) -> dt.date | None:
    reject_excel_error(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是日期")
    if isinstance(value, (int, float, Decimal)):
        try:
            serial = float(value)
        except (OverflowError, ValueError):  # a 400-digit number, a signalling NaN
            raise CellError(f"“{value}”不是日期（应如2025-03-01或2025年3月1日）") from None
        if serial.is_integer() and SERIAL_RANGE[0] <= serial <= SERIAL_RANGE[1]:
            return EXCEL_EPOCH + dt.timedelta(days=int(serial))
        if float(value).is_integer() and 19000101 <= serial <= 20991231:
            value = str(int(serial))
        else:
            raise CellError(f"“{value}”不是日期（应如2025-03-01或2025年3月1日）")
    text = normalize_text(value)
    if text in UNKNOWN_MARKS:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = match.groups()
            return _date_or_error(year, month, day, raw=text)
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            return _date_or_error(match.group(1), match.group(2), "1", raw=text)
    raise CellError(f"“{text}”不是可识别的日期（应如2025-03-01、2025/3/1、2025年3月1日或2025年3月）")


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _number(text: str, raw: str, what: str) -> Decimal:
    if not _NUMBER.match(text):
        raise CellError(f"“{raw}”不是有效的{what}")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{raw}”不是有效的{what}") from None


def parse_amount(value: object) -> Decimal | None:
    """An amount in 万元 (two places); blank or a dash → None (unknown)."""
    reject_excel_error(value)
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是金额")
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(str(value))
        raw = str(value)
    else:
        raw = normalize_text(value)
        if raw in UNKNOWN_MARKS:
            return None
        text = raw.replace(",", "").replace(" ", "").replace("¥", "").replace("￥", "")
        factor = Decimal(1)
        if text.endswith("亿元") or text.endswith("亿"):
            text, factor = text.rstrip("元").removesuffix("亿"), Decimal(10000)
        elif text.endswith("万元") or text.endswith("万"):
            text = text.rstrip("元").removesuffix("万")
        elif text.endswith("元"):
            raise CellError(f"“{raw}”的单位是元，台账金额应以万元填写")
        amount = _number(text, raw, "金额") * factor
    if not amount.is_finite():
        raise CellError(f"“{raw}”不是有效的金额")
    if amount < 0:
        raise CellError(f"金额不能为负数（填写值：{raw}）")
    if amount >= MAX_AMOUNT + Decimal("0.005"):
        raise CellError(f"金额过大（填写值：{raw}），台账金额以万元填写，不能超过{MAX_AMOUNT}万元")
    return amount.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def parse_percent(value: object, number_format: str = "") -> Decimal | None:
    """A percentage 0–100 (two places) by the rules in the module docstring; blank → None."""
    reject_excel_error(value)
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是百分比")
    if isinstance(value, (int, float, Decimal)):
        raw = str(value)
        number = Decimal(raw)
        if not number.is_finite():
            raise CellError(f"“{raw}”不是有效的百分比")
        if "%" in (number_format or ""):
            number *= HUNDRED
        elif isinstance(value, float) and not value.is_integer() and 0 < number <= 1:
            number *= HUNDRED
    else:
        raw = normalize_text(value)
        if raw in UNKNOWN_MARKS:
            return None
        text = raw.replace(" ", "")
        if text.endswith("%"):
            number = _number(text[:-1], raw, "百分比")
        else:
            number = _number(text, raw, "百分比")
            if "." in text and 0 < number <= 1:
                number *= HUNDRED
    if not number.is_finite():
        raise CellError(f"“{raw}”不是有效的百分比")
    if number < 0:
        raise CellError(f"百分比不能为负数（填写值：{raw}）")
    if number > HUNDRED:
        raise CellError(f"百分比不能超过100%（填写值：{raw}）")
    return number.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


_NAME_SUFFIXES = ("区", "市", "县")


class NameIndex:
    """Finds a row (unit, department, domain) by name, short name, or name without its suffix."""

    def __init__(self, rows: Iterable, *, label: str, names: Sequence[str] = ("name", "short_name")):
        self.label = label
        self._by_key: dict[str, object] = {}
        self._ambiguous: set[str] = set()
        for row in rows:
            keys = set()
            for attribute in names:
                key = name_key(getattr(row, attribute, ""))
                if not key:
                    continue
                keys.add(key)
                for suffix in _NAME_SUFFIXES:
                    if key.endswith(suffix) and len(key) > len(suffix) + 1:
                        keys.add(key[: -len(suffix)])
                        break
            for key in keys:
                if key in self._by_key and self._by_key[key] is not row:
                    self._ambiguous.add(key)
                self._by_key[key] = row

    def get(self, value: object):
        key = name_key(value)
        if not key:
            raise CellError(f"{self.label}不能为空")
        if key in self._ambiguous:
            raise CellError(f"{self.label}“{normalize_text(value)}”有多个可能，请填写全称")
        row = self._by_key.get(key)
        if row is None:
            raise CellError(f"未知的{self.label}“{normalize_text(value)}”")
        return row


def header_key(value: object) -> str:
    """A header cell reduced for matching: NFKC, no spaces or line breaks (so `总投资\n(万元)` matches)."""
    return name_key(value)


@dataclass(frozen=True)
class HeaderMatch:
    row_index: int  # 0-based index into the rows given
    columns: dict[str, int]  # column name → 0-based column index


def header_find(
    rows: Sequence[Sequence[object]], *, required: Sequence[str], optional: Sequence[str] = (),
    search_rows: int = 10
) -> HeaderMatch:
    """The header row: the first of the top rows holding every required column.

    Title rows above it (one or two, merged across the sheet) are skipped. When no row holds
    them all, the message names the missing columns of the row that came closest.
    """
    wanted = {header_key(name): name for name in [*required, *optional]}
    best: tuple[int, set[str]] | None = None
    for index, row in enumerate(rows[:search_rows]):
        found: dict[str, int] = {}
        for position, value in enumerate(row):
            key = header_key(value)
            if key in wanted and wanted[key] not in found:
                found[wanted[key]] = position
        missing = [name for name in required if name not in found]
        if not missing:
            return HeaderMatch(row_index=index, columns=found)
        if found and (best is None or len(found) > len(best[1])):
            best = (index, set(found))
    if best is None:
        raise CellError(f"前{search_rows}行中找不到表头行（应包含：{'、'.join(required)}）")
    index, found_names = best
    missing = [name for name in required if name not in found_names]
    raise CellError(f"第{index + 1}行表头缺少必填列：{'、'.join(missing)}")


# --- reading a whole file -------------------------------------------------------------------

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A workbook is a zip: what it unpacks to is checked from the zip's directory before anything is
# decompressed, so that a zip bomb named .xlsx is refused at once. A real ledger of 10 MB unpacks
# to well under 100 MB (sheet XML compresses about 5–20 times).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# The largest ledger is the master (95 projects; a few thousand rows at most); whatever the
# file's declared dimension, no more rows are read than this, and no columns beyond these.
MAX_ROWS = 20_000
MAX_COLUMNS = 100
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileRefused(ValueError):
    """The file as a whole cannot be read (type, size, encoding); `message` is in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refuse_zip_bomb(archive) -> None:
    """Refuse a workbook whose members declare more than MAX_UNPACKED_BYTES, or compress more
    than MAX_COMPRESSION_RATIO times. Python's zipfile never inflates a member past its declared
    size (it fails the CRC instead), so the declared sizes bound what reading it can cost."""
    members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_COMPRESSION_RATIO * max(packed, 1) + 1024 * 1024:
        raise FileRefused(
            f"Excel文件解压后达{unpacked / 1024 / 1024:.0f}MB（压缩比异常），疑似压缩炸弹，已拒绝；"
            "请用Excel打开后重新保存，或拆分后上传"
        )


def _too_many_rows() -> FileRefused:
    return FileRefused(f"表格超过{MAX_ROWS}行，请拆分后上传")


def sniff_format(data: bytes) -> str:
    """'xlsx', 'xls' or 'csv' judged by the content, whatever the file is called."""
    if data.startswith(XLSX_MAGIC):
        import zipfile
        from io import BytesIO

        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                names = archive.namelist()
                if "xl/workbook.xml" in names:
                    _refuse_zip_bomb(archive)
                    if any(name.lower().endswith("vbaproject.bin") for name in names):
                        raise FileRefused("工作簿含有宏（VBA），为安全起见不予导入，请另存为不含宏的xlsx后上传")
                    return "xlsx"
        except zipfile.BadZipFile:
            pass
        raise FileRefused("文件不是Excel工作簿（是其他压缩文件），请上传xlsx、xls或csv格式的台账")
    if data.startswith(XLS_MAGIC):
        return "xls"
    if b"\x00" in data[:4096]:
        raise FileRefused("文件不是xlsx、xls或csv格式的表格，请用Excel另存后上传")
    return "csv"


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused("csv文件编码无法识别，请以UTF-8或GBK编码保存")


def read_sheet(data: bytes) -> list[list[Cell]]:
    """The first worksheet's rows as Cells (formulas by their last computed values).

    Refuses files over 10 MB and files whose content is not xlsx, xls or csv.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileRefused(f"文件大小为{len(data) / 1024 / 1024:.1f}MB，超过10MB上限，请拆分后上传")
    if not data:
        raise FileRefused("文件为空")
    kind = sniff_format(data)
    from io import BytesIO

    if kind == "xlsx":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types for a damaged file
            raise FileRefused("Excel文件已损坏或无法读取，请用Excel打开后重新保存") from None
        rows: list[list[Cell]] = []
        try:
            sheet = workbook.worksheets[0]
            # read-only: the sheet XML is parsed while iterating, so a damaged sheet fails here
            for row in sheet.iter_rows(max_col=MAX_COLUMNS):
                if len(rows) >= MAX_ROWS:
                    raise _too_many_rows()
                if all(cell.value is None for cell in row):
                    rows.append([])  # a blank row (often padding up to a declared dimension)
                    continue
                rows.append([Cell(cell.value, getattr(cell, "number_format", "") or "") for cell in row])
        except FileRefused:
            raise
        except Exception:  # openpyxl raises many types for a damaged sheet
            raise FileRefused("Excel文件已损坏或无法读取，请用Excel打开后重新保存") from None
        finally:
            workbook.close()
        return rows
    if kind == "xls":
        import xlrd

        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=False)
        except Exception:
            raise FileRefused("xls文件已损坏或无法读取，请用Excel打开后另存为xlsx") from None
        sheet = book.sheet_by_index(0)
        if sheet.nrows > MAX_ROWS:
            raise _too_many_rows()
        rows = []
        for r in range(sheet.nrows):
            row = []
            for c in range(min(sheet.ncols, MAX_COLUMNS)):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    value = xlrd.error_text_from_code.get(cell.value, "#VALUE!")
                elif cell.ctype == xlrd.XL_CELL_EMPTY or cell.ctype == xlrd.XL_CELL_BLANK:
                    value = None
                else:
                    value = cell.value
                row.append(Cell(value))
            rows.append(row)
        return rows
    import csv
    from io import StringIO

    text = _decode_csv(data)
    rows = []
    try:
        for row in csv.reader(StringIO(text, newline="")):
            if len(rows) >= MAX_ROWS:
                raise _too_many_rows()
            rows.append([Cell(value if value != "" else None) for value in row[:MAX_COLUMNS]])
    except csv.Error:
        raise FileRefused("csv文件格式有误（引号不配对或单元格过长），请用Excel打开后重新保存") from None
    return rows
