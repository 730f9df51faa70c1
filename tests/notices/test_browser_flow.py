"""拟稿 → 核稿 → 签发 → 签收 walked in headless Chromium, and the leader's batch signature.

Fixtures as in tests/dashboard/test_browser.py (Debian's /usr/bin/chromium driven by Playwright,
a live server); screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notices.models import Notice, NoticeKind, NoticeState
from tests.notices import sample_files

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "Yihong@2025"


@pytest.fixture
def page_for(browser, live_server, demo_ledger):
    """page_for(username, width=1280) → a logged-in page; script errors and CSP violations collected."""
    contexts = []

    def open_page(username: str, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on(
            "console",
            lambda msg: (
                page.problems.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
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
    page.screenshot(path=str(ARTIFACTS / f"notices-{name}.png"), full_page=True)


def _office_contact_set() -> None:
    from notices.services import arrangements
    from offices.keys import LetterContactKey
    from offices.models import OfficeSetting

    if arrangements.office_contact() is None:
        OfficeSetting.objects.update_or_create(key=LetterContactKey.NAME, defaults={"value": "刘志强"})
        OfficeSetting.objects.update_or_create(key=LetterContactKey.PHONE, defaults={"value": "0357-1234567"})


def test_a_summons_drafted_by_hand_is_reviewed_returned_amended_signed_and_acknowledged_on_a_phone(
    page_for, tmp_path
):
    from demo.notices import email_endpoints_from_demo_users

    email_endpoints_from_demo_users()
    _office_contact_set()
    attachment = tmp_path / "约谈议程.pdf"
    attachment.write_bytes(sample_files.blank_pdf())
    # given a clerk drafting a 约谈通知 by hand, with an attachment
    clerk = page_for("clerk")
    clerk.goto(f"{clerk.base}/notices/new/")
    clerk.select_option("select[name=kind]", NoticeKind.SUMMONS)
    clerk.fill("input[name=title]", "关于约谈侯马市生态保护工程推进不力问题的通知")
    clerk.get_by_label("侯马市", exact=True).check()
    clerk.fill(
        "textarea[name=body]",
        "经研究，决定对你市生态保护工程推进不力问题进行约谈。\n一、约谈事由\n"
        "（一）开工率偏低。\n请准时参加。",
    )
    clerk.fill("input[name=meeting_at]", "2025-10-10T09:30")
    clerk.fill("input[name=meeting_place]", "市政府3号会议室")
    clerk.fill("input[name=meeting_convener]", "专班办主任")
    clerk.fill("input[name=meeting_attendees]", "侯马市分管副市长")
    clerk.fill("input[name=meeting_materials]", "整改方案")
    clerk.fill("input[name=file_title]", "约谈议程")
    clerk.set_input_files("input[name=files]", str(attachment))
    clerk.click("button[name=save]")
    notice = Notice.objects.get(title="关于约谈侯马市生态保护工程推进不力问题的通知")
    assert notice.files.count() == 1 and notice.context["attachments"] == ["约谈议程"]
    clerk.click("button[name=submit]")
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.PENDING_REVIEW
    # when a second clerk reviews and returns it with a reason
    reviewer = page_for("clerk_eco")
    reviewer.goto(f"{reviewer.base}/notices/{notice.pk}/")
    reviewer.fill("textarea[name=opinion]", "请写明约谈后的整改要求")
    reviewer.click("button[value=return]")
    # and the drafter amends it and sends it again, and the second clerk passes it
    clerk.goto(f"{clerk.base}/notices/{notice.pk}/")
    assert "请写明约谈后的整改要求" in clerk.inner_text("[data-testid=sent-back]")
    clerk.click("text=修改草稿")
    clerk.fill(
        "textarea[name=body]", clerk.input_value("textarea[name=body]") + "\n约谈后10个工作日内报送整改方案。"
    )
    clerk.click("button[name=save]")
    clerk.click("button[name=submit]")
    reviewer.goto(f"{reviewer.base}/notices/{notice.pk}/")
    reviewer.fill("textarea[name=opinion]", "核稿无误")
    reviewer.click("button[value=approve]")
    # and the leader reads the whole letter, previews the PDF and signs with an opinion
    leader = page_for("leader")
    leader.goto(f"{leader.base}/notices/{notice.pk}/")
    letter = leader.inner_text("article.letter-text")
    assert "约谈后10个工作日内报送整改方案。" in letter and "附件：约谈议程" in letter
    _shot(leader, "signoff-page")
    preview = leader.request.get(leader.base + leader.get_attribute("[data-testid=preview-link]", "href"))
    assert preview.ok and preview.headers["content-type"] == "application/pdf"
    assert preview.headers["content-disposition"].startswith("inline")
    leader.fill("input[name=opinion]", "同意，请侯马市按时参加")
    leader.click("button[name=sign]")
    issued = Notice.objects.get(pk=notice.pk)
    assert (
        issued.number
        and issued.sign_opinion == "同意，请侯马市按时参加"
        and issued.signed_by.username == "leader"
    )
    # then the county lead reads it on a 390 px phone, opens the PDF inline and acknowledges it
    phone = page_for("county_houma", width=390)
    phone.goto(f"{phone.base}/notices/{notice.pk}/")
    assert "约谈后10个工作日内报送整改方案。" in phone.inner_text("article.letter-text")
    assert "电子签章有效" in phone.inner_text("[data-testid=signature-status]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert "SHA-256" not in phone.content()
    _shot(phone, "phone-390")
    pdf = phone.request.get(f"{phone.base}/notices/{notice.pk}/pdf/")
    assert pdf.ok and pdf.headers["content-disposition"].startswith("inline")
    phone.click("form[action$='/acknowledge/'] button")
    assert issued.deliveries.get(unit__code="houma").acknowledged_at is not None
    assert not (clerk.problems + reviewer.problems + leader.problems + phone.problems)


def test_the_leader_batch_signs_five_calendar_drafts_after_opening_each(page_for):
    from django.contrib.auth import get_user_model

    from demo.notices import email_endpoints_from_demo_users
    from notices import services
    from tracker.models import AdministrativeUnit

    email_endpoints_from_demo_users()
    clerk = get_user_model().objects.get(username="clerk")
    # given five calendar 提醒函 waiting for 签发
    drafts = []
    for unit in AdministrativeUnit.objects.order_by("display_order")[:5]:
        notice = services.notice_draft_create(
            kind=NoticeKind.REMINDER,
            recipient_units=[unit],
            source_key=f"test:R2:{unit.code}",
            context={"reason": "提醒规则", "items": [], "requirements": "请加快建设进度。"},
            acting_user=clerk,
        )
        drafts.append(services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk))
    assert {n.state for n in drafts} == {NoticeState.PENDING_SIGNOFF}
    leader = page_for("leader")
    # when the leader cannot tick one not yet opened, then opens each and signs them in one batch
    leader.goto(f"{leader.base}/notices/desk/")
    assert leader.locator("input[name=notices]").count() == 0
    for notice in drafts:
        leader.goto(f"{leader.base}/notices/{notice.pk}/")
        assert "请加快建设进度" in leader.inner_text("article.letter-text")
    leader.goto(f"{leader.base}/notices/desk/")
    boxes = leader.locator("input[name=notices]")
    assert boxes.count() == 5
    for index in range(5):
        boxes.nth(index).check()
    _shot(leader, "batch-desk")
    leader.click("button[name=batch]")
    # then all five are issued, numbered and signed by the leader
    signed = Notice.objects.filter(pk__in=[n.pk for n in drafts])
    assert all(n.is_issued and n.number and n.signed_by.username == "leader" for n in signed)
    assert "已签发5件" in leader.content()
    assert not leader.problems
