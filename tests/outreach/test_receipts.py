"""Receipts: the SMS carrier's report read from the provider (QuerySendDetails, as the local
receiver answers it), and 已读 when a recipient opens the message's own link."""
from __future__ import annotations

import datetime as dt

import pytest
from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone

from notices.models import Delivery
from outreach import sending
from outreach.channels import ChannelError, sms
from outreach.models import Endpoint, Message, MessageKind, MessageStatus
from tests.outreach.conftest import issue_letter

pytestmark = pytest.mark.django_db


def _sent_sms(endpoint) -> Message:
    due = dt.date(2025, 9, 30)
    message = Message.objects.create(
        kind=MessageKind.ACK_DUE, subject="notice:1", endpoint=endpoint, channel=endpoint.channel, due_on=due,
        planned_on=due, recipient_name="侯马市", title="【一泓】签收提醒", text="侯马市：请及时签收。",
        link="https://yihong.linfen.example.gov.cn/notices/1/",
        params={"title": "关于…的督办函", "deadline": "9月30日"},
    )
    return sending.message_send(message_id=message.pk)


def test_sms_delivery_report_is_polled_from_the_provider_and_recorded_with_the_carriers_time(
    receiver, houma_endpoints
):
    # given an SMS the provider accepted (its BizId kept)
    sent = _sent_sms(houma_endpoints["sms"])
    assert sent.status == MessageStatus.SENT and "^" in sent.provider_ref
    # when the carrier has not reported yet, then has
    first = sending.sms_receipts_poll()
    after_first = Message.objects.get(pk=sent.pk)
    second = sending.sms_receipts_poll()
    third = sending.sms_receipts_poll()
    # then
    assert first == {"checked": 1, "delivered": 0, "failed": 0, "waiting": 1, "errors": 0}
    assert after_first.status == MessageStatus.SENT and after_first.delivered_at is None
    assert second["delivered"] == 1 and third["checked"] == 0  # a final report is not asked for again
    delivered = Message.objects.get(pk=sent.pk)
    assert delivered.status == MessageStatus.DELIVERED
    assert abs((delivered.delivered_at - delivered.sent_at).total_seconds()) < 5
    assert delivered.receipt.startswith("已送达（")


def test_a_carriers_failure_report_is_recorded_with_its_code_and_not_retried(receiver, houma_endpoints):
    # given the mobile is suspended: the carrier reports UNDELIV
    receiver.accounts.sms_unreachable["13903570001"] = "UNDELIV"
    sent = _sent_sms(houma_endpoints["sms"])
    # when
    sending.sms_receipts_poll()
    counts = sending.sms_receipts_poll()
    # then
    failed = Message.objects.get(pk=sent.pk)
    assert counts["failed"] == 1
    assert failed.status == MessageStatus.FAILED and failed.last_error.startswith("UNDELIV: 运营商回执发送失败")
    assert failed.delivered_at is None and failed.next_attempt_at is None
    assert sent.pk not in sending.messages_due_for_retry(now=timezone.now() + dt.timedelta(days=1))
    assert failed.receipt.startswith("发送失败（UNDELIV")
    assert len([e for e in receiver.received if e["channel"] == "sms"]) == 1


def test_the_receipt_query_is_signed_like_sendsms_and_a_wrong_secret_is_refused(
    receiver, houma_endpoints, monkeypatch
):
    # given
    sent = _sent_sms(houma_endpoints["sms"])
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
    # when
    counts = sending.sms_receipts_poll()
    # then
    assert counts["errors"] == 1 and counts["delivered"] == 0
    assert Message.objects.get(pk=sent.pk).status == MessageStatus.SENT


def test_a_query_refused_for_one_message_does_not_stop_the_others(receiver, houma_endpoints, houma):
    # given two SMS sent, then the first endpoint's mobile changed to one the provider refuses
    second_phone = Endpoint.objects.create(channel="sms", scope="unit", unit=houma, label="侯马市副联络员手机",
                                           address="13903570002")
    first, second = _sent_sms(houma_endpoints["sms"]), _sent_sms(second_phone)
    Endpoint.objects.filter(pk=houma_endpoints["sms"].pk).update(address="0357-1234567")
    # when
    sending.sms_receipts_poll()
    counts = sending.sms_receipts_poll()
    # then
    assert counts["errors"] == 1 and counts["delivered"] == 1
    assert Message.objects.get(pk=first.pk).status == MessageStatus.SENT
    assert Message.objects.get(pk=second.pk).status == MessageStatus.DELIVERED


