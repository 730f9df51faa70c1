"""A notice carries the date it is issued for, not the wall clock's: 成文日期, number year,
issued_on/issued_at and the working-day deadlines all follow an explicit `issued_on`."""
import datetime as dt
import io

import pdfplumber
import pytest
import time_machine
from django.utils import timezone

from core import workdays
from notices import services
from notices.models import NoticeKind
from offices.models import DocumentKindSetting
from offices.selectors import document_kind_setting

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# The wall clock is a year and more after the date the notices are issued for.
WALL_CLOCK = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def _text(notice) -> str:
    with notice.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in pdfplumber.open(io.BytesIO(handle.read())).pages)


def _supervision_draft(houma, clerk, key: str):
    return services.notice_draft_create(
        kind=NoticeKind.SUPERVISION, recipient_units=[houma], source_key=key, acting_user=clerk,
        context={"reason": "督办规则", "items": [], "requirements": "请按期反馈。"},
    )


@pytest.mark.django_db
def test_signed_notice_carries_the_given_issue_date_not_the_wall_clock(contacts, houma, clerk, leader):
    # given a 督办函 draft, and a wall clock in November 2026
    draft = _supervision_draft(houma, clerk, "t:dated")
    # when a leader signs it for Tuesday 2025-09-30, the eve of the National Day holiday
    with time_machine.travel(WALL_CLOCK, tick=False):
        notice = services.notice_sign_and_issue(notice_id=draft.pk, acting_user=leader,
                                                issued_on=dt.date(2025, 9, 30))
    # then the number's year, issued_on and issued_at are that day's
    assert notice.number == "临一泓专办函〔2025〕1号"
    assert notice.issued_on == dt.date(2025, 9, 30)
    assert timezone.localtime(notice.issued_at).date() == dt.date(2025, 9, 30)
    # and the deadlines are counted in working days from it: acknowledgement within 1 working day
    # (after the 10-01..08 holiday: 10-09), the answer within 10
    assert notice.acknowledge_deadline == dt.date(2025, 10, 9)
    assert notice.answer_deadline == dt.date(2025, 10, 21)
    assert notice.answer_deadline == workdays.add_working_days(dt.date(2025, 9, 30), 10)
    # and the PDF's 成文日期 is that day, the wall clock's date appears nowhere
    text = _text(notice)
    assert "2025年9月30日" in text and "2026年" not in text


@pytest.mark.django_db
def test_without_an_issue_date_a_notice_is_dated_today(contacts, houma, clerk, leader):
    draft = _supervision_draft(houma, clerk, "t:today")
    with time_machine.travel(WALL_CLOCK, tick=False):
        notice = services.notice_sign_and_issue(notice_id=draft.pk, acting_user=leader)
    assert notice.issued_on == dt.date(2026, 11, 23)
    assert notice.issued_at == WALL_CLOCK
    assert notice.number == "临一泓专办函〔2026〕1号"


@pytest.mark.django_db
def test_recipient_loop_acts_can_be_dated(contacts, houma, clerk, leader, county_liaison):
    # given a letter issued for 2025-03-03
    draft = _supervision_draft(houma, clerk, "t:loop")
    with time_machine.travel(WALL_CLOCK, tick=False):
        notice = services.notice_sign_and_issue(notice_id=draft.pk, acting_user=leader,
                                                issued_on=dt.date(2025, 3, 3))
        # when the liaison signs for it and answers, and the office closes it, each on its own day
        delivery = services.notice_acknowledge(notice_id=notice.pk, acting_user=county_liaison,
                                               on_date=dt.date(2025, 3, 4))
        answer = services.notice_answer(notice_id=notice.pk, acting_user=county_liaison, text="已整改",
                                        on_date=dt.date(2025, 3, 10))
        closed = services.notice_close(notice_id=notice.pk, acting_user=clerk, on_date=dt.date(2025, 3, 12))
    # then each act carries its own date
    assert timezone.localtime(delivery.acknowledged_at).date() == dt.date(2025, 3, 4)
    assert timezone.localtime(answer.submitted_at).date() == dt.date(2025, 3, 10)
    assert timezone.localtime(closed.closed_at).date() == dt.date(2025, 3, 12)


@pytest.mark.django_db
def test_supervision_letters_are_acknowledged_within_one_working_day_by_default(db):
    # given no kind settings yet
    DocumentKindSetting.objects.all().delete()
    # when the 督办函's settings are first needed
    setting = document_kind_setting(NoticeKind.SUPERVISION)
    # then acknowledgement within 1 working day, answer within 10
    assert (setting.acknowledge_workdays, setting.answer_workdays, setting.answer_required) == (1, 10, True)
