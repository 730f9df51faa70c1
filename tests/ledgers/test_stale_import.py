"""An import built from an export older than the data it changes: flagged per row,
written only on explicit confirmation."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from ledgers.exporting import LedgerFilters, ledger_build, ledger_csv, ledger_xlsx
from ledgers.importing import LedgerImportRefused, ledger_import_confirm, ledger_import_preview
from tests.ledgers.sheets import sheet_rows, xlsx_edit
from tracker import services
from tracker.models import Project

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2025, 10, 6, 9, 0, tzinfo=SHANGHAI)
WEDNESDAY = dt.datetime(2025, 10, 8, 15, 30, tzinfo=SHANGHAI)
FRIDAY = dt.datetime(2025, 10, 10, 11, 0, tzinfo=SHANGHAI)
CODE = "LF-2023-002"


def _row_of(data: bytes, code: str) -> int:
    for number, row in enumerate(sheet_rows(data), start=1):
        if code in row:
            return number
    raise AssertionError(code)


@pytest.fixture
def monday_export(demo_ledger, clerk) -> bytes:
    """The master ledger exported on Monday, its 备注 of LF-2023-002 edited in Excel afterwards."""
    with time_machine.travel(MONDAY, tick=False):
        data = ledger_xlsx(ledger_build(kind="master", user=clerk, filters=LedgerFilters()))
    return xlsx_edit(data, {(_row_of(data, CODE), "备注"): "周一导出后在表格中修改"})


def _edit_on_wednesday(leader):
    project = Project.objects.get(code=CODE)
    with time_machine.travel(WEDNESDAY, tick=False):
        services.project_update(project_id=project.pk, acting_user=leader, expected_version=project.version,
                                changes={"total_investment": Decimal("9999.00")})


def test_export_writes_its_time_into_the_file(demo_ledger, clerk):
    # when the master ledger is exported on Monday at 09:00, as xlsx and as csv
    with time_machine.travel(MONDAY, tick=False):
        table = ledger_build(kind="master", user=clerk, filters=LedgerFilters())
        xlsx, csv = ledger_xlsx(table), ledger_csv(table).decode("utf-8-sig")
    # then both carry the time under their title
    assert any("导出时间：2025-10-06 09:00:00" in " ".join(map(str, row)) for row in sheet_rows(xlsx)[:3])
    assert "导出时间：2025-10-06 09:00:00" in csv


def test_rows_of_projects_edited_after_the_export_are_flagged(monday_export, clerk, leader):
    # given the project was edited in the system on Wednesday
    _edit_on_wednesday(leader)
    # when Monday's file is previewed on Friday
    with time_machine.travel(FRIDAY, tick=False):
        preview = ledger_import_preview(kind="master", data=monday_export, acting_user=clerk)
    # then that row is flagged, with who changed it and when
    assert preview.ok, preview.errors
    assert [row.code for row in preview.stale_rows] == [CODE]
    assert preview.stale_rows[0].stale.startswith("文件导出后该项目已被修改（")
    assert "2025-10-08 15:30" in preview.stale_rows[0].stale


def test_stale_import_is_refused_without_confirmation_and_written_with_it(monday_export, clerk, leader):
    # given
    _edit_on_wednesday(leader)
    # when imported without the confirmation
    with time_machine.travel(FRIDAY, tick=False), pytest.raises(LedgerImportRefused) as refused:
        ledger_import_confirm(kind="master", data=monday_export, acting_user=clerk)
    # then nothing is written: Wednesday's investment stays
    assert "文件导出后有1个项目已被修改" in refused.value.preview.errors[0].message
    assert Project.objects.get(code=CODE).total_investment == Decimal("9999.00")
    # when the importer confirms they checked it
    with time_machine.travel(FRIDAY, tick=False):
        ledger_import_confirm(kind="master", data=monday_export, acting_user=clerk, overwrite_newer=True)
    # then the file's values are written
    assert Project.objects.get(code=CODE).remarks == "周一导出后在表格中修改"


def test_a_fresh_export_is_not_flagged(demo_ledger, clerk):
    with time_machine.travel(FRIDAY, tick=False):
        data = ledger_xlsx(ledger_build(kind="master", user=clerk, filters=LedgerFilters()))
        edited = xlsx_edit(data, {(_row_of(data, CODE), "备注"): "新导出后修改"})
        preview = ledger_import_preview(kind="master", data=edited, acting_user=clerk)
    assert preview.updated == 1
    assert preview.stale_rows == []


def test_preview_page_asks_for_the_confirmation(client, monday_export, clerk, leader):
    # given
    _edit_on_wednesday(leader)
    client.force_login(clerk)
    from django.core.files.uploadedfile import SimpleUploadedFile

    # when
    with time_machine.travel(FRIDAY, tick=False):
        response = client.post("/ledgers/imports/", {
            "kind": "master", "file": SimpleUploadedFile("总台账.xlsx", monday_export)}, follow=True)
    # then
    page = response.content.decode()
    assert "文件导出后该项目已被修改" in page
    assert 'name="overwrite_newer"' in page


def test_imported_planned_completion_after_planned_effective_is_refused(demo_ledger, clerk, leader):
    # given a project planned to be effective by the end of 2025
    project = Project.objects.get(code=CODE)
    services.project_update(project_id=project.pk, acting_user=leader, expected_version=project.version,
                            changes={"planned_effective": dt.date(2025, 12, 31)})
    with time_machine.travel(FRIDAY, tick=False):
        data = ledger_xlsx(ledger_build(kind="master", user=clerk, filters=LedgerFilters()))
        edited = xlsx_edit(data, {(_row_of(data, CODE), "计划完工日期"): "2026-06-30"})
        # when the sheet moves its completion past that
        preview = ledger_import_preview(kind="master", data=edited, acting_user=clerk)
    # then
    assert any("计划达效日期（2025-12-31）不能早于计划完工日期（2026-06-30）" in e.message for e in preview.errors)
