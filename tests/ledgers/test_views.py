"""The clerk-facing ledger pages: downloads, upload → preview → confirm, progress, permissions."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from ledgers.exporting import MASTER_HEADERS, WEEKLY_HEADERS, LedgerFilters, ledger_build, ledger_xlsx
from tests.ledgers.sheets import xlsx_bytes
from tracker.choices import AuditAction
from tracker.models import AuditEvent, Project, WeeklyReport

TODAY = dt.datetime(2025, 10, 8, 10, 0)
WEEK = dt.date(2025, 10, 6)


def _upload(client, kind: str, data: bytes, name: str = "台账.xlsx", week: str = ""):
    payload = {"kind": kind, "file": SimpleUploadedFile(name, data)}
    if week:
        payload["week"] = week
    return client.post(reverse("ledgers:upload"), payload)


@time_machine.travel(TODAY, tick=False)
def test_clerk_downloads_the_filtered_master_ledger(client, clerk):
    # given
    client.force_login(clerk)
    # when
    response = client.get(reverse("ledgers:download", args=["master"]), {"unit": "houma", "format": "xlsx"})
    # then
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "侯马市" in sheet["A1"].value
    assert {row[3] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]} == {"侯马市"}


@time_machine.travel(TODAY, tick=False)
def test_index_lists_every_ledger_for_a_city_leader_but_offers_no_upload(client, city_leader):
    client.force_login(city_leader)
    response = client.get(reverse("ledgers:index"))
    assert response.status_code == 200
    assert "问题台账" in response.content.decode()
    assert response.context["upload"] is None
    assert _upload(client, "master", b"x").status_code == 403


@time_machine.travel(TODAY, tick=False)
def test_county_liaison_gets_only_their_units_weekly_sheet(client, county_liaison):
    # given the 侯马 liaison
    client.force_login(county_liaison)
    # when they ask for the master ledger, and for another unit's weekly template
    master = client.get(reverse("ledgers:download", args=["master"]))
    template = client.get(reverse("ledgers:weekly_template"), {"unit": "yaodu", "week": "2025-10-06"})
    # then the master is refused and the template is their own unit's
    assert master.status_code == 403
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet["A1"].value.startswith("临汾市“一泓清水入黄河”生态保护工程侯马市周调度表")
    codes = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert set(codes) == set(Project.objects.filter(unit__code="houma").values_list("code", flat=True))


@time_machine.travel(TODAY, tick=False)
def test_upload_preview_then_confirm_writes_and_audits(client, county_liaison):
    # given the 侯马 liaison's filled-in weekly sheet
    client.force_login(county_liaison)
    template = client.get(reverse("ledgers:weekly_template"), {"week": "2025-10-06"}).content
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.active
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == "LF-2023-018")
    sheet.cell(row, 3, "80%")
    sheet.cell(row, 4, "2,000")
    sheet.cell(row, 5, "1800万元")
    buffer = io.BytesIO()
    workbook.save(buffer)
    # when uploaded
    response = _upload(client, "weekly", buffer.getvalue())
    # then the preview lists the new figures and nothing is written yet
    assert response.status_code == 302
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert "本周形象进度(%)" in page and "80.00" in page
    assert not WeeklyReport.objects.filter(week_start=WEEK, project__code="LF-2023-018").exists()
    # when confirmed by the page's script (JSON), progress can be polled
    token = response["Location"].rstrip("/").split("/")[-1]
    confirm = client.post(reverse("ledgers:confirm", args=[token]), HTTP_ACCEPT="application/json")
    progress = client.get(reverse("ledgers:progress", args=[token])).json()
    # then
    assert confirm.status_code == 200 and confirm.json()["ok"] is True
    assert progress == {"state": "done", "done": 1, "total": 1}
    report = WeeklyReport.objects.get(week_start=WEEK, project__code="LF-2023-018")
    assert report.funds_in_place == Decimal("1800.00")
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_IMPORT, actor=county_liaison).count() == 1
    result = client.get(confirm.json()["redirect"])
    assert "新增1个" in result.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_bad_upload_shows_every_row_error_and_cannot_be_confirmed(client, clerk):
    # given a master sheet with an unknown unit
    client.force_login(clerk)
    row = ["", "LF-2025-901", "新项目", "太原", "市生态环境局", "生态", "某单位", "", "100", "2025-11-01", "2026-06-30",
           "前期", "", "", "", "", ""]
    response = _upload(client, "master", xlsx_bytes([MASTER_HEADERS, row]))
    preview = client.get(response["Location"])
    # then
    page = preview.content.decode()
    assert "第2行" in page and "未知的县(市、区)“太原”" in page
    assert "确认导入" not in page
    token = response["Location"].rstrip("/").split("/")[-1]
    refused = client.post(reverse("ledgers:confirm", args=[token]))
    assert refused.status_code == 409
    assert not Project.objects.filter(code="LF-2025-901").exists()


def test_upload_refuses_a_file_that_is_not_a_spreadsheet(client, clerk):
    client.force_login(clerk)
    response = _upload(client, "master", b"\x89PNG\r\n\x1a\n\x00\x00binary", name="台账.xlsx")
    page = client.get(response["Location"]).content.decode()
    assert "不是xlsx、xls或csv" in page


@time_machine.travel(TODAY, tick=False)
def test_another_user_cannot_see_or_confirm_my_upload(client, clerk, leader):
    client.force_login(clerk)
    data = ledger_xlsx(ledger_build(kind="master", user=clerk, filters=LedgerFilters()))
    location = _upload(client, "master", data)["Location"]
    client.force_login(leader)
    assert client.get(location).status_code == 403


def test_weekly_headers_are_the_issues_contract():
    assert WEEKLY_HEADERS[:9] == ["项目编号", "项目名称", "本周形象进度(%)", "累计完成投资(万元)", "资金到位(万元)", "手续办理进展",
                                 "存在问题", "填报人", "联系电话"]


@pytest.mark.parametrize("role_fixture", ["clerk", "city_leader"])
def test_oc4ids_download_for_office_and_city_leaders(client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))
    response = client.get(reverse("ledgers:oc4ids"))
    assert response.status_code == 200
    assert response.json()["version"] == "0.9"
