"""Out-of-range dates and double submits give a clear 400 or the same
result, never a 500; the debug page is only for a developer on this machine."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from tracker.choices import AuditAction
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2025, 10, 8, 10, 0)


@pytest.mark.parametrize("url, query", [
    ("/ledgers/download/weekly/", {"date": "9999-12-31"}),
    ("/ledgers/download/master/", {"date": "0001-01-01"}),
    ("/ledgers/weekly-template/", {"week": "9999-12-31", "unit": "houma"}),
])
def test_out_of_range_date_is_a_clear_400_not_a_500(client, clerk, url, query):
    # given
    client.force_login(clerk)
    # when
    response = client.get(url, query)
    # then
    assert response.status_code == 400
    assert "日期应在2000年01月01日至2100年12月31日之间" in response.content.decode()


def _weekly_upload_token(client) -> str:
    template = client.get(reverse("ledgers:weekly_template"), {"week": "2025-10-06"}).content
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.active
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == "LF-2023-018")
    sheet.cell(row, 3, "80%")
    sheet.cell(row, 4, "2,000")
    sheet.cell(row, 5, "1800")
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(reverse("ledgers:upload"),
                           {"kind": "weekly", "file": SimpleUploadedFile("周调度.xlsx", buffer.getvalue())})
    return response["Location"].rstrip("/").split("/")[-1]


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_double_clicked_import_confirm_imports_once_and_answers_the_same(client, county_liaison, accept):
    # given an uploaded weekly sheet
    client.force_login(county_liaison)
    token = _weekly_upload_token(client)
    # when the confirm is sent twice
    first = client.post(reverse("ledgers:confirm", args=[token]), HTTP_ACCEPT=accept)
    second = client.post(reverse("ledgers:confirm", args=[token]), HTTP_ACCEPT=accept)
    # then one import, and the second answer is the first's
    assert first.status_code == second.status_code
    if accept == "application/json":
        assert first.json() == second.json()
    else:
        assert first["Location"] == second["Location"]
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_IMPORT, actor=county_liaison).count() == 1


def _failing_download(monkeypatch):
    import ledgers.views

    def explode(**kwargs):
        raise RuntimeError("SECRET internal detail")

    monkeypatch.setattr(ledgers.views, "ledger_build", explode)


@override_settings(DEBUG=True)
def test_debug_page_is_never_shown_to_a_user_on_another_machine(client, county_liaison, monkeypatch):
    # given the demo's DEBUG, and an error in a page
    _failing_download(monkeypatch)
    client.raise_request_exception = False
    client.force_login(county_liaison)
    # when a county user (another machine) meets it
    response = client.get("/ledgers/download/weekly/", REMOTE_ADDR="10.14.2.7")
    # then the Chinese 500 page, no technical detail
    page = response.content.decode()
    assert response.status_code == 500
    assert "服务暂时不可用" in page
    assert "SECRET" not in page and "Traceback" not in page and "SECRET_KEY" not in page


@override_settings(DEBUG=True)
def test_debug_page_is_shown_to_a_developer_on_localhost(client, county_liaison, monkeypatch):
    # given
    _failing_download(monkeypatch)
    client.raise_request_exception = False
    client.force_login(county_liaison)
    # when
    response = client.get("/ledgers/download/weekly/", REMOTE_ADDR="127.0.0.1")
    # then
    assert response.status_code == 500
    assert "SECRET internal detail" in response.content.decode()
