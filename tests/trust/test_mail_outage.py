"""The mail server unreachable while notices are issued: each delivery is queued as failed with
its next attempt time, retried with a growing back-off, and sent exactly once when a real SMTP
server (aiosmtpd, on a local port) comes up — however many times the sweep runs after that."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email import policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from notices import services, tasks
from notices.models import Delivery, DeliveryStatus, Notice, NoticeKind, NoticeState
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
        return tasks.retry_failed_deliveries()


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
    assert len(deliveries) == 2 and all(d.emails for d in deliveries)
    # then each delivery is queued as failed, the error recorded, the next attempt a minute on
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
        assert "Connection refused" in delivery.last_error or "ConnectionRefusedError" in delivery.last_error
        assert delivery.next_attempt_at == issued_at + dt.timedelta(minutes=1)
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.ISSUED
    # when the sweep runs before the back-off has passed, nothing is tried
    assert _sweep(issued_at + dt.timedelta(seconds=30), django_capture_on_commit_callbacks) == 0
    # and after it, with the server still down: both fail again and back off longer (5 minutes)
    second_try = issued_at + dt.timedelta(minutes=2)
    assert _sweep(second_try, django_capture_on_commit_callbacks) == 2
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
        assert delivery.next_attempt_at == second_try + dt.timedelta(minutes=5)
    assert _sweep(second_try + dt.timedelta(minutes=4), django_capture_on_commit_callbacks) == 0
    # when the mail server comes back and the sweep runs after the back-off, then again and again
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
    server.start()
    try:
        third_try = second_try + dt.timedelta(minutes=6)
        assert _sweep(third_try, django_capture_on_commit_callbacks) == 2
        assert _sweep(third_try + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
        assert _sweep(third_try + dt.timedelta(days=1), django_capture_on_commit_callbacks) == 0
        # a broker redelivering the task once more sends nothing either
        for delivery in deliveries:
            tasks.deliver_notice_email(delivery.pk)
    finally:
        server.stop()
    # then each recipient got the letter exactly once, with its PDF, and the notice is delivered
    recipients = sorted(address for message in inbox.messages for address in message["To"].split(", "))
    expected = sorted(address for delivery in deliveries for address in delivery.emails)
    assert recipients == expected, "sent once per recipient: nothing lost, nothing duplicated"
    assert all(notice.number in message["Subject"] for message in inbox.messages)
    assert all(
        [part.get_content_type() for part in message.iter_attachments()] == ["application/pdf"]
        for message in inbox.messages
    )
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 3, "")
        assert delivery.next_attempt_at is None
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.DELIVERED
