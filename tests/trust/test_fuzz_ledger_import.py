"""Hostile and broken ledgers: every input either imports correctly or is refused with a
Chinese message; nothing partial is written; no crash, no hang (bounded time and memory).

- the cell parsers, over the messy forms clerks type (property: the right value, or a Chinese
  CellError) and over arbitrary hostile values (property: a value of the right type or a
  Chinese CellError — never another exception);
- whole weekly sheets (xlsx and csv) of messy and hostile cells, imported by a county liaison;
- random bytes, bytes behind the xlsx/xls magic numbers, huge sheets, a declared dimension of a
  million rows, formulas, a macro-enabled workbook, and a zip bomb named .xlsx.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import tracemalloc
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import transaction
from hypothesis import assume, given
from hypothesis import strategies as st

from ledgers.exporting import WEEKLY_HEADERS
from ledgers.importing import LedgerImportRefused, ledger_import_confirm
from ledgers.parsing import (
    MAX_ROWS,
    CellError,
    FileRefused,
    NameIndex,
    parse_amount,
    parse_date,
    parse_percent,
    parse_text,
    read_sheet,
)
from tests.ledgers.sheets import with_cached_formula, xlsx_bytes
from tests.trust.fuzzing import FUZZ, hostile_date_text, hostile_number_text, hostile_text, is_chinese
from tracker.models import AuditEvent, Project, WeeklyReport
from tracker.reference_data import UNITS

WEEK = dt.date(2025, 10, 6)
# A day on which WEEK is still open to the counties (closed after 2025-10-14).
WEEK_OPEN = time_machine.travel(dt.datetime(2025, 10, 9, 10, 0), tick=False)
FULL_WIDTH = str.maketrans("0123456789.-,%", "０１２３４５６７８９．－，％")
EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_AMOUNT = Decimal("999999999999.99")  # WeeklyReport: 14 digits, 2 places
REMARKS_MAX = Project._meta.get_field("remarks").max_length or 10**6
UNIT_ROWS = [SimpleNamespace(code=code, name=name, short_name=short) for code, name, short, _ in UNITS]


# --- the cell parsers ----------------------------------------------------------------------


def _spaced(text: str, draw) -> str:
    return (
        draw(st.sampled_from(["", " ", "\u3000", "\t"])) + text + draw(st.sampled_from(["", " ", "\u3000"]))
    )


@st.composite
def typed_dates(draw):
    """(what a clerk typed, the date meant)."""
    day = draw(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
    y, m, d = day.year, day.month, day.day
    form = draw(
        st.sampled_from(
            [
                f"{y}-{m:02d}-{d:02d}",
                f"{y}-{m}-{d}",
                f"{y}/{m}/{d}",
                f"{y}.{m}.{d}",
                f"{y}年{m}月{d}日",
                f"{y} 年 {m} 月 {d} 号",
                f"{y}{m:02d}{d:02d}",
                f"{y}-{m:02d}-{d:02d} 08:30",
                "datetime",
                "date",
                "serial",
            ]
        )
    )
    if form == "datetime":
        return dt.datetime.combine(day, dt.time(8, 30)), day
    if form == "date":
        return day, day
    if form == "serial":
        serial = (day - EXCEL_EPOCH).days
        return draw(st.sampled_from([serial, float(serial)])), day
    if draw(st.booleans()):
        form = form.translate(FULL_WIDTH)
    return _spaced(form, draw), day


@st.composite
def typed_amounts(draw):
    """(what a clerk typed in 万元, the amount meant)."""
    cents = draw(st.integers(min_value=0, max_value=10**13))
    amount = Decimal(cents) / 100
    form = draw(st.sampled_from(["plain", "thousands", "wan", "wanyuan", "yen", "yi", "cell"]))
    if form == "cell":
        return (int(amount) if amount == amount.to_integral() else amount), amount
    text = {
        "plain": f"{amount}",
        "thousands": f"{amount:,}",
        "wan": f"{amount}万",
        "wanyuan": f"{amount:,}万元",
        "yen": f"¥{amount}",
        "yi": f"{amount / 10000}亿元",
    }[form]
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return _spaced(text, draw), amount


@st.composite
def typed_percentages(draw):
    """(cell value, number format, the percentage meant)."""
    percent = Decimal(draw(st.integers(min_value=0, max_value=10000))) / 100
    form = draw(st.sampled_from(["percent_sign", "formatted_fraction", "fraction_text", "points"]))
    if form == "percent_sign":
        return (
            _spaced(f"{percent}%".translate(FULL_WIDTH) if draw(st.booleans()) else f"{percent}%", draw),
            "",
            percent,
        )
    if form == "formatted_fraction":
        return float(percent / 100), draw(st.sampled_from(["0%", "0.00%"])), percent
    if form == "fraction_text":
        return f"{percent / 100:.4f}", "", percent
    assume(percent >= 1)  # "0.5" alone is a fraction (50%), by the documented rule
    return (
        (f"{percent.normalize():f}" if percent != percent.to_integral() else str(int(percent))),
        "",
        percent,
    )


@FUZZ
@given(typed_dates())
def test_messy_dates_are_read_as_the_date_meant(case):
    typed, meant = case
    assert parse_date(typed) == meant


@FUZZ
@given(typed_amounts())
def test_messy_amounts_are_read_as_the_amount_meant(case):
    typed, meant = case
    assert parse_amount(typed) == meant


@FUZZ
@given(typed_percentages())
def test_messy_percentages_are_read_as_the_percentage_meant(case):
    typed, number_format, meant = case
    assert parse_percent(typed, number_format) == meant


@st.composite
def typed_unit_names(draw):
    """(a unit's name as typed, the unit's code)."""
    unit = draw(st.sampled_from(UNIT_ROWS))
    name = unit.name
    if name.endswith(("区", "市", "县")) and len(name) > 2 and draw(st.booleans()):
        name = name[:-1]
    spaced = "".join(ch + draw(st.sampled_from(["", "", " ", "\u3000"])) for ch in name)
    return _spaced(spaced, draw), unit.code


def _unit_index() -> NameIndex:
    return NameIndex(UNIT_ROWS, label="县(市、区)")


@FUZZ
@given(typed_unit_names())
def test_unit_names_typed_with_or_without_suffix_and_spaces_find_the_unit(case):
    typed, code = case
    assert _unit_index().get(typed).code == code


hostile_cells = st.one_of(
    hostile_text,
    hostile_number_text,
    hostile_date_text,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.datetimes(),
    st.dates(),
)


def _value_or_chinese_refusal(parse, value, expected_type):
    try:
        result = parse(value)
    except CellError as refused:
        assert is_chinese(refused.message), refused.message
        return None
    assert result is None or isinstance(result, expected_type), (value, result)
    return result


@FUZZ
@given(hostile_cells)
def test_any_cell_is_a_date_or_a_chinese_refusal(value):
    result = _value_or_chinese_refusal(parse_date, value, dt.date)
    if result is not None and not isinstance(value, (dt.date, dt.datetime)):
        assert dt.date(1900, 1, 1) <= result <= dt.date(2099, 12, 31) or isinstance(value, str)


@FUZZ
@given(hostile_cells)
def test_any_cell_is_an_amount_or_a_chinese_refusal(value):
    result = _value_or_chinese_refusal(parse_amount, value, Decimal)
    if result is not None:
        assert result.is_finite() and result >= 0 and result == result.quantize(Decimal("0.01"))


@FUZZ
@given(hostile_cells, st.sampled_from(["", "0%", "0.00%", "General"]))
def test_any_cell_is_a_percentage_or_a_chinese_refusal(value, number_format):
    result = _value_or_chinese_refusal(lambda v: parse_percent(v, number_format), value, Decimal)
    if result is not None:
        assert result.is_finite() and 0 <= result <= 100


@FUZZ
@given(hostile_cells)
def test_any_cell_is_a_unit_or_a_chinese_refusal(value):
    _value_or_chinese_refusal(_unit_index().get, value, SimpleNamespace)


# --- whole weekly sheets -------------------------------------------------------------------

BLANK, INVALID = "blank", "invalid"


@st.composite
def figure_cells(draw, kind: str):
    """(cell value, the Decimal meant | BLANK | INVALID) for a 形象进度 or an amount column."""
    choice = draw(st.sampled_from(["good", "good", "good", "blank", "hostile"]))
    if choice == "blank":
        return draw(st.sampled_from([None, "", " ", "-", "—", "无"])), BLANK
    if choice == "good":
        if kind == "percent":
            value, number_format, meant = draw(typed_percentages())
            assume(not number_format)  # the sheet writer below sets no number formats
            return value, meant
        value, meant = draw(typed_amounts())
        return value, (meant if meant <= MAX_AMOUNT else INVALID)
    value = draw(hostile_number_text)
    parse = parse_percent if kind == "percent" else parse_amount
    try:
        meant = parse(value)
    except CellError:
        return value, INVALID
    if meant is None:
        return value, BLANK
    if kind == "amount" and meant > MAX_AMOUNT:
        return value, INVALID
    return value, meant


@st.composite
def weekly_sheets(draw, codes: list[str]):
    """(rows under the weekly headers, what each filled row should write | None when refused)."""
    chosen = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=4, unique=True))
    rows, expected, refused = [], {}, False
    for code in chosen:
        progress = draw(figure_cells("percent"))
        completed = draw(figure_cells("amount"))
        funds = draw(figure_cells("amount"))
        problem = draw(hostile_text.filter(lambda t: "\x00" not in t))
        reporter = draw(hostile_text.filter(lambda t: "\x00" not in t))
        figures = [progress, completed, funds]
        meant = [m for _, m in figures]
        if INVALID in meant or (BLANK in meant and any(m != BLANK for m in meant)):
            refused = True
        elif all(m == BLANK for m in meant):
            pass  # not reported this week: nothing written for it, its notes ignored
        elif len(problem.strip()) > 500 or len(reporter.strip()) > 50:
            refused = True
        else:
            expected[code] = (*meant, problem.strip(), reporter.strip())
        by_header = {
            "项目编号": code,
            "本周形象进度(%)": progress[0],
            "累计完成投资(万元)": completed[0],
            "资金到位(万元)": funds[0],
            "存在问题": problem,
            "填报人": reporter,
            "进度回调说明": "设计变更，工程量调整",
        }
        rows.append([by_header.get(h) for h in WEEKLY_HEADERS])
    return rows, (None if refused else expected)


def _xlsx_writable(values) -> bool:
    """openpyxl would store text starting with "=" as a formula and cannot store control
    characters: such sheets are sent as csv, which carries them as typed."""
    return not any(
        isinstance(v, str) and (v.startswith("=") or any(ord(c) < 32 and c not in "\t\n\r" for c in v))
        for v in values
    )


def _xlsx_or_csv(rows: list[list], as_csv: bool) -> bytes | None:
    if as_csv:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([WEEKLY_HEADERS, *[["" if v is None else v for v in r] for r in rows]])
        return buffer.getvalue().encode("utf-8")
    return xlsx_bytes([WEEKLY_HEADERS, *rows]) if all(_xlsx_writable(row) for row in rows) else None


def _counts() -> tuple[int, int, int]:
    return (
        WeeklyReport.objects.count(),
        AuditEvent.objects.count(),
        Project.objects.filter(unit__code="houma").exclude(progress_percent=None).count(),
    )


def _houma_codes() -> list[str]:
    return list(Project.objects.filter(unit__code="houma").order_by("code").values_list("code", flat=True))


@pytest.mark.django_db
@WEEK_OPEN
def test_weekly_sheets_of_messy_and_hostile_cells_import_exactly_or_not_at_all(demo_ledger, county_liaison):
    codes = _houma_codes()
    tried = {"imported": 0, "refused": 0}

    @FUZZ
    @given(weekly_sheets(codes), st.booleans())
    def check(sheet, as_csv):
        rows, expected = sheet
        data = _xlsx_or_csv(rows, as_csv)
        if data is None:
            data, as_csv = _xlsx_or_csv(rows, True), True
        with transaction.atomic():
            before = _counts()
            started = time.monotonic()
            try:
                ledger_import_confirm(
                    kind="weekly",
                    data=data,
                    acting_user=county_liaison,
                    week=WEEK,
                    file_name="周调度表.csv" if as_csv else "周调度表.xlsx",
                )
            except LedgerImportRefused as refused:
                # then refused with row-by-row Chinese reasons, and nothing at all written
                tried["refused"] += 1
                errors = refused.preview.errors
                assert expected is None, [str(e) for e in errors]
                assert errors and all(is_chinese(str(e)) for e in errors)
                assert _counts() == before
            else:
                # or imported exactly as meant
                tried["imported"] += 1
                assert expected is not None, "a bad sheet was imported"
                for code, (progress, completed, funds, problem, reporter) in expected.items():
                    report = WeeklyReport.objects.get(project__code=code, week_start=WEEK)
                    assert (report.progress_percent, report.completed_investment, report.funds_in_place) == (
                        progress,
                        completed,
                        funds,
                    )
                    assert report.problem_note == problem
                    assert report.reporter_name == (reporter or report.reporter_name)
                assert WeeklyReport.objects.count() == before[0] + len(expected)
            assert time.monotonic() - started < 20  # a hang guard, not a speed test
            transaction.set_rollback(True)

    check()
    assert tried["imported"] and tried["refused"], tried


# --- whole files ---------------------------------------------------------------------------


def _refused_without_writing(
    data: bytes, user, *, file_name: str = "周调度表.xlsx", seconds: float = 20
) -> str:
    """Refused with a Chinese message, nothing written, and no hang: `seconds` is a generous
    guard against an input that would keep the import busy for minutes, not a speed test."""
    before = _counts()
    started = time.monotonic()
    with pytest.raises(LedgerImportRefused) as refused:
        ledger_import_confirm(kind="weekly", data=data, acting_user=user, week=WEEK, file_name=file_name)
    assert time.monotonic() - started < seconds
    assert _counts() == before
    message = "；".join(str(e) for e in refused.value.preview.errors)
    assert is_chinese(message), message
    return message


@pytest.mark.django_db
def test_random_bytes_are_refused_with_a_message(demo_ledger, county_liaison):
    magic = st.sampled_from(
        [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe"]
    )

    @FUZZ
    @given(magic, st.binary(min_size=1, max_size=4096))
    def check(prefix, tail):
        with transaction.atomic():
            _refused_without_writing(prefix + tail, county_liaison)
            transaction.set_rollback(True)

    check()


def _workbook_with_sheet_xml(sheet_xml_chunks, *, level: int = 1) -> bytes:
    """A real workbook whose first sheet's XML is replaced by the given chunks (streamed)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([WEEKLY_HEADERS, ["LF-2023-018", "", "1", "1", "1"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for chunk in sheet_xml_chunks:
                sheet.write(chunk)
    return out.getvalue()


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def test_zip_bomb_named_xlsx_is_refused_at_once_in_bounded_memory(demo_ledger, county_liaison, db):
    # given a 1.4 MB ".xlsx" whose sheet unpacks to 200 MB of rows
    row = b'<row><c t="inlineStr"><is><t>LF-2023-018</t></is></c></row>'
    megabyte = row * (1024 * 1024 // len(row))
    bomb = _workbook_with_sheet_xml(
        [SHEET_HEAD + b"<sheetData>", *([megabyte] * 200), b"</sheetData></worksheet>"]
    )
    assert len(bomb) < 3 * 1024 * 1024
    # when it is imported
    tracemalloc.start()
    try:
        message = _refused_without_writing(bomb, county_liaison)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then it is refused before anything is inflated
    assert "疑似压缩炸弹" in message
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1024 / 1024:.0f} MB"


