"""A worker issues a fanned-out letter in steps: number reserved, PDF rendered outside the
numbering lock, then frozen — so letters sharing a 代字 render at once, and the numbers stay
gapless whatever fails between the steps."""
import datetime as dt
import hashlib
import threading
from unittest import mock

import pytest
from django.db import connections

from notices import rendering, services, tasks
from notices.models import Notice, NoticeKind, NoticeState, NumberCounter
from offices.selectors import document_kind_setting
from tracker.models import AuditEvent

ISSUE_DATE = dt.date(2025, 3, 3)


def _auto_issue(kind: str) -> None:
    setting = document_kind_setting(kind)
    setting.auto_issue = True
    setting.save()


def _letter_draft(unit, clerk, key: str, kind: str = NoticeKind.REMINDER) -> Notice:
    return services.notice_draft_create(
        kind=kind, recipient_units=[unit], context={"reason": "测试规则", "items": []}, source_key=key,
        acting_user=clerk)


def _render_failing_once():
    """A render_pdf that fails the first time (a worker killed, a font read error) and then works."""
    real = rendering.render_pdf
    calls = []

    def render(template_name, context):
        calls.append(template_name)
        if len(calls) == 1:
            raise RuntimeError("排版进程中断")
        return real(template_name, context)

    return render, calls


@pytest.mark.django_db
def test_a_letter_issued_in_steps_is_numbered_frozen_and_delivered(contacts, houma, clerk):
    # given an automatically issued kind and its draft
    _auto_issue(NoticeKind.REMINDER)
    draft = _letter_draft(houma, clerk, "t:steps")
    # when a worker advances it in steps
    notice = services.notice_advance_in_steps(notice_id=draft.pk, issued_on=ISSUE_DATE)
    # then it is issued with the first number of the year, dated that day, its PDF frozen
    notice = Notice.objects.get(pk=draft.pk)
    assert notice.is_issued and notice.number == "临一泓专办函〔2025〕1号"
    assert notice.issued_on == ISSUE_DATE and notice.deliveries.count() == 1
    with notice.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == notice.sha256
    # and the audit shows the reservation and the issue, in that order
    transitions = list(AuditEvent.objects.filter(object_type="notice", object_id=notice.pk)
                       .order_by("pk").values_list("data__transition", flat=True))
    assert transitions.index("reserve_number") < transitions.index("issue")


@pytest.mark.django_db
def test_a_sign_off_kind_is_queued_not_numbered(contacts, houma, clerk):
    # given a kind that needs a leader's signature (the default for letters)
    draft = _letter_draft(houma, clerk, "t:signoff")
    # when a worker advances it
    notice = services.notice_advance_in_steps(notice_id=draft.pk, issued_on=ISSUE_DATE)
    # then it waits for sign-off, without a number
    assert notice.state == NoticeState.PENDING_SIGNOFF and notice.number_sequence is None


@pytest.mark.django_db
def test_a_failed_render_keeps_the_number_for_the_retry_and_leaves_no_gap(contacts, houma, clerk):
    # given two drafts sharing the 专办函 代字, and a render that fails once
    _auto_issue(NoticeKind.REMINDER)
    first = _letter_draft(houma, clerk, "t:first")
    second = _letter_draft(houma, clerk, "t:second")
    render, _ = _render_failing_once()
    # when the first letter's render fails after its number was reserved
    with mock.patch.object(rendering, "render_pdf", render), pytest.raises(RuntimeError):
        services.notice_advance_in_steps(notice_id=first.pk, issued_on=ISSUE_DATE)
    first = Notice.objects.get(pk=first.pk)
    # then it is still a draft holding number 1, and cannot be voided (that would leave a gap)
    assert first.state == NoticeState.DRAFT and first.number_sequence == 1 and first.number is None
    with pytest.raises(services.NoticeRefused, match="文号已预留"):
        services.notice_void(notice_id=first.pk, acting_user=clerk)
    # and the next letter takes number 2
    second = services.notice_advance_in_steps(notice_id=second.pk, issued_on=ISSUE_DATE)
    assert second.number_sequence == 2
    # when the task is delivered again (acks late) it issues the first with its reserved number
    first = services.notice_advance_in_steps(notice_id=first.pk, issued_on=ISSUE_DATE)
    assert first.is_issued and first.number == "临一泓专办函〔2025〕1号"
    assert NumberCounter.objects.get(number_prefix="临一泓专办函", year=2025).last_number == 2


