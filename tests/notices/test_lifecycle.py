"""Numbering, immutability, the recipient loop with permissions, delivery retries, uploads."""
import json
import smtplib
import threading
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, connections

from notices import mail as notice_mail
from notices import services
from notices.models import (
    AnswerAttachment,
    AnswerStatus,
    Delivery,
    DeliveryStatus,
    Notice,
    NoticeAnswer,
    NoticeKind,
    NoticeState,
    NumberCounter,
)
from outreach.models import Message, MessageKind, MessageStatus
from outreach.tasks import sending as sending_tasks
from tracker.choices import AuditAction
from tracker.models import AuditEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _draft(kind, unit, clerk, key):
    return services.notice_draft_create(
        kind=kind, recipient_units=[unit], context={"reason": "测试规则", "items": []}, source_key=key,
        acting_user=clerk)


@pytest.mark.django_db
def test_numbers_are_sequential_per_prefix_and_year(contacts, houma, clerk, leader):
    # given two letters sharing the 专办函 代字
    first = _draft(NoticeKind.WARNING, houma, clerk, "t:1")
    second = _draft(NoticeKind.SUPERVISION, houma, clerk, "t:2")
    # when both are signed
    first = services.notice_sign_and_issue(notice_id=first.pk, acting_user=leader)
    second = services.notice_sign_and_issue(notice_id=second.pk, acting_user=leader)
    # then they take consecutive numbers of the same sequence
    assert (first.number_sequence, second.number_sequence) == (1, 2)
    assert second.number == f"临一泓专办函〔{second.number_year}〕2号"


@pytest.mark.django_db
def test_failed_render_consumes_no_number_and_stores_nothing(contacts, houma, clerk, leader):
    # given a draft, and a renderer that fails
    notice = _draft(NoticeKind.WARNING, houma, clerk, "t:fail")
    # when signing fails
    with mock.patch("notices.rendering.render_pdf", side_effect=RuntimeError("排版失败")):
        with pytest.raises(RuntimeError):
            services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
    # then nothing changed: no number, no counter, no delivery
    notice = Notice.objects.get(pk=notice.pk)
    assert notice.state == NoticeState.DRAFT and notice.number is None
    assert not NumberCounter.objects.filter(number_prefix="临一泓专办函", last_number__gt=0).exists()
    assert not Delivery.objects.filter(notice=notice).exists()
    # and the next issue takes number 1
    assert services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader).number_sequence == 1


@pytest.mark.django_db
def test_failed_save_after_render_rolls_back_number_and_file(contacts, houma, clerk, leader, settings):
    # given a draft, and a failure after the PDF was written
    notice = _draft(NoticeKind.WARNING, houma, clerk, "t:fail2")
    files_before = set((settings.MEDIA_ROOT / "notices").rglob("*.pdf"))
    with mock.patch("notices.models.Delivery.objects.bulk_create", side_effect=RuntimeError("写库失败")):
        with pytest.raises(RuntimeError):
            services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
    # then no number was consumed and no PDF is left behind
    assert not NumberCounter.objects.filter(last_number__gt=0, number_prefix="临一泓专办函").exists()
    assert set((settings.MEDIA_ROOT / "notices").rglob("*.pdf")) == files_before


@pytest.mark.django_db
def test_issued_notice_cannot_be_changed(supervision_letter):
    # given an issued notice
    notice = Notice.objects.get(pk=supervision_letter.pk)
    # when its title is changed
    notice.title = "改过的标题"
    # then saving is refused
    with pytest.raises(ValidationError):
        notice.save()
    with pytest.raises(ValidationError):
        Notice.objects.get(pk=notice.pk).delete()
    assert Notice.objects.get(pk=notice.pk).title == supervision_letter.title


@pytest.mark.django_db
def test_draft_create_is_idempotent_on_source_key(contacts, houma, clerk):
    # given / when the same rule fires twice
    first = _draft(NoticeKind.REMINDER, houma, clerk, "rule:slow:houma:2025-09")
    second = _draft(NoticeKind.REMINDER, houma, clerk, "rule:slow:houma:2025-09")
    # then one notice exists
    assert first.pk == second.pk
    assert Notice.objects.filter(source_key="rule:slow:houma:2025-09").count() == 1


