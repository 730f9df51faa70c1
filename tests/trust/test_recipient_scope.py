"""On a notice sent to several units each recipient sees only its own answers, and the
read-only 市领导 neither acknowledges nor answers."""
from __future__ import annotations

import pytest

from notices import services
from notices.models import Delivery, NoticeKind, NoticeState
from tracker.models import AdministrativeUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter_to_two_counties(contacts, clerk, leader, django_capture_on_commit_callbacks):
    """A 督办函 to 侯马市 and 尧都区; 侯马市 has answered with an attachment and been sent back."""
    units = list(AdministrativeUnit.objects.filter(code__in=["houma", "yaodu"]))
    notice = services.notice_draft_create(
        kind=NoticeKind.SUPERVISION, title="关于侯马市、尧都区工程进度滞后的督办函", recipient_units=units,
        context={"reason": "权限测试", "items": [], "requirements": "请于反馈期限前报送整改情况。"},
        source_key="test:two-counties", acting_user=clerk)
    services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
    return notice


def _houma_answers(notice, county_liaison):
    services.notice_acknowledge(notice_id=notice.pk, acting_user=county_liaison)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    services.notice_answer(notice_id=notice.pk, acting_user=county_liaison, text="侯马市整改内容：已完成清淤三千方",
                           files=[services.UploadedAttachment(name="侯马整改报告.pdf", content=pdf)])


def test_a_county_sees_only_its_own_answer_on_a_notice_to_several_counties(
        client, letter_to_two_counties, county_liaison, other_county_liaison, clerk):
    # given: 侯马市 answered
    notice = letter_to_two_counties
    _houma_answers(notice, county_liaison)
    # when: 尧都区 opens the notice
    client.force_login(other_county_liaison)
    page = client.get(f"/notices/{notice.pk}/")
    # then: it sees its own delivery, none of 侯马市's answer, attachment or status
    body = page.content.decode()
    assert page.status_code == 200
    assert "已完成清淤三千方" not in body and "侯马整改报告.pdf" not in body
    assert list(page.context["answers"]) == []
    # and 侯马市 still sees its own
    client.force_login(county_liaison)
    own = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "已完成清淤三千方" in own and "侯马整改报告.pdf" in own


def test_office_staff_still_see_every_answer(client, letter_to_two_counties, county_liaison, clerk):
    # given
    notice = letter_to_two_counties
    _houma_answers(notice, county_liaison)
    # when
    client.force_login(clerk)
    body = client.get(f"/notices/{notice.pk}/").content.decode()
    # then
    assert "已完成清淤三千方" in body and "侯马整改报告.pdf" in body


@pytest.fixture
def report_to_the_city(contacts, clerk, django_capture_on_commit_callbacks):
    """A weekly report to the city government (issued automatically, delivered to 市政府)."""
    with django_capture_on_commit_callbacks(execute=True):
        report = services.notice_draft_create(kind=NoticeKind.WEEKLY_REPORT, to_city_government=True,
                                              context={"blocks": [{"kind": "p", "text": "本周情况。"}]},
                                              acting_user=clerk)
        report = services.notice_advance_after_draft(notice_id=report.pk, acting_user=clerk)
    assert report.state in (NoticeState.ISSUED, NoticeState.DELIVERED)
    return report


def test_city_leader_cannot_acknowledge_a_notice(client, report_to_the_city, city_leader):
    # given
    notice = report_to_the_city
    client.force_login(city_leader)
    # when
    page = client.get(f"/notices/{notice.pk}/")
    response = client.post(f"/notices/{notice.pk}/acknowledge/")
    # then: the page offers no 签收 and the post is refused; nothing is acknowledged
    assert page.status_code == 200 and f"notices/{notice.pk}/acknowledge/" not in page.content.decode()
    assert response.status_code == 403
    assert not Delivery.objects.filter(notice=notice, acknowledged_at__isnull=False).exists()


def test_city_leader_cannot_acknowledge_through_the_service(report_to_the_city, city_leader):
    from django.core.exceptions import PermissionDenied

    # when / then
    with pytest.raises(PermissionDenied):
        services.notice_acknowledge(notice_id=report_to_the_city.pk, acting_user=city_leader)