@pytest.mark.django_db
def test_a_leader_signing_a_reserved_draft_issues_it_with_its_reserved_number_and_date(
        contacts, houma, clerk, leader):
    # given a draft whose number was reserved on 2025-03-03 before its render failed
    _auto_issue(NoticeKind.REMINDER)
    draft = _letter_draft(houma, clerk, "t:reserved")
    render, _ = _render_failing_once()
    with mock.patch.object(rendering, "render_pdf", render), pytest.raises(RuntimeError):
        services.notice_advance_in_steps(notice_id=draft.pk, issued_on=ISSUE_DATE)
    # when a leader signs it on another day
    notice = services.notice_sign_and_issue(notice_id=draft.pk, acting_user=leader,
                                            issued_on=dt.date(2025, 3, 5))
    # then it keeps the reserved number and date; no second number is taken
    assert notice.number == "临一泓专办函〔2025〕1号" and notice.issued_on == ISSUE_DATE
    assert NumberCounter.objects.get(number_prefix="临一泓专办函", year=2025).last_number == 1


@pytest.mark.django_db
def test_a_draft_changed_while_it_rendered_is_rendered_again_before_it_is_frozen(contacts, houma, clerk):
    # given a draft, and someone correcting its title while the worker renders it
    _auto_issue(NoticeKind.REMINDER)
    draft = _letter_draft(houma, clerk, "t:changed")
    real = rendering.render_pdf
    titles = []

    def render(template_name, context):
        titles.append(context["doc"]["title"])
        if len(titles) == 1:
            changed = Notice.objects.get(pk=draft.pk)
            changed.title = "关于加快推进项目建设进度的提醒函（修改）"
            changed.save()
        return real(template_name, context)

    # when the worker finishes it
    with mock.patch.object(rendering, "render_pdf", render):
        notice = services.notice_advance_in_steps(notice_id=draft.pk, issued_on=ISSUE_DATE)
    # then the frozen PDF is the changed draft's, rendered again under the lock
    assert len(titles) == 2 and titles[1] == notice.title == "关于加快推进项目建设进度的提醒函（修改）"


@pytest.mark.django_db
def test_the_sweep_finishes_a_reserved_draft_whose_task_was_lost(contacts, houma, clerk):
    import time_machine

    # given a draft whose number was reserved and whose task was then lost
    _auto_issue(NoticeKind.REMINDER)
    draft = _letter_draft(houma, clerk, "t:lost")
    render, _ = _render_failing_once()
    with mock.patch.object(rendering, "render_pdf", render), pytest.raises(RuntimeError):
        services.notice_advance_in_steps(notice_id=draft.pk, issued_on=ISSUE_DATE)
    # when the 5-minute sweep runs within 15 minutes, it leaves it to the task still running
    assert tasks.finish_stalled_drafts() == 0
    # and after 15 minutes it sends it again (in-process here), which issues it with number 1
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=services.STALLED_DRAFT_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        assert tasks.finish_stalled_drafts() == 1
    draft = Notice.objects.get(pk=draft.pk)
    assert draft.is_issued and draft.number_sequence == 1 and draft.issued_on == ISSUE_DATE
    assert services.fanned_out_drafts_stalled(now=later) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_letters_sharing_a_prefix_render_at_the_same_time_on_postgresql(on_postgres, demo_ledger, contacts,
                                                                        houma, clerk):
    """The point of issuing in steps: two workers' renders overlap. With the counter locked
    during rendering, the second worker would wait for the first to commit and the barrier
    inside the render would never fill."""
    if not on_postgres:
        return  # it ran (and passed) in a child pytest on PostgreSQL
    _auto_issue(NoticeKind.REMINDER)
    drafts = [_letter_draft(houma, clerk, f"t:overlap{i}").pk for i in range(2)]
    real = rendering.render_pdf
    both_rendering = threading.Barrier(2, timeout=20)
    one_weasyprint_at_a_time = threading.Lock()  # Pango is not thread-safe; workers are processes

    def render(template_name, context):
        both_rendering.wait()  # BrokenBarrierError unless the other worker is rendering too
        with one_weasyprint_at_a_time:
            return real(template_name, context)

    errors = []

    def worker(notice_id):
        try:
            services.notice_advance_in_steps(notice_id=notice_id, issued_on=ISSUE_DATE)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    with mock.patch.object(rendering, "render_pdf", render):
        threads = [threading.Thread(target=worker, args=(notice_id,)) for notice_id in drafts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert sorted(Notice.objects.filter(pk__in=drafts).values_list("number_sequence", flat=True)) == [1, 2]
    assert all(notice.is_issued for notice in Notice.objects.filter(pk__in=drafts))
