"""A returned 反馈 is due again by a new deadline."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from notices import services
from notices.models import Notice, NoticeState

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _answered(letter, liaison):
    services.notice_acknowledge(notice_id=letter.pk, acting_user=liaison)
    services.notice_answer(notice_id=letter.pk, acting_user=liaison, text="已整改")


def test_returned_answer_gets_five_working_days_by_default(supervision_letter, county_liaison, clerk):
    # given an answered letter
    _answered(supervision_letter, county_liaison)
    # when the office returns it on Friday 17 October 2025
    notice = services.notice_return(notice_id=supervision_letter.pk, acting_user=clerk, reason="佐证材料不全",
                                    on_date=dt.date(2025, 10, 17))
    # then it is due again five working days later, and the letter's own deadline is untouched
    assert notice.resubmit_deadline == dt.date(2025, 10, 24)
    assert notice.answer_due == dt.date(2025, 10, 24)
    assert Notice.objects.get(pk=notice.pk).answer_deadline == supervision_letter.answer_deadline


def test_returned_answer_is_not_overdue_before_its_new_deadline(supervision_letter, county_liaison, clerk):
    # given the letter's deadline has passed, and the answer is returned with a new one
    _answered(supervision_letter, county_liaison)
    after = supervision_letter.answer_deadline + dt.timedelta(days=3)
    with time_machine.travel(dt.datetime.combine(after, dt.time(10), tzinfo=SHANGHAI), tick=False):
        notice = services.notice_return(notice_id=supervision_letter.pk, acting_user=clerk, reason="数据不实",
                                        new_deadline=after + dt.timedelta(days=4))
        # then it is not overdue until the new day has passed
        assert notice.state != NoticeState.ANSWERED
        assert not Notice.objects.get(pk=notice.pk).is_overdue
    with time_machine.travel(dt.datetime.combine(after + dt.timedelta(days=5), dt.time(10), tzinfo=SHANGHAI),
                             tick=False):
        assert Notice.objects.get(pk=notice.pk).is_overdue


def test_office_sets_the_new_deadline_on_the_page_and_the_unit_sees_it(
    client, supervision_letter, county_liaison, clerk
):
    # given
    _answered(supervision_letter, county_liaison)
    client.force_login(clerk)
    # when
    client.post(f"/notices/{supervision_letter.pk}/return/",
                {"reason": "请补充现场照片", "new_deadline": "2099-01-09"})
    # then
    client.force_login(county_liaison)
    page = client.get(f"/notices/{supervision_letter.pk}/").content.decode()
    assert "重新反馈期限" in page and "2099-01-09" in page


def test_new_deadline_in_the_past_is_refused(supervision_letter, county_liaison, clerk):
    _answered(supervision_letter, county_liaison)
    with pytest.raises(services.NoticeRefused):
        services.notice_return(notice_id=supervision_letter.pk, acting_user=clerk, reason="x",
                               new_deadline=dt.date(2000, 1, 1))


def test_a_returned_answer_is_not_late_for_the_calendar_or_the_office_queue_before_its_new_deadline(
    supervision_letter, county_liaison, clerk
):
    # given the letter's own deadline has passed, and its answer was returned with a new deadline
    from dashboard.queues import work_queues
    from dispatch.letters_for_firings import answer_deadlines

    _answered(supervision_letter, county_liaison)
    after = supervision_letter.answer_deadline + dt.timedelta(days=3)
    new_deadline = after + dt.timedelta(days=4)
    with time_machine.travel(dt.datetime.combine(after, dt.time(10), tzinfo=SHANGHAI), tick=False):
        services.notice_return(notice_id=supervision_letter.pk, acting_user=clerk, reason="数据不实",
                               new_deadline=new_deadline)
        # when
        deadlines = answer_deadlines(notice_ids=[supervision_letter.pk])
        office = work_queues(user=clerk, today=after)
    # then the calendar's escalation and the office's 逾期 queue go by the new deadline
    assert deadlines == {supervision_letter.pk: new_deadline}
    overdue = [q for q in office.queues if "逾期" in q.label]
    assert overdue and all(supervision_letter.title not in item.text for q in overdue for item in q.items)
