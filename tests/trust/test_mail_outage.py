"""The mail server unreachable while notices are issued: each recipient's new-letter e-mail (one
outbound path: outreach's message on the e-mail channel, the PDF attached) is recorded as failed
with its next attempt time, retried with a growing back-off, and sent exactly once when a real
SMTP server (aiosmtpd, on a local port) comes up — however many times the sweep runs after that.
Meanwhile the recipient's Delivery waits (待通知), and turns 已通知 with the send."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email import policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from notices import services
from notices.models import Delivery, DeliveryStatus, Notice, NoticeKind, NoticeState
from outreach import services as outreach_services
from outreach.models import Channel, Endpoint, Message, MessageKind, MessageStatus, Scope
from outreach.tasks import sending as sending_tasks
from tracker.models import AdministrativeUnit


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens there yet: the mail server is down
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 3
    return settings


def _sweep(at: dt.datetime, django_capture_on_commit_callbacks) -> int:
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        return sending_tasks.retry_due_messages()


@pytest.mark.django_db
def test_deliveries_wait_out_a_mail_outage_and_are_sent_once_when_it_returns(
    contacts,
    houma,
    clerk,
    leader,
    smtp_settings,
    django_capture_on_commit_callbacks,
):
    # given a letter to two counties, issued while the mail server is unreachable
    yaodu = AdministrativeUnit.objects.get(code="yaodu")
    draft = services.notice_draft_create(
        kind=NoticeKind.WARNING,
        recipient_units=[houma, yaodu],
        context={"reason": "测试规则", "items": []},
        source_key="trust:mail:outage",
        acting_user=clerk,
    )
    issued_at = timezone.now()
    with time_machine.travel(issued_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_sign_and_issue(notice_id=draft.pk, acting_user=leader)
    deliveries = list(Delivery.objects.filter(notice=notice).order_by("pk"))
    mails = list(Message.objects.filter(notice=notice, kind=MessageKind.NEW_LETTER, channel=Channel.EMAIL))
    assert len(deliveries) == 2 and {m.delivery_id for m in mails} == {d.pk for d in deliveries}
    # then each e-mail is recorded as failed, the error kept, the next attempt a minute on
    for message in mails:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
        assert "Connection refused" in message.last_error or "ConnectionRefusedError" in message.last_error
        assert message.next_attempt_at == issued_at + dt.timedelta(minutes=1)
    # and the recipients wait to be told (a retry is due), the letter stays 已签发
    assert {d.status for d in Delivery.objects.filter(notice=notice)} == {DeliveryStatus.PENDING}
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.ISSUED
    # when the sweep runs before the back-off has passed, nothing is tried
    assert _sweep(issued_at + dt.timedelta(seconds=30), django_capture_on_commit_callbacks) == 0
    # and after it, with the server still down: both fail again and back off longer (5 minutes)
    second_try = issued_at + dt.timedelta(minutes=2)
    assert _sweep(second_try, django_capture_on_commit_callbacks) == len(mails)
    for message in mails:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.FAILED, 2)
        assert message.next_attempt_at == second_try + dt.timedelta(minutes=5)
    assert _sweep(second_try + dt.timedelta(minutes=4), django_capture_on_commit_callbacks) == 0
    # when the mail server comes back and the sweep runs after the back-off, then again and again
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
    server.start()
    try:
        third_try = second_try + dt.timedelta(minutes=6)
        assert _sweep(third_try, django_capture_on_commit_callbacks) == len(mails)
        assert _sweep(third_try + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
        assert _sweep(third_try + dt.timedelta(days=1), django_capture_on_commit_callbacks) == 0
        # a broker redelivering the task once more sends nothing either
        for message in mails:
            sending_tasks.send_message(message.pk)
    finally:
        server.stop()
    # then each recipient got the letter exactly once, with its PDF, and the notice is delivered
    recipients = sorted(address for message in inbox.messages for address in message["To"].split(", "))
    expected = sorted(message.endpoint.address for message in mails)
    assert recipients == expected, "sent once per recipient: nothing lost, nothing duplicated"
    assert all(notice.number in message["Subject"] for message in inbox.messages)
    assert all(
        [part.get_content_type() for part in message.iter_attachments()] == ["application/pdf"]
        for message in inbox.messages
    )
    for message in mails:
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 3, "")
        assert message.next_attempt_at is None
    assert {d.status for d in Delivery.objects.filter(notice=notice)} == {DeliveryStatus.SENT}
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.DELIVERED


@pytest.mark.django_db
def test_one_email_per_recipient_per_letter_whatever_endpoints_exist(
    contacts, houma, clerk, leader, smtp_settings, django_capture_on_commit_callbacks
):
    # given 侯马市 reached by its liaison's own mailbox, the same mailbox entered again as the
    # county's (in other letter case, with a second address beside it), and the county's office
    liaison = Endpoint.objects.get(scope=Scope.PERSON, user__staff_profile__unit=houma, channel=Channel.EMAIL)
    Endpoint.objects.create(channel=Channel.EMAIL, scope=Scope.UNIT, unit=houma, label="联络员（重复录入）",
                            address=liaison.address.upper())
    Endpoint.objects.create(channel=Channel.EMAIL, scope=Scope.UNIT, unit=houma, label="县专班办",
                            address="houma-office@example.gov.cn")
    Endpoint.objects.create(channel=Channel.EMAIL, scope=Scope.UNIT, unit=houma, label="县专班办（再录一次）",
                            address="houma-office@example.gov.cn")
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
    server.start()
    try:
        # when a letter to 侯马市 is issued, and the daily scan runs over it again
        draft = services.notice_draft_create(kind=NoticeKind.WARNING, recipient_units=[houma],
                                             context={"reason": "测试规则", "items": []},
                                             source_key="trust:mail:once", acting_user=clerk)
        with django_capture_on_commit_callbacks(execute=True):
            notice = services.notice_sign_and_issue(notice_id=draft.pk, acting_user=leader)
        with django_capture_on_commit_callbacks(execute=True):
            outreach_services.reminders_plan(on_date=notice.issued_on)
    finally:
        server.stop()
    # then every mailbox got the letter's PDF exactly once
    letters = [m for m in inbox.messages if notice.number in m["Subject"]]
    addresses = sorted(address.lower() for m in letters for address in m["To"].split(", "))
    assert addresses == sorted([liaison.address.lower(), "houma-office@example.gov.cn"])
    assert all([p.get_content_type() for p in m.iter_attachments()] == ["application/pdf"] for m in letters)
    assert Delivery.objects.get(notice=notice).status == DeliveryStatus.SENT