def test_sheet_declaring_a_million_rows_is_refused_in_bounded_time(demo_ledger, county_liaison, db):
    # given a small workbook whose sheet declares A1:XFD1048576 and has a cell in its last row
    xml = (
        SHEET_HEAD
        + b'<dimension ref="A1:XFD1048576"/><sheetData>'
        + '<row r="1"><c r="A1" t="inlineStr"><is><t>项目编号</t></is></c></row>'.encode()
        + b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = _workbook_with_sheet_xml([xml])
    # when imported, then refused by its row count, quickly and in bounded memory
    tracemalloc.start()
    try:
        message = _refused_without_writing(data, county_liaison, seconds=60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"超过{MAX_ROWS}行" in message
    assert peak < 200 * 1024 * 1024, f"peak {peak / 1024 / 1024:.0f} MB"


def test_huge_sheet_of_junk_rows_is_refused_row_by_row_in_bounded_time(demo_ledger, county_liaison, db):
    # given a sheet of 5,000 rows of unknown codes and bad figures (far more than any ledger)
    rows = [[f"LF-9{n:05d}", "", "120", "-5", "abc"] for n in range(5000)]
    data = xlsx_bytes([WEEKLY_HEADERS[:5], *rows])
    # when imported, then every row is refused, nothing written, within the time bound
    message = _refused_without_writing(data, county_liaison, seconds=60)
    assert "第2行“项目编号”列：未知的项目编号“LF-900000”" in message
    # and one more row than the bound is refused as a whole
    too_many = "\n".join(
        [
            "项目编号,本周形象进度(%),累计完成投资(万元),资金到位(万元)",
            *(f"LF-{n},1,1,1" for n in range(MAX_ROWS + 1)),
        ]
    ).encode()
    assert f"超过{MAX_ROWS}行" in _refused_without_writing(too_many, county_liaison, file_name="a.csv")


@pytest.mark.django_db
@WEEK_OPEN
def test_formulas_are_read_by_their_computed_values_never_evaluated(demo_ledger, county_liaison):
    # given a sheet whose figures are formulas (one with a cached value, one without, one a
    # DDE payload whose cached value is text), and a reporter cell holding formula text
    base = xlsx_bytes(
        [WEEKLY_HEADERS, ["LF-2023-018", "", 0, 0, 0, "", "", '=HYPERLINK("http://x")', "", "说明"]]
    )
    data = with_cached_formula(base, "C2", "40+35", "75")
    data = with_cached_formula(data, "D2", "SUM(Z1:Z9)", "1234.5")
    data = with_cached_formula(data, "E2", "cmd|' /C calc'!A0", "1000")
    before = _counts()
    # when imported
    ledger_import_confirm(kind="weekly", data=data, acting_user=county_liaison, week=WEEK)
    # then the cached values were written, and the formula text kept as plain text
    report = WeeklyReport.objects.get(project__code="LF-2023-018", week_start=WEEK)
    assert (report.progress_percent, report.completed_investment, report.funds_in_place) == (
        Decimal("75.00"),
        Decimal("1234.50"),
        Decimal("1000.00"),
    )
    assert WeeklyReport.objects.count() == before[0] + 1
    # and a formula with no computed value is an empty cell: refused as incomplete, nothing written
    blank = with_cached_formula(base, "C2", "NOW()", "")
    message = _refused_without_writing(blank, county_liaison)
    assert "不能为空" in message or "不是有效" in message


def _with_macros(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
            target.writestr(item, content)
        target.writestr(
            "xl/vbaProject.bin",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nShell "calc"\nEnd Sub',
        )
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("file_name", ["周调度表.xlsm", "周调度表.xlsx"])
def test_macro_enabled_workbook_is_refused_whatever_its_name(demo_ledger, county_liaison, file_name):
    # given a good sheet saved with a VBA project
    data = _with_macros(
        xlsx_bytes([WEEKLY_HEADERS, ["LF-2023-018", "", "75", "100", "100", "", "", "", "", "说明"]])
    )
    # when imported, then refused with a message and nothing written
    message = _refused_without_writing(data, county_liaison, file_name=file_name)
    assert ("宏" in message) or ("不是xlsx、xls或csv格式" in message)


def test_read_sheet_refuses_damaged_sheet_xml_with_a_message():
    # given a workbook whose sheet XML breaks off half-way (parsed only while rows are read)
    data = _workbook_with_sheet_xml(
        [SHEET_HEAD + b'<sheetData><row><c t="inlineStr"><is><t>x</t></is></c></row><row><c']
    )
    # when read, then a FileRefused with a Chinese message, not a parser exception
    with pytest.raises(FileRefused) as refused:
        read_sheet(data)
    assert is_chinese(refused.value.message)
    assert parse_text(" 汾河 ") == "汾河"


# --- the master ledger ---------------------------------------------------------------------


PLANNED_COMPLETION = dt.date(2025, 10, 31)


@st.composite
def master_rows(draw):
    """(one master-ledger row changing an existing project or adding one, whether it must import)."""
    code = draw(st.sampled_from(["LF-2023-018", "LF-2030-901"]))
    name, content, remarks = draw(hostile_text), draw(hostile_text), draw(hostile_text)
    investment, meant_investment = draw(
        st.one_of(typed_amounts(), hostile_number_text.map(lambda t: (t, None)))
    )
    start, meant_start = draw(st.one_of(typed_dates(), hostile_date_text.map(lambda t: (t, None))))
    unit, _ = draw(typed_unit_names())
    ok = (
        0 < len(name.strip()) <= 200
        and len(remarks.strip()) <= REMARKS_MAX
        and meant_investment is not None
        and meant_investment <= MAX_AMOUNT
        and meant_start is not None
        # dates keep their order: 开工 ≤ 完工 (the row's) ≤ 达效 (LF-2023-018's planned 2025-11-28)
        and dt.date(2000, 1, 1) <= meant_start <= PLANNED_COMPLETION
    )
    row = {
        "项目编号": code,
        "项目名称": name,
        "县(市、区)": unit,
        "牵头部门": "市生态环境局",
        "领域": "生态",
        "项目单位": "曲沃县生态环境局",
        "建设内容及规模": content,
        "总投资(万元)": investment,
        "计划开工日期": start,
        "计划完工日期": PLANNED_COMPLETION.isoformat(),
        "备注": remarks,
    }
    return row, ok


@pytest.mark.django_db
def test_master_rows_of_hostile_text_and_numbers_import_exactly_or_not_at_all(demo_ledger, clerk):
    from ledgers.exporting import MASTER_HEADERS

    tried = {"imported": 0, "refused": 0}

    @FUZZ
    @given(master_rows())
    def check(case):
        row, ok = case
        data = (
            xlsx_bytes([MASTER_HEADERS, [row.get(h) for h in MASTER_HEADERS]])
            if _xlsx_writable(row.values())
            else None
        )
        if data is None:
            buffer = io.StringIO()
            csv.writer(buffer).writerows([MASTER_HEADERS, [row.get(h) or "" for h in MASTER_HEADERS]])
            data = buffer.getvalue().encode("utf-8")
        with transaction.atomic():
            before = (
                Project.objects.count(),
                AuditEvent.objects.count(),
                list(Project.objects.filter(code="LF-2023-018").values_list("name", "remarks")),
            )
            try:
                ledger_import_confirm(kind="master", data=data, acting_user=clerk, file_name="总台账.xlsx")
            except LedgerImportRefused as refused:
                tried["refused"] += 1
                assert all(is_chinese(str(e)) for e in refused.preview.errors)
                assert before == (
                    Project.objects.count(),
                    AuditEvent.objects.count(),
                    list(Project.objects.filter(code="LF-2023-018").values_list("name", "remarks")),
                )
            else:
                # imported: the text stored as typed (stripped), never interpreted
                tried["imported"] += 1
                project = Project.objects.get(code=row["项目编号"])
                assert (project.name, project.remarks) == (row["项目名称"].strip(), row["备注"].strip())
            assert (tried["imported"], tried["refused"]) != (0, 0)
            if ok:
                assert Project.objects.filter(code=row["项目编号"], name=row["项目名称"].strip()).exists(), (
                    "a good row was refused"
                )
            transaction.set_rollback(True)

    check()
    assert tried["imported"] + tried["refused"] > 0