@pytest.mark.django_db
def test_weekly_report_issues_automatically_and_letters_wait_for_signoff(contacts, houma, clerk):
    # given a weekly report and a letter
    report = services.notice_draft_create(kind=NoticeKind.WEEKLY_REPORT, to_city_government=True,
                                          context={"blocks": [{"kind": "p", "text": "本周情况。"}]},
                                          acting_user=clerk)
    letter = _draft(NoticeKind.SUPERVISION, houma, clerk, "t:wait")
    # when both are advanced
    report = services.notice_advance_after_draft(notice_id=report.pk, acting_user=clerk)
    letter = services.notice_advance_after_draft(notice_id=letter.pk, acting_user=clerk)
    # then the report is issued (and delivered), the letter waits; a clerk cannot sign it
    assert report.number and report.state in (NoticeState.ISSUED, NoticeState.DELIVERED)
    assert letter.state == NoticeState.PENDING_SIGNOFF and letter.number is None
    with pytest.raises(PermissionDenied):
        services.notice_sign_and_issue(notice_id=letter.pk, acting_user=clerk)


@pytest.mark.django_db
def test_whole_recipient_loop_through_the_pages(supervision_letter, county_liaison, other_county_liaison,
                                                clerk, client):
    notice = supervision_letter
    # given the letter was emailed with its PDF
    assert any(m.attachments and m.attachments[0][0] == f"{notice.number}.pdf" for m in mail.outbox)
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.DELIVERED
    # another county's liaison cannot see it
    client.force_login(other_county_liaison)
    assert client.get(f"/notices/{notice.pk}/").status_code == 404
    assert client.get(f"/notices/{notice.pk}/pdf/").status_code == 404
    assert client.post(f"/notices/{notice.pk}/acknowledge/").status_code == 404
    # the addressed liaison sees it in the inbox as unread and awaiting acknowledgement
    client.force_login(county_liaison)
    page = client.get("/notices/inbox/?filter=ack").content.decode()
    assert notice.title in page
    pdf = client.get(f"/notices/{notice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Disposition"].startswith("inline")  # read in place
    # acknowledges
    client.post(f"/notices/{notice.pk}/acknowledge/")
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.ACKNOWLEDGED
    assert Delivery.objects.get(notice=notice).acknowledged_at is not None
    # answers with a picture
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(f"/notices/{notice.pk}/answer/", {
        "text": "已整改。", "attachments": [SimpleUploadedFile("照片.png", PNG, content_type="image/png")]})
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.ANSWERED
    attachment = AnswerAttachment.objects.get(answer__notice=notice)
    # the other county cannot download the attachment; the office can
    client.force_login(other_county_liaison)
    assert client.get(f"/notices/attachments/{attachment.pk}/").status_code == 404
    # the office returns it with a reason
    client.force_login(clerk)
    download = client.get(f"/notices/attachments/{attachment.pk}/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    client.post(f"/notices/{notice.pk}/return/", {"reason": "整改措施不具体"})
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.ACKNOWLEDGED
    assert NoticeAnswer.objects.get(notice=notice).status == AnswerStatus.RETURNED
    # the liaison answers again and the office closes it
    services.notice_answer(notice_id=notice.pk, acting_user=county_liaison, text="已细化措施。")
    client.post(f"/notices/{notice.pk}/close/", {"comment": "同意办结"})
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.CLOSED
    # every step is in the audit log
    transitions = list(AuditEvent.objects.filter(action=AuditAction.NOTICE, object_id=str(notice.pk))
                       .values_list("data__transition", flat=True))
    for step in ("issue", "deliver", "acknowledge", "answer", "return", "close"):
        assert step in transitions


@pytest.mark.django_db
@pytest.mark.parametrize("name,content,message", [
    ("报告.exe", b"MZ" + b"\x00" * 50, "类型不被接受"),
    ("伪装.pdf", b"MZ" + b"\x00" * 50, "与文件内容不符"),
    ("照片.png", b"%PDF-1.7 not a png", "与文件内容不符"),
])
def test_rejected_upload_changes_nothing(supervision_letter, county_liaison, name, content, message):
    # given an acknowledged letter
    services.notice_acknowledge(notice_id=supervision_letter.pk, acting_user=county_liaison)
    # when an answer comes with a bad file
    with pytest.raises(ValidationError) as refused:
        services.notice_answer(notice_id=supervision_letter.pk, acting_user=county_liaison, text="已整改",
                               files=[services.UploadedAttachment(name=name, content=content)])
    # then the message says what and where, and nothing was written
    assert name in str(refused.value) and message in str(refused.value)
    assert not NoticeAnswer.objects.filter(notice=supervision_letter).exists()
    assert Notice.objects.get(pk=supervision_letter.pk).state == NoticeState.ACKNOWLEDGED


@pytest.mark.django_db
def test_oversized_upload_refused(supervision_letter, county_liaison, settings):
    settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES = 1024
    services.notice_acknowledge(notice_id=supervision_letter.pk, acting_user=county_liaison)
    with pytest.raises(ValidationError, match="超过大小上限（1 KB）"):
        too_big = services.UploadedAttachment(name="大.pdf", content=b"%PDF-" + b"0" * 2048)
        services.notice_answer(notice_id=supervision_letter.pk, acting_user=county_liaison, text="已整改",
                               files=[too_big])
    assert not NoticeAnswer.objects.exists()


@pytest.mark.django_db
def test_delivery_failure_is_retried_without_duplicates(contacts, houma, clerk, leader,
                                                        django_capture_on_commit_callbacks):
    # given SMTP fails on the first attempt
    notice = _draft(NoticeKind.WARNING, houma, clerk, "t:retry")
    real_send = notice_mail.notice_email_send
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise smtplib.SMTPServerDisconnected("连接断开")
        return real_send(**kwargs)

    with mock.patch("notices.mail.notice_email_send", side_effect=flaky):
        with django_capture_on_commit_callbacks(execute=True):
            notice = services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
        delivery = Delivery.objects.get(notice=notice)
        (message,) = Message.objects.filter(delivery=delivery, kind=MessageKind.NEW_LETTER)
        # then the failure is recorded with a back-off, and the recipient still waits to be told
        assert message.status == MessageStatus.FAILED and message.attempts == 1
        assert "连接断开" in message.last_error and message.next_attempt_at is not None
        assert delivery.status == DeliveryStatus.PENDING
        assert Notice.objects.get(pk=notice.pk).state == NoticeState.ISSUED
        # when the sweep runs after the back-off
        Message.objects.filter(pk=message.pk).update(
            next_attempt_at=message.next_attempt_at.replace(year=2000)
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert sending_tasks.retry_due_messages() == 1
        # and runs again, and the task is redelivered by the broker
        sending_tasks.retry_due_messages()
        sending_tasks.send_message(message.pk)
    # then exactly one email went out and the notice is delivered
    delivery.refresh_from_db()
    message.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and message.attempts == 2
    assert len(mail.outbox) == 1
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.DELIVERED


@pytest.mark.django_db
def test_notices_command_json(supervision_letter):
    # given an issued letter
    out = StringIO()
    # when listed as JSON
    call_command("notices", "--kind", "督办函", "--unit", "houma", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    # then the fields are there
    assert len(rows) == 1
    row = rows[0]
    assert row["number"] == supervision_letter.number and row["kind"] == "督办函" and row["state"] == "已送达"
    assert row["recipients"] == ["侯马市"] and row["sha256"] == supervision_letter.sha256
    assert row["pdf"].endswith(".pdf") and row["issued_at"] and row["deadline"]


@pytest.mark.django_db
def test_correction_references_the_corrected_notice(supervision_letter, clerk, leader):
    correction = services.notice_correct(notice_id=supervision_letter.pk, acting_user=clerk,
                                         correction_text="第一项形象进度应为40%。")
    correction = services.notice_sign_and_issue(notice_id=correction.pk, acting_user=leader)
    assert correction.corrects_id == supervision_letter.pk and correction.kind == NoticeKind.CORRECTION
    assert Notice.objects.get(pk=supervision_letter.pk).sha256 == supervision_letter.sha256


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_is_gapless_and_unique(demo_ledger, contacts, houma, clerk, leader):
    # given eight drafts sharing one 代字
    drafts = [_draft(NoticeKind.REMINDER, houma, clerk, f"t:c{i}").pk for i in range(8)]
    errors = []
    barrier = threading.Barrier(4)

    def sign(ids):
        try:
            barrier.wait()
            for notice_id in ids:
                services.notice_sign_and_issue(notice_id=notice_id, acting_user=leader)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    # when four threads issue them at the same time
    threads = [threading.Thread(target=sign, args=(drafts[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every notice has a distinct number and the numbers are 1..8 without gaps
    assert not errors, errors
    sequences = sorted(Notice.objects.filter(pk__in=drafts).values_list("number_sequence", flat=True))
    assert sequences == list(range(1, 9)), (connection.vendor, sequences)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_on_postgresql(on_postgres, demo_ledger, contacts, houma, clerk, leader):
    if not on_postgres:
        return  # it ran (and passed) in a child pytest on PostgreSQL
    drafts = [_draft(NoticeKind.REMINDER, houma, clerk, f"t:pg{i}").pk for i in range(12)]
    barrier = threading.Barrier(6)
    errors = []

    def sign(ids):
        try:
            barrier.wait()
            for notice_id in ids:
                services.notice_sign_and_issue(notice_id=notice_id, acting_user=leader)
        except Exception as error:  # pragma: no cover
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(drafts[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    numbers = Notice.objects.filter(pk__in=drafts).values_list("number_sequence", flat=True)
    assert sorted(numbers) == list(range(1, 13))


@pytest.mark.django_db
def test_overdue_when_answer_deadline_passes(contacts, houma, clerk, leader, county_liaison):
    import datetime as dt

    import time_machine

    from notices import selectors

    shanghai = dt.timezone(dt.timedelta(hours=8))
    # given a supervision letter issued on Thursday 2025-09-04 (answer due in 10 working days)
    with time_machine.travel(dt.datetime(2025, 9, 4, 10, 0, tzinfo=shanghai), tick=False):
        notice = services.notice_sign_and_issue(
            notice_id=_draft(NoticeKind.SUPERVISION, houma, clerk, "t:overdue").pk, acting_user=leader)
        services.notice_acknowledge(notice_id=notice.pk, acting_user=county_liaison)
    assert notice.answer_deadline == dt.date(2025, 9, 18)
    # when the deadline day comes, then it is not overdue yet
    with time_machine.travel(dt.datetime(2025, 9, 18, 17, 0, tzinfo=shanghai), tick=False):
        assert not Notice.objects.get(pk=notice.pk).is_overdue
    # when the day after comes without an answer, then it is overdue in the office list and the inbox
    with time_machine.travel(dt.datetime(2025, 9, 19, 9, 0, tzinfo=shanghai), tick=False):
        assert Notice.objects.get(pk=notice.pk).is_overdue
        entry = next(e for e in selectors.inbox_for(user=county_liaison) if e.notice.pk == notice.pk)
        assert entry.overdue and entry.awaiting_answer


@pytest.mark.django_db
def test_only_drafts_can_be_voided(supervision_letter, contacts, houma, clerk):
    # given a draft and an issued letter
    draft = _draft(NoticeKind.REMINDER, houma, clerk, "t:void")
    # when both are voided
    voided = services.notice_void(notice_id=draft.pk, acting_user=clerk, reason="重复")
    # then the draft is void and the issued one refuses
    assert voided.state == NoticeState.VOIDED
    with pytest.raises(ValidationError, match="更正通知"):
        services.notice_void(notice_id=supervision_letter.pk, acting_user=clerk)


@pytest.mark.django_db
def test_liaison_cannot_close_or_return(supervision_letter, county_liaison):
    services.notice_acknowledge(notice_id=supervision_letter.pk, acting_user=county_liaison)
    services.notice_answer(notice_id=supervision_letter.pk, acting_user=county_liaison, text="已整改")
    with pytest.raises(PermissionDenied):
        services.notice_close(notice_id=supervision_letter.pk, acting_user=county_liaison)
    with pytest.raises(PermissionDenied):
        services.notice_return(notice_id=supervision_letter.pk, acting_user=county_liaison, reason="x")
    assert Notice.objects.get(pk=supervision_letter.pk).state == NoticeState.ANSWERED


@pytest.mark.django_db
def test_letter_to_one_unit_names_it_in_the_default_title(contacts, houma, clerk):
    notice = services.notice_draft_create(kind=NoticeKind.SUPERVISION, recipient_units=[houma.pk],
                                          context={"reason": "规则", "items": []}, acting_user=clerk)
    assert notice.title == "关于侯马市生态保护工程进度滞后的督办函"
    assert notice.main_recipients == "侯马市人民政府"
