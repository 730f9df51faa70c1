"""What clerks type into ledger cells: every accepted messy form and every refusal."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from ledgers.parsing import (
    Cell,
    CellError,
    FileRefused,
    NameIndex,
    header_find,
    parse_amount,
    parse_date,
    parse_percent,
    parse_text,
    read_sheet,
    sniff_format,
)

MARCH_1 = dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    "typed",
    [
        "2025-03-01", "2025-3-1", "2025/3/1", "2025/03/01", "2025.3.1", "2025年3月1日", "2025年3月1号",
        "2025 年 3 月 1 日", " 2025-03-01 ", "２０２５－０３－０１", "20250301", "2025-03-01 00:00:00",
        "2025年3月", "2025年03月", "2025-03", "2025.3",
        dt.date(2025, 3, 1), dt.datetime(2025, 3, 1, 0, 0), 45717, 45717.0,
    ],
)
def test_date_forms_clerks_type_are_read_as_the_first_of_march(typed):
    # given a date typed any of the accepted ways
    # when it is parsed
    parsed = parse_date(typed)
    # then it is 2025-03-01
    assert parsed == MARCH_1


@pytest.mark.parametrize("typed", [None, "", "  ", "-", "无"])
def test_blank_date_is_unknown(typed):
    assert parse_date(typed) is None


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("2025-02-30", "不是有效日期"),
        ("下个月", "不是可识别的日期"),
        ("3/1/2025", "不是可识别的日期"),
        (12.5, "不是日期"),
        ("#REF!", "Excel错误值"),
    ],
)
def test_bad_dates_are_refused_with_a_chinese_reason(typed, reason):
    with pytest.raises(CellError) as refused:
        parse_date(typed)
    assert reason in refused.value.message


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1,234.5", "1234.50"),
        ("1，234.5", "1234.50"),
        ("１２３４．５", "1234.50"),
        ("1234.5万元", "1234.50"),
        ("1,234.5 万元", "1234.50"),
        ("1234.5万", "1234.50"),
        ("1.5亿元", "15000.00"),
        ("0", "0.00"),
        ("12.345", "12.35"),
        (1234.5, "1234.50"),
        (1234, "1234.00"),
        (Decimal("8.125"), "8.13"),
    ],
)
def test_amount_forms_are_read_as_wan_yuan_with_two_places(typed, expected):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize("typed", [None, "", "-", "—", "/", "无"])
def test_blank_amount_is_unknown(typed):
    assert parse_amount(typed) is None


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("-5", "不能为负数"),
        (-0.01, "不能为负数"),
        ("12345元", "万元"),
        ("一千万", "不是有效的金额"),
        ("1.2.3", "不是有效的金额"),
        ("#DIV/0!", "Excel错误值"),
        ("#VALUE!", "Excel错误值"),
    ],
)
def test_bad_amounts_are_refused(typed, reason):
    with pytest.raises(CellError) as refused:
        parse_amount(typed)
    assert reason in refused.value.message


@pytest.mark.parametrize(
    "typed, number_format, expected",
    [
        ("85", "", "85.00"),
        ("85%", "", "85.00"),
        ("85 %", "", "85.00"),
        ("８５％", "", "85.00"),
        ("0.85", "", "85.00"),
        ("1.0", "", "100.00"),
        ("1", "", "1.00"),
        ("85.5", "", "85.50"),
        ("0.5%", "", "0.50"),
        (85, "General", "85.00"),
        (0.85, "General", "85.00"),
        (0.85, "0.00%", "85.00"),
        (1, "0%", "100.00"),
        (0.005, "0.00%", "0.50"),
        (100, "", "100.00"),
        (0, "", "0.00"),
    ],
)
def test_percent_forms_follow_the_documented_rule(typed, number_format, expected):
    assert parse_percent(typed, number_format) == Decimal(expected)


@pytest.mark.parametrize(
    "typed, reason",
    [("101", "不能超过100%"), ("120%", "不能超过100%"), (100.5, "不能超过100%"), ("-3", "不能为负数"), ("八成", "百分比"),
     ("#REF!", "Excel错误值")],
)
def test_bad_percentages_are_refused(typed, reason):
    with pytest.raises(CellError) as refused:
        parse_percent(typed)
    assert reason in refused.value.message


def test_text_cells_are_stripped_and_error_cells_refused():
    assert parse_text("  汾河治理  ") == "汾河治理"
    assert parse_text(13800000000.0) == "13800000000"
    assert parse_text(None) == ""
    with pytest.raises(CellError):
        parse_text("#N/A")


UNITS = [
    SimpleNamespace(name="尧都区", short_name="尧都"),
    SimpleNamespace(name="侯马市", short_name="侯马"),
    SimpleNamespace(name="古县", short_name="古县"),
    SimpleNamespace(name="临汾经济开发区", short_name="开发区"),
]


@pytest.mark.parametrize(
    "typed, expected",
    [("尧都区", "尧都区"), ("尧都", "尧都区"), (" 尧 都 区 ", "尧都区"), ("侯马", "侯马市"), ("古县", "古县"),
     ("临汾经济开发区", "临汾经济开发区"), ("开发区", "临汾经济开发区")],
)
def test_unit_names_match_with_or_without_suffix_and_spaces(typed, expected):
    index = NameIndex(UNITS, label="县(市、区)")
    assert index.get(typed).name == expected


def test_unknown_unit_is_refused_by_name():
    index = NameIndex(UNITS, label="县(市、区)")
    with pytest.raises(CellError) as refused:
        index.get("太原")
    assert refused.value.message == "未知的县(市、区)“太原”"


MASTER_REQUIRED = ["项目编号", "项目名称", "县(市、区)"]


def test_header_found_below_one_or_two_merged_title_rows_with_fullwidth_brackets():
    # given two title rows (merged cells read as a value then blanks) above a header typed with
    # full-width brackets and a line break
    rows = [
        ["临汾市“一泓清水入黄河”生态保护工程总台账", None, None],
        ["（截至2025年3月3日）", None, None],
        ["项目编号", "项目\n名称", "县（市、区）"],
        ["LF-1", "x", "尧都"],
    ]
    # when the header is searched
    match = header_find(rows, required=MASTER_REQUIRED)
    # then it is the third row with every column located
    assert match.row_index == 2
    assert match.columns == {"项目编号": 0, "项目名称": 1, "县(市、区)": 2}


def test_header_missing_a_required_column_names_it():
    rows = [["标题"], ["项目编号", "项目名称"]]
    with pytest.raises(CellError) as refused:
        header_find(rows, required=MASTER_REQUIRED)
    assert refused.value.message == "第2行表头缺少必填列：县(市、区)"


def test_sniff_rejects_content_that_is_not_a_spreadsheet_whatever_its_name():
    # given a PNG and a zip that is not a workbook
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hi")
    # when / then
    with pytest.raises(FileRefused, match="不是xlsx、xls或csv"):
        sniff_format(png)
    with pytest.raises(FileRefused, match="不是Excel工作簿"):
        sniff_format(buffer.getvalue())


def test_file_over_10_mb_is_refused_before_reading():
    with pytest.raises(FileRefused, match="超过10MB"):
        read_sheet(b"a," * (5 * 1024 * 1024 + 1))


def test_csv_in_gbk_and_utf8_bom_is_read():
    text = "项目编号,项目名称\nLF-1,汾河\n"
    for data in (text.encode("gb18030"), text.encode("utf-8-sig")):
        rows = read_sheet(data)
        assert [c.value for c in rows[1]] == ["LF-1", "汾河"]


def test_xls_file_is_read_with_dates_as_dates():
    import io

    import xlwt

    # given an old-format .xls with a date cell
    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    sheet.write(0, 0, "计划开工日期")
    sheet.write(1, 0, dt.datetime(2025, 3, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    buffer = io.BytesIO()
    book.save(buffer)
    # when it is read
    rows = read_sheet(buffer.getvalue())
    # then the date comes back as a date
    assert parse_date(rows[1][0].value) == MARCH_1
    assert isinstance(rows[0][0], Cell)