def test_beat_polls_the_sms_receipts_every_five_minutes_through_a_thin_task(receiver, houma_endpoints):
    # given the beat schedule (dispatch/schedule.py) and an SMS sent
    from config.celery_app import app
    from outreach.tasks import sending as tasks

    entry = current_app.conf.beat_schedule["outreach-poll-sms-receipts"]
    sent = _sent_sms(houma_endpoints["sms"])
    # when beat's task runs twice
    tasks.poll_sms_receipts.delay().get()
    counts = tasks.poll_sms_receipts.delay().get()
    # then
    assert entry["task"] == "outreach.poll_sms_receipts" in app.tasks
    assert entry["schedule"] == crontab(minute="3-59/5")
    assert counts["delivered"] == 1 and Message.objects.get(pk=sent.pk).status == MessageStatus.DELIVERED


def test_the_provider_refuses_a_send_date_beyond_its_30_days(receiver, houma_endpoints):
    # given
    sent = _sent_sms(houma_endpoints["sms"])
    # when
    with pytest.raises(ChannelError) as refused:
        sms.query_report(phone="13903570001", biz_id=sent.provider_ref,
                         sent_at=timezone.now() - dt.timedelta(days=40))
    # then
    assert refused.value.code == "isv.INVALID_PARAMETERS"


def test_an_sms_without_a_report_after_72_hours_is_no_longer_asked_about(receiver, houma_endpoints):
    # given
    sent = _sent_sms(houma_endpoints["sms"])
    Message.objects.filter(pk=sent.pk).update(sent_at=timezone.now() - dt.timedelta(hours=73))
    # then
    assert sending.sms_receipts_poll()["checked"] == 0


@pytest.fixture
def letter(receiver, houma_endpoints, houma, clerk, leader, django_capture_on_commit_callbacks):
    return issue_letter(houma=houma, clerk=clerk, leader=leader, capture=django_capture_on_commit_callbacks)


def test_opening_the_link_marks_the_message_read_once_by_its_recipient_and_does_not_sign(
    client, letter, county_liaison
):
    # given the 企业微信 announcement of the letter to 侯马市
    message = Message.objects.get(kind=MessageKind.NEW_LETTER, notice=letter, channel="wecom")
    client.force_login(county_liaison)
    # when
    response = client.get(f"/outreach/m/{message.token}/")
    first_read = Message.objects.get(pk=message.pk).read_at
    client.get(f"/outreach/m/{message.token}/")
    # then it leads to the letter, is read by the liaison once, and the letter is not signed for
    assert response.status_code == 302 and response["Location"] == f"/notices/{letter.pk}/"
    read = Message.objects.get(pk=message.pk)
    assert read.read_at is not None and read.read_at == first_read and read.read_by == county_liaison
    assert read.status == MessageStatus.SENT and read.receipt.startswith("已读（")
    assert Delivery.objects.get(notice=letter, unit__code="houma").acknowledged_at is None
    others = Message.objects.filter(notice=letter).exclude(pk=message.pk)
    assert not others.filter(read_at__isnull=False).exists()  # each message has its own token


def test_only_a_recipient_opening_the_link_marks_it_read(client, letter, other_county_liaison, clerk):
    # given
    message = Message.objects.get(kind=MessageKind.NEW_LETTER, notice=letter, channel="dingtalk")
    link = f"/outreach/m/{message.token}/"
    # when a stranger, another county's liaison and the office open it
    anonymous = client.get(link)
    for user in (other_county_liaison, clerk):
        client.force_login(user)
        client.get(link)
    # then
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert Message.objects.get(pk=message.pk).read_at is None
    assert client.get("/outreach/m/not-a-token/").status_code == 404


def test_the_letters_page_shows_sent_delivered_read_and_failed(
    client, receiver, houma_endpoints, houma, clerk, leader, county_liaison, monkeypatch,
    django_capture_on_commit_callbacks,
):
    # given a letter announced while the 企业微信 key is revoked, its SMS delivered, its 钉钉 message read
    monkeypatch.setenv("YIHONG_WECOM_KEY_HOUMA", "revoked-key")
    letter = issue_letter(houma=houma, clerk=clerk, leader=leader, capture=django_capture_on_commit_callbacks)
    sending.sms_receipts_poll()
    sending.sms_receipts_poll()
    ding = Message.objects.get(kind=MessageKind.NEW_LETTER, notice=letter, channel="dingtalk")
    client.force_login(county_liaison)
    client.get(f"/outreach/m/{ding.token}/")
    # when
    client.force_login(clerk)
    page = client.get(f"/notices/{letter.pk}/").content.decode()
    # then
    statuses = dict(Message.objects.filter(notice=letter).values_list("channel", "status"))
    assert statuses == {"wecom": "failed", "dingtalk": "sent", "sms": "delivered", "email": "sent"}
    assert "已送达（" in page and "已读（" in page and "发送失败（93000: invalid webhook url）" in page
    assert "已发送" in page  # the e-mail: nothing reported, not opened
