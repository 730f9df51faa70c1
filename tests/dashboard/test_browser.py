"""End-to-end tests in headless Chromium (Debian's, driven by Playwright) against a live server.

Screenshots of the main pages go to test-artifacts/ (git-ignored).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from tracker import services
from tracker.choices import ProjectState
from tracker.models import Project

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls happen
# in its own thread, but Django's async-safety check would still refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "Yihong@2025"


@pytest.fixture
def page_for(browser, live_server, demo_ledger):
    """page_for(username) → a logged-in page; CSP violations and script errors are collected."""
    contexts = []

    def open_page(username: str):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on("console", lambda msg: page.problems.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.base = live_server.url
        return page

    yield open_page
    for context in contexts:
        context.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


def test_dashboard_renders_three_maps_with_95_coloured_markers(page_for):
    # given
    page = page_for("clerk")
    expected = {}
    for state in Project.objects.values_list("state", flat=True):
        expected[state] = expected.get(state, 0) + 1
    # when
    page.goto(f"{page.base}/dashboard/")
    page.wait_for_selector("body[data-maps-ready=true]")
    # then
    progress = page.locator("#map-progress")
    assert progress.get_attribute("data-marker-count") == "95"
    colours = json.loads(progress.get_attribute("data-marker-colours"))
    assert colours.get("#7b2cbf") == expected.get(ProjectState.EFFECTIVE)  # 达效
    assert colours.get("#2e9e44") == expected.get(ProjectState.UNDER_CONSTRUCTION)  # 开工 green
    assert colours.get("#1f5fbf") == expected.get(ProjectState.COMPLETED)  # 完工 blue
    assert colours.get("#6b6b6b") == expected.get(ProjectState.SUSPENDED)  # 停工
    for chart_id in ("map-progress", "map-distribution", "map-sections", "chart-timeline"):
        assert page.locator(f"#{chart_id} canvas").count() >= 1
    assert page.locator("#map-distribution").get_attribute("data-zone-markers") == "1"  # 临汾经济开发区
    assert int(page.locator("#map-sections").get_attribute("data-section-count")) > 0
    assert page.problems == []
    _shot(page, "dashboard")


def test_clicking_a_marker_opens_its_project(page_for):
    # given
    page = page_for("clerk")
    project = Project.objects.exclude(longitude=None).order_by("map_number").first()
    page.goto(f"{page.base}/dashboard/")
    page.wait_for_selector("body[data-maps-ready=true]")
    x, y = page.evaluate(
        "([lon, lat]) => echarts.getInstanceByDom(document.getElementById('map-progress'))"
        ".convertToPixel({geoIndex: 0}, [lon, lat])",
        [float(project.longitude), float(project.latitude)],
    )
    box = page.locator("#map-progress").bounding_box()
    # when: hover shows the project, a click opens it
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_timeout(300)
    tooltip = page.locator("#map-progress").inner_text()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    # then
    assert f"{project.map_number}号" in tooltip
    assert page.url.endswith(f"/projects/{project.pk}/")


def test_as_of_date_picker_redraws_with_earlier_counts(page_for):
    # given
    page = page_for("cityleader")
    page.goto(f"{page.base}/dashboard/?as_of=2025-09-30")
    page.wait_for_selector("body[data-maps-ready=true]")
    started_late = int(page.locator("#figure-started").inner_text())
    # when: the picker submits the filters on change
    with page.expect_navigation():
        page.fill("#as-of", "2023-09-30")
        page.locator("#as-of").dispatch_event("change")
    page.wait_for_selector("body[data-maps-ready=true]")
    # then
    started_early = int(page.locator("#figure-started").inner_text())
    assert started_early < started_late
    colours = json.loads(page.locator("#map-progress").get_attribute("data-marker-colours"))
    assert colours.get("#d7263d", 0) > 0  # red 前期 markers are back in 2023
    assert page.locator("#map-progress").get_attribute("data-marker-count") == "95"
    _shot(page, "dashboard-2023")


def test_clerk_reports_a_week_and_starts_a_project_after_the_guard_refuses(
    page_for, preparation_project, leader, tmp_path
):
    # given (开工 asks for the 开工令 and a word why)
    start_order = tmp_path / "开工令.pdf"
    start_order.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page = page_for("clerk")
    base = page.base
    # when: the weekly report
    page.goto(f"{base}/projects/{preparation_project.pk}/report/")
    page.fill("#id_week_start", "2025-09-22")
    page.fill("#id_progress_percent", "5")
    page.fill("#id_completed_investment", "60")
    page.fill("#id_funds_in_place", "100")
    # a past week is closed to the units; the Office corrects it saying why
    page.fill("#id_correction_reason", "补录开工前的周调度")
    page.click("#weekly-form button[type=submit]")
    page.wait_for_load_state()
    # then
    assert "已保存" in page.locator(".messages").inner_text()
    # when: start while the permit is still in progress
    page.fill("form[data-transition=start] input[name=reason]", "具备开工条件")
    page.set_input_files("form[data-transition=start] input[name=evidence]", str(start_order))
    page.locator("form[data-transition=start] button[type=submit]").click()
    page.wait_for_load_state()
    # then: the guard's refusal, in Chinese
    assert "施工许可" in page.locator(".messages").inner_text()
    assert page.locator("#project-state").inner_text() == "前期"
    _shot(page, "project-refused")
    # when: the permit is granted and the clerk tries again
    services.procedure_update(project_id=preparation_project.pk, kind="construction_permit",
                              acting_user=leader, status="done", completed_on=dt.date(2025, 9, 15))
    page.reload()
    page.fill("form[data-transition=start] input[name=effective_on]", "2025-09-25")
    page.fill("form[data-transition=start] input[name=reason]", "施工许可已办结")
    page.set_input_files("form[data-transition=start] input[name=evidence]", str(start_order))
    page.locator("form[data-transition=start] button[type=submit]").click()
    page.wait_for_load_state()
    # then
    assert page.locator("#project-state").inner_text() == "开工"
    preparation_project.refresh_from_db()
    assert preparation_project.state == ProjectState.UNDER_CONSTRUCTION
    assert page.problems == []
    _shot(page, "project-started")


def test_county_liaison_cannot_open_another_countys_project(page_for):
    # given
    page = page_for("county_houma")
    other = Project.objects.exclude(unit__code="houma").first()
    # when
    response = page.goto(f"{page.base}/projects/{other.pk}/")
    # then
    assert response.status == 404  # another county's project answers like a missing one
    assert "页面不存在" in page.content()
    _shot(page, "403")


def test_county_liaison_lands_on_unit_page_and_ledger_is_readable_on_a_phone(browser, live_server,
                                                                             demo_ledger):
    # given
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "county_houma")
    page.fill("#id_password", PASSWORD)
    # when
    page.click("button[type=submit]")
    page.wait_for_load_state()
    # then
    assert page.url.endswith("/unit/")
    assert "侯马市" in page.locator("h1").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1 or page.locator(".table-scroll").count() > 0
    _shot(page, "unit-phone")
    context.close()


@pytest.fixture
def houma_letter(demo_ledger, clerk, leader):
    """An issued 督办函 to 侯马市 (acknowledgement and an answer required)."""
    from demo.notices import email_endpoints_from_demo_users
    from notices import services as notice_services
    from notices.models import NoticeKind
    from tracker.models import AdministrativeUnit

    email_endpoints_from_demo_users()
    houma = AdministrativeUnit.objects.get(code="houma")
    notice = notice_services.notice_draft_create(
        kind=NoticeKind.SUPERVISION,
        title="关于侯马市汾河治理工程进度滞后的督办函",
        recipient_units=[houma],
        context={
            "reason": "“形象进度低于月进展计划20个百分点”督办规则",
            "items": [{"project_id": 1, "project_code": "LF-001", "project_name": "汾河侯马段综合治理工程",
                       "facts": "计划完工2025年10月31日，形象进度45%，低于计划30个百分点。",
                       "requirement": "请于反馈期限前报送整改情况。"}],
            "requirements": "请你单位高度重视，逐项制定整改措施，并于反馈期限前将整改情况书面报送专班办。",
        },
        source_key="web-test:supervision:houma",
        acting_user=clerk,
    )
    notice_services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)
    return notice_services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)


def test_county_liaison_acknowledges_and_answers_a_letter(page_for, houma_letter, tmp_path):
    # given
    page = page_for("county_houma")
    evidence = tmp_path / "整改照片.png"
    evidence.write_bytes(bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                                       "0000000d49444154789c63000100000500010d0a2db400000000"
                                       "49454e44ae426082"))
    # when: the inbox lists the letter, the liaison opens and acknowledges it
    page.goto(f"{page.base}/notices/inbox/")
    page.get_by_role("link", name=houma_letter.title).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="签收").click()
    page.wait_for_load_state()
    # then it can be answered, with an attachment
    page.fill("textarea[name=text]", "已召开专题会议，倒排工期，增加施工力量，预计10月底完成主体工程。")
    page.set_input_files("input[name=attachments]", str(evidence))
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_load_state()
    # then
    from notices.models import Notice

    assert Notice.objects.get(pk=houma_letter.pk).state == "answered"
    assert "已召开专题会议" in page.content()
    _shot(page, "letter-answered")


def test_county_liaison_cannot_open_another_countys_letter(browser, live_server, houma_letter):
    # given
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "county_yaodu")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    # when
    response = page.goto(f"{live_server.url}/notices/{houma_letter.pk}/")
    # then
    assert response.status in (403, 404)
    assert houma_letter.title not in page.content()
    context.close()


def test_clerk_requests_a_rollback_and_the_leader_approves_it(page_for, tmp_path):
    # given a completed project
    from tracker.models import RollbackRequest

    project = Project.objects.filter(state=ProjectState.COMPLETED).order_by("map_number").first()
    evidence = tmp_path / "复验意见.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%%EOF\n")
    clerk_page = page_for("clerk")
    # when the clerk files the request from the project page
    clerk_page.goto(f"{clerk_page.base}/projects/{project.pk}/")
    assert clerk_page.locator("form[data-transition=reopen]").count() == 0
    _shot(clerk_page, "project-clerk-edits")
    form = clerk_page.locator("form[data-rollback=reopen]")
    form.locator("input[name=reason]").fill("复验发现堤防渗漏，需返工")
    form.locator("input[name=evidence]").set_input_files(str(evidence))
    form.locator("button[type=submit]").click()
    clerk_page.wait_for_load_state()
    # then the project is unchanged and the request waits
    assert "待专班办领导审批" in clerk_page.locator(".messages").inner_text()
    assert clerk_page.locator("#project-state").inner_text() == "完工"
    request = RollbackRequest.objects.get(project=project)
    # when the leader approves it from the leader page
    leader_page = page_for("leader")
    assert leader_page.url.endswith("/leader/")
    card = leader_page.locator(f".rollback-request[data-request='{request.pk}']")
    assert "复验发现堤防渗漏" in card.inner_text()
    _shot(leader_page, "leader-rollbacks")
    card.locator("form.rollback-approve input[name=note]").fill("同意返工")
    card.locator("form.rollback-approve button[type=submit]").click()
    leader_page.wait_for_load_state()
    # then the project moved back, and its page says why
    assert "已批准" in leader_page.locator(".messages").inner_text()
    project.refresh_from_db()
    assert project.state == ProjectState.UNDER_CONSTRUCTION
    clerk_page.reload()
    assert clerk_page.locator("#project-state").inner_text() == "开工"
    assert "已批准" in clerk_page.locator(".rollback-requests").inner_text()
    assert clerk_page.problems == [] and leader_page.problems == []
    leader_page.goto(f"{leader_page.base}/dispatch/thresholds/")
    _shot(leader_page, "leader-thresholds")
