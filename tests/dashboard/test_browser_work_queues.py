"""Every role lands on its work queue, in headless Chromium at 1280 px and 390 px:
after a calendar run the landing page's counts are the database's, and acting on an item moves
them. Screenshots go to test-artifacts/ (git-ignored)."""
from __future__ import annotations

import io
import os
import re
import threading
from pathlib import Path

import pytest
from django.core.management import call_command

from dashboard.queues import work_queues
from notices.models import READ_ONLY_KINDS, Delivery, Notice, NoticeState

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "Yihong@2025"
LANDINGS = {"leader": "/leader/", "clerk": "/office/", "cityleader": "/city/", "county_houma": "/unit/",
            "dept_water": "/department/"}
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def calendar_run(demo_ledger):
    """A Monday of the calendar: the daily scan, the weekly job and the month's letters."""
    _in_thread(lambda: call_command("run_cycle", date="2025-09-01", quiet=True, stdout=io.StringIO()))


def _in_thread(action):
    """Run `action` in a thread of its own: Playwright's event loop runs in the test's thread, and
    the services' rendering must not see it."""
    errors, results = [], []

    def run():
        try:
            results.append(action())
        except Exception as error:  # noqa: BLE001  (re-raised below, in the test's thread)
            errors.append(error)
        finally:
            from django.db import connection

            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return results[0]


@pytest.fixture
def login(browser, live_server):
    contexts = []

    def open_page(username: str, width: int):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
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


def _cards(page) -> dict[str, int]:
    return {card.get_attribute("data-queue"): int(card.locator("strong").get_attribute("data-count"))
            for card in page.locator(".queue-card").all()}


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"queues-{name}.png"), full_page=True)


@pytest.mark.parametrize("username", LANDINGS)
def test_landing_page_counts_match_the_database_after_a_calendar_run(calendar_run, login, username):
    # given a Monday of the calendar (daily scan, weekly and monthly jobs)
    for width in WIDTHS:
        # when the user logs in, on a desktop and on a phone
        page = login(username, WIDTHS[width])
        # then they land on their work queue, whose counts are the database's
        assert page.url.endswith(LANDINGS[username])
        expected = {q.key: q.count for q in work_queues(user=_user(username)).queues}
        assert _cards(page) == expected
        if username == "county_houma":
            unit = _user(username).staff_profile.unit
            waiting = (Delivery.objects.filter(unit=unit, acknowledged_at__isnull=True)
                       .exclude(notice__kind__in=list(READ_ONLY_KINDS))
                       .exclude(notice__state=NoticeState.CLOSED).count())
            assert _cards(page)["ack"] == waiting
        if username in ("leader", "clerk"):
            assert _cards(page)["signoff"] == Notice.objects.filter(state=NoticeState.PENDING_SIGNOFF).count()
        # and the navigation's badge says the same as the page
        badge = page.locator(".nav-home .badge")
        total = work_queues(user=_user(username), with_watch_lists=False).due_total
        assert (badge.get_attribute("data-count") if badge.count() else "0") == str(total)
        # and nothing overflows the screen's width
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width] + 1
        _shot(page, f"{username}-{width}")


def test_county_acknowledges_from_the_landing_page_and_the_count_drops(calendar_run, login):
    # given the calendar's letters to 侯马市 signed by the leader
    from notices.services import notice_sign_and_issue

    leader = _user("leader")
    for notice in Notice.objects.filter(state=NoticeState.PENDING_SIGNOFF, recipient_units__code="houma"):
        _in_thread(lambda pk=notice.pk: notice_sign_and_issue(notice_id=pk, acting_user=leader))
    page = login("county_houma", 390)
    before = _cards(page)
    assert before["ack"] >= 1
    # when the liaison opens the first letter waiting and signs for it
    page.locator("#ack .queue-list a").first.click()
    page.locator("form[action$='/acknowledge/'] button").click()
    page.goto(f"{page.base}/unit/")
    # then
    after = _cards(page)
    assert after["ack"] == before["ack"] - 1
    assert after == {q.key: q.count for q in work_queues(user=_user("county_houma")).queues}


def test_leader_signs_from_the_landing_page_and_the_count_drops(calendar_run, login):
    # given
    page = login("leader", 1280)
    before = _cards(page)
    if before["signoff"] == 0:
        pytest.fail("日历运行后应有待签发的公文")
    # when the leader signs the first letter waiting
    page.locator("#signoff form[action$='/sign/'] button, #signoff a").first.click()
    if "/notices/" in page.url:
        page.locator("form[action$='/sign/'] button").first.click()
    page.goto(f"{page.base}/leader/")
    # then
    after = _cards(page)
    assert after["signoff"] == before["signoff"] - 1
    assert re.search(r"\d", page.locator(".nav-home").inner_text())
