"""The ledger page in headless Chromium: upload → preview → confirm with the progress script (CSP on)."""
from __future__ import annotations

import os

import pytest

from ledgers.exporting import MASTER_HEADERS
from tests.ledgers.sheets import xlsx_bytes
from tracker.choices import AuditAction
from tracker.models import AuditEvent, Project

# Playwright's sync API runs an event loop in this thread (see tests/web/test_browser.py).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Yihong@2025"


@pytest.fixture
def clerk_page(browser, live_server, demo_ledger):
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(20_000)
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda msg: page.problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.base = live_server.url
    yield page
    page.close()


def test_clerk_uploads_previews_and_confirms_a_master_ledger(clerk_page, tmp_path):
    # given a sheet with one new project
    row = ["", "LF-2025-951", "汾河洪洞段生态缓冲带工程", "洪洞", "市生态环境局", "生态", "洪洞县生态环境局", "缓冲带3公里",
           "860万元", "2025年11月", "2026-06-30", "前期", "", "", "", "", ""]
    path = tmp_path / "总台账.xlsx"
    path.write_bytes(xlsx_bytes([MASTER_HEADERS, row], title_rows=["临汾市“一泓清水入黄河”生态保护工程总台账"]))
    page = clerk_page
    # when uploaded from the ledger page
    page.goto(f"{page.base}/ledgers/")
    page.select_option("#id_kind", "master")
    page.set_input_files("#id_file", str(path))
    page.click("text=上传并预览")
    page.wait_for_selector("text=将写入的内容")
    # then the preview shows the new project, and nothing is written yet
    assert "LF-2025-951" in page.content()
    assert not Project.objects.filter(code="LF-2025-951").exists()
    # when confirmed (the script posts and polls progress, then goes to the result)
    page.click("text=确认导入")
    page.wait_for_selector("text=导入完成")
    # then
    assert "新增1个" in page.content()
    assert Project.objects.filter(code="LF-2025-951").exists()
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_IMPORT).count() == 1
    assert page.problems == []
