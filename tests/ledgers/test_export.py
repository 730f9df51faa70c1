"""Exports: every ledger kind, its title, frozen header, formats, totals, filters and scoping."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ledgers.exporting import KINDS, MASTER_HEADERS, LedgerFilters, ledger_build, ledger_csv, ledger_xlsx
from tracker.choices import ProblemStatus
from tracker.models import Problem, Project, WeeklyReport
from tracker.selectors import total_investment

AS_OF = dt.date(2025, 3, 3)
DEMO_DAY = dt.datetime(2025, 9, 30, 12, 0)


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


@time_machine.travel(DEMO_DAY, tick=False)
def test_master_ledger_has_title_frozen_header_formats_and_totals(demo_ledger):
    # given
    table = ledger_build(kind="master", user=None, filters=LedgerFilters(as_of=AS_OF))
    # when
    sheet = _sheet(ledger_xlsx(table))
    # then
    assert sheet["A1"].value == "临汾市“一泓清水入黄河”生态保护工程总台账（截至2025年3月3日）"
    assert "A1:Q1" in {str(r) for r in sheet.merged_cells.ranges}
    # the export time under the title (an import of an older file is flagged)
    assert sheet["A2"].value.startswith("导出时间：2025-")
    assert [c.value for c in sheet[3]] == MASTER_HEADERS
    assert sheet.freeze_panes == "A4"
    assert sheet.column_dimensions["C"].width == 36
    first = {h: sheet.cell(row=4, column=i + 1) for i, h in enumerate(MASTER_HEADERS)}
    assert first["总投资(万元)"].number_format == "#,##0.00"
    assert first["形象进度(%)"].number_format == "0.00%"
    assert isinstance(first["计划开工日期"].value, dt.datetime)
    assert first["计划开工日期"].number_format == "yyyy-mm-dd"
    totals = [c.value for c in sheet[4 + 95]]
    assert totals[0] == "合计"
    assert Decimal(str(totals[MASTER_HEADERS.index("总投资(万元)")])) == total_investment()
    assert table.file_stem == "工程总台账_20250303"


@time_machine.travel(DEMO_DAY, tick=False)
def test_master_ledger_on_a_past_date_shows_the_state_and_figures_of_that_date(demo_ledger):
    # given 2024-12-31, when 62 projects had been completed (DOMAIN: The portfolio)
    table = ledger_build(kind="master", user=None, filters=LedgerFilters(as_of=dt.date(2024, 12, 31)))
    stage = MASTER_HEADERS.index("当前阶段")
    # then
    assert sum(1 for row in table.rows if row[stage] in ("完工", "达效")) == 62
    assert all(row[stage] != "前期" for row in table.rows)


@time_machine.travel(DEMO_DAY, tick=False)
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_every_ledger_kind_exports_from_the_command(demo_ledger, tmp_path, kind, file_format):
    # given / when
    call_command("export_ledger", kind, "-o", str(tmp_path), "--format", file_format, stdout=io.StringIO(),
                 skip_checks=True)
    # then one file named after the ledger and the date, whose first row is its title
    (path,) = tmp_path.iterdir()
    assert path.name.startswith(KINDS[kind]) and "20250930" in path.name and path.suffix == f".{file_format}"
    if file_format == "xlsx":
        title = _sheet(path.read_bytes())["A1"].value
    else:
        title = path.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert title.startswith("临汾市“一泓清水入黄河”生态保护工程")


@time_machine.travel(DEMO_DAY, tick=False)
def test_filters_narrow_the_master_ledger(demo_ledger):
    # when
    houma = ledger_build(kind="master", user=None, filters=LedgerFilters(unit="houma"))
    ecology = ledger_build(kind="master", user=None, filters=LedgerFilters(domain="ecology"))
    started = ledger_build(kind="master", user=None, filters=LedgerFilters(state="开工"))
    year = ledger_build(kind="master", user=None, filters=LedgerFilters(year=2024))
    # then
    assert {row[3] for row in houma.rows} == {"侯马市"}
    assert len(houma.rows) == Project.objects.filter(unit__code="houma").count()
    assert "侯马市" in houma.title and "侯马市" in houma.file_stem
    assert len(ecology.rows) == 22  # DOMAIN: The portfolio
    assert {row[11] for row in started.rows} == {"开工"}
    assert len(year.rows) == Project.objects.filter(target_year=2024).count()


def test_unknown_state_filter_is_refused_in_chinese(demo_ledger):
    with pytest.raises(CommandError, match="未知的阶段“开建”"):
        call_command("export_ledger", "master", "-o", "/tmp/x.xlsx", "--state", "开建", skip_checks=True)


@time_machine.travel(DEMO_DAY, tick=False)
def test_county_liaison_ledger_holds_only_their_units_projects(demo_ledger, county_liaison):
    table = ledger_build(kind="master", user=county_liaison, filters=LedgerFilters())
    assert {row[3] for row in table.rows} == {"侯马市"}


@time_machine.travel(DEMO_DAY, tick=False)
def test_weekly_ledger_lists_who_has_not_reported(demo_ledger):
    # given the demo's last week
    week = dt.date(2025, 9, 29)
    reported = WeeklyReport.objects.filter(week_start=week).count()
    # when
    table = ledger_build(kind="weekly", user=None, filters=LedgerFilters(as_of=week))
    # then
    status = [row[-1] for row in table.rows]
    assert status.count("已填报") == reported
    assert status.count("未填报") == 95 - reported
    assert table.note == f"应填报95个，已填报{reported}个，未填报{95 - reported}个"
    assert "2025年9月29日至2025年10月5日" in table.title


@time_machine.travel(DEMO_DAY, tick=False)
def test_problems_ledger_shows_level_and_age(demo_ledger):
    # given an open problem
    problem = Problem.objects.filter(status=ProblemStatus.OPEN).select_related("project").first()
    # when
    table = ledger_build(kind="problems", user=None, filters=LedgerFilters())
    # then
    row = next(r for r in table.rows if r[4] == problem.description and r[1] == problem.project.code)
    assert row[6] == problem.get_level_display()
    assert row[10] == (dt.date(2025, 9, 30) - problem.raised_on).days
    assert row[12] == "未解决"


@time_machine.travel(DEMO_DAY, tick=False)
def test_department_ledger_subtotals_each_group_and_totals_only_projects(demo_ledger):
    table = ledger_build(kind="domain", user=None, filters=LedgerFilters())
    subtotals = [table.rows[i] for i in sorted(table.subtotal_rows)]
    assert len(subtotals) == 6
    money = MASTER_HEADERS.index("总投资(万元)")
    assert sum(r[money] for r in subtotals) == table.totals_row()[money] == total_investment()


@time_machine.travel(DEMO_DAY, tick=False)
def test_csv_writes_percentages_with_a_percent_sign_and_money_with_two_places(demo_ledger):
    data = ledger_csv(ledger_build(kind="funds", user=None, filters=LedgerFilters(unit="houma")))
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("序号,项目编号")
    first = lines[2].split(",")
    assert first[-2].endswith("%")
    assert "." in first[5] and len(first[5].split(".")[1]) == 2
