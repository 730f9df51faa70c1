"""What is sent when: new letters, deadline reminders, 本周未报 — each once, under its natural key."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from notices import services as notice_services
from outreach import planning, sending, services
from outreach.models import Message, MessageKind, MessageStatus
from tests.outreach.conftest import issue_letter
from tracker.models import WeeklyReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(receiver, houma_endpoints, houma, clerk, leader, django_capture_on_commit_callbacks):
    return issue_letter(houma=houma, clerk=clerk, leader=leader, capture=django_capture_on_commit_callbacks)


def test_issuing_a_letter_announces_it_once_on_every_channel_of_its_recipient(letter, receiver):
    # then
    announced = Message.objects.filter(kind=MessageKind.NEW_LETTER, notice=letter)
    # (by e-mail twice: to the county's mailbox and to its liaison's own — two mailboxes, each once)
    assert sorted(announced.values_list("channel", flat=True)) == ["dingtalk", "email", "email", "sms",
                                                                   "wecom"]
    assert set(announced.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert sorted(entry["channel"] for entry in receiver.received) == ["dingtalk", "sms", "wecom"]
    [email] = [m for m in mail.outbox if m.to == ["houma-liaison@example.gov.cn"]]
    by_email = announced.get(channel="email", endpoint__address="houma-liaison@example.gov.cn")
    assert f"https://yihong.linfen.example.gov.cn/outreach/m/{by_email.token}/" in email.body
    assert by_email.link == f"https://yihong.linfen.example.gov.cn/notices/{letter.pk}/"
    assert len(set(announced.values_list("token", flat=True))) == 5
    assert email.attachments and email.attachments[0][0] == f"{letter.number}.pdf"


def test_the_working_day_before_the_ack_deadline_reminds_once_however_often_the_scan_runs(
    letter, receiver, django_capture_on_commit_callbacks
):
    # given
    day_before = planning._previous_working_day(letter.acknowledge_deadline)
    received_before = len(receiver.received)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reminders_plan(on_date=day_before)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.reminders_plan(on_date=day_before)
    # then
    reminders = Message.objects.filter(kind=MessageKind.ACK_DUE, notice=letter)
    assert first >= 4 and second == 0
    assert reminders.count() == 5 and set(reminders.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert len(receiver.received) - received_before == 3
    assert "签收期限为" in reminders.first().text and "尚未签收" in reminders.first().text


def test_the_first_working_day_after_the_deadline_sends_the_overdue_reminder(
    letter, django_capture_on_commit_callbacks
):
    # given
    day_after = planning.workdays.add_working_days(letter.acknowledge_deadline, 1)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_plan(on_date=day_after)
    # then
    overdue = Message.objects.filter(kind=MessageKind.ACK_OVERDUE, notice=letter)
    assert overdue.count() == 5 and "已超过签收期限" in overdue.first().text


def test_a_letter_signed_for_gets_no_ack_reminder(letter, county_liaison, django_capture_on_commit_callbacks):
    # given
    notice_services.notice_acknowledge(notice_id=letter.pk, acting_user=county_liaison)
    day_before = planning._previous_working_day(letter.acknowledge_deadline)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_plan(on_date=day_before)
    # then
    assert not Message.objects.filter(kind__in=(MessageKind.ACK_DUE, MessageKind.ACK_OVERDUE)).exists()


def test_a_reminder_planned_before_the_letter_was_signed_is_skipped_not_sent(letter, county_liaison,
                                                                            receiver):
    # given a reminder planned, then the county signs before its task runs
    day_before = planning._previous_working_day(letter.acknowledge_deadline)
    services.reminders_plan(on_date=day_before)
    notice_services.notice_acknowledge(notice_id=letter.pk, acting_user=county_liaison)
    received_before = len(receiver.received)
    # when
    for pk in Message.objects.filter(kind=MessageKind.ACK_DUE).values_list("pk", flat=True):
        sending.message_send(message_id=pk)
    # then
    statuses = Message.objects.filter(kind=MessageKind.ACK_DUE).values_list("status", flat=True)
    assert set(statuses) == {"skipped"}
    assert len(receiver.received) == received_before


def test_weekly_unreported_reminder_follows_the_official_calendar_with_its_make_up_working_day(
    receiver, houma_endpoints, django_capture_on_commit_callbacks
):
    # given 2025-09-28 is a Sunday made a working day (调休); the weekly dispatch closes the week on 09-29
    friday, sunday = dt.date(2025, 9, 26), dt.date(2025, 9, 28)
    # and 侯马市 has not reported that week yet
    WeeklyReport.objects.filter(week_start=dt.date(2025, 9, 22),
                                project__unit=houma_endpoints["sms"].unit).delete()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_plan(on_date=friday)
    on_friday = Message.objects.filter(kind=MessageKind.WEEKLY_UNREPORTED).count()
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_plan(on_date=sunday)
    # then
    weekly = Message.objects.filter(kind=MessageKind.WEEKLY_UNREPORTED)
    assert on_friday == 0
    assert weekly.count() == 4 and weekly.first().due_on == dt.date(2025, 9, 29)
    assert weekly.first().subject.endswith(f"unit:{houma_endpoints['sms'].unit_id}")
    assert "未报送9月22日当周调度信息" in weekly.first().text
    assert weekly.first().link == "https://yihong.linfen.example.gov.cn/"


def test_the_daily_calendar_job_runs_the_reminder_scan(letter, django_capture_on_commit_callbacks):
    # given
    from core.actors import SYSTEM
    from dispatch.services import daily_scan_run

    day_before = planning._previous_working_day(letter.acknowledge_deadline)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        daily_scan_run(on_date=day_before, acting_user=SYSTEM)
    # then
    assert Message.objects.filter(kind=MessageKind.ACK_DUE, notice=letter).count() == 5


def test_the_letters_email_carries_its_pdf_its_number_and_the_absolute_link(letter):
    # then every e-mail of the new letter (one per mailbox) is the document itself: 文号 and 标题
    # as its subject, the PDF attached, and the absolute link that opens the letter to sign it
    letters = [m for m in mail.outbox if m.attachments]
    assert len(letters) == 2 and all(m.subject == f"{letter.number} {letter.title}" for m in letters)
    tokens = set(Message.objects.filter(notice=letter, kind=MessageKind.NEW_LETTER, channel="email")
                 .values_list("token", flat=True))
    assert {next(t for t in tokens if f"/outreach/m/{t}/" in m.body) for m in letters} == tokens


def test_a_calendar_run_in_2025_plans_every_message_on_its_business_date(
    houma_endpoints, receiver, django_capture_on_commit_callbacks
):
    import io

    import time_machine
    from django.core.management import call_command

    # given every liaison and city leader reachable by e-mail, 侯马市 on every channel, and a wall
    # clock at the end of 2026
    from demo.notices import email_endpoints_from_demo_users
    from outreach.models import Endpoint

    email_endpoints_from_demo_users()
    assert Endpoint.objects.count() > len(houma_endpoints)
    wall_clock = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    # when the calendar runs two weeks of 2025 with the demo's people signing and answering
    with time_machine.travel(wall_clock, tick=False):
        call_command("demo_history", date="2025-03-03", until="2025-03-14", quiet=True, stdout=io.StringIO())
    # then messages were planned — new letters, 批示 and reminders — each on a 2025 date within
    # the run, and due on a 2025 date: nothing from the wall clock
    planned = list(Message.objects.values_list("kind", "planned_on", "due_on"))
    assert {kind for kind, _, _ in planned} >= {MessageKind.NEW_LETTER}
    assert all(dt.date(2025, 3, 3) <= planned_on <= dt.date(2025, 3, 14) for _, planned_on, _ in planned)
    assert all(due_on.year == 2025 for _, _, due_on in planned)
    # and every new letter is planned on the day the letter was issued, or by the next days' scan
    # when its announcement did not run (here: the test's transaction never commits)
    for message in Message.objects.filter(kind=MessageKind.NEW_LETTER).select_related("notice"):
        assert 0 <= (message.planned_on - message.notice.issued_on).days <= planning.ANNOUNCE_DAYS
