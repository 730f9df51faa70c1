"""Every path that serves an issued PDF checks its SHA-256 first
(notices.integrity.issued_pdf_check) and refuses a tampered file with a Chinese message, an
audit row and an e-mail to the office leaders."""
from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse

from notices.integrity import IssuedPdfRefused, issued_pdf_check
from outreach.channels import ChannelError
from outreach.models import Channel, Message, MessageKind, MessageStatus
from outreach.sending import message_send
from tracker.choices import AuditAction
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db

LEADER_EMAIL = "leader@linfen.example.gov.cn"


def _tamper(notice) -> None:
    path = default_storage.path(notice.pdf.name)
    with open(path, "r+b") as handle:
        handle.seek(-20, 2)
        byte = handle.read(1)
        handle.seek(-20, 2)
        handle.write(bytes([byte[0] ^ 0xFF]))


def _refusals(notice) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.filter(action=AuditAction.NOTICE, object_id=notice.pk)
            if e.data.get("transition") == "pdf_refused"]


@pytest.fixture
def leader_with_email(leader):
    leader.email = LEADER_EMAIL
    leader.save()
    return leader


def test_intact_pdf_downloads_as_issued(client, supervision_letter, county_liaison):
    # given
    client.force_login(county_liaison)
    # when
    response = client.get(reverse("notices:pdf", args=[supervision_letter.pk]))
    # then
    assert response.status_code == 200
    with default_storage.open(supervision_letter.pdf.name, "rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_tampered_pdf_download_is_refused_audited_and_reported_to_the_leader(
    client, supervision_letter, county_liaison, leader_with_email,
):
    # given the stored PDF changed by one byte after issue
    _tamper(supervision_letter)
    mail.outbox.clear()
    client.force_login(county_liaison)
    # when the county downloads it
    response = client.get(reverse("notices:pdf", args=[supervision_letter.pk]))
    # then no PDF goes out, the reader is told why in Chinese, the audit log and the leader know
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "未通过校验" in page and "已通知专班办领导" in page
    (refusal,) = _refusals(supervision_letter)
    assert refusal.data["problem"] == "tampered" and refusal.actor == county_liaison
    alerts = [m for m in mail.outbox if LEADER_EMAIL in m.to]
    assert len(alerts) == 1 and supervision_letter.number in alerts[0].subject


def test_tampered_pdf_is_never_emailed_on_delivery_or_resend(supervision_letter, leader_with_email):
    # given a delivery to be sent again, and a PDF changed after issue
    message = Message.objects.filter(notice=supervision_letter, kind=MessageKind.NEW_LETTER,
                                     channel=Channel.EMAIL).first()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    _tamper(supervision_letter)
    mail.outbox.clear()
    # when the e-mail is (re)sent
    with pytest.raises(ChannelError, match="未通过校验"):
        message_send(message_id=message.pk)
    # then nothing with the PDF left; the message says why
    assert [m for m in mail.outbox if m.attachments] == []
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "未通过校验" in message.last_error
    assert len(_refusals(supervision_letter)) == 1


def test_missing_pdf_is_refused_by_the_one_gate(supervision_letter):
    # given
    default_storage.delete(supervision_letter.pdf.name)
    # when / then
    with pytest.raises(IssuedPdfRefused) as refused:
        issued_pdf_check(supervision_letter)
    assert "文件缺失" in refused.value.messages[0]
