"""Reads of notices, scoped to what the user may see (everyone sees only their own unit's)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from notices.models import READ_ONLY_KINDS, AnswerStatus, Delivery, Notice, NoticeState
from tracker import permissions
from tracker.choices import Role


def notice_scope(user) -> Q | None:
    """The notices a user may read, as a filter; None means none."""
    role = permissions.role_of(user)
    if role in (Role.OFFICE_LEADER, Role.CLERK):
        return Q()
    issued = ~Q(state__in=[NoticeState.DRAFT, NoticeState.PENDING_SIGNOFF, NoticeState.VOIDED])
    # A liaison's role comes from their staff profile, so they have one.
    if role == Role.COUNTY_LIAISON:
        return issued & Q(deliveries__unit_id=user.staff_profile.unit_id)
    if role == Role.DEPARTMENT_LIAISON:
        return issued & Q(deliveries__department_id=user.staff_profile.department_id)
    if role == Role.CITY_LEADER:
        return issued & Q(deliveries__recipient_key="city")
    return None


def notice_list(*, user, kind: str | None = None, unit_code: str | None = None) -> QuerySet[Notice]:
    scope = notice_scope(user)
    if scope is None:
        return Notice.objects.none()
    queryset = Notice.objects.filter(scope)
    if kind:
        queryset = queryset.filter(kind=kind)
    if unit_code:
        queryset = queryset.filter(recipient_units__code=unit_code)
    return queryset.distinct().prefetch_related("recipient_units", "recipient_departments", "deliveries")


def notice_get(*, user, notice_id: int) -> Notice:
    """The notice if the user may see it; 404 otherwise (its existence is not revealed)."""
    notice = notice_list(user=user).filter(pk=notice_id).first()
    if notice is None:
        raise Http404("公文不存在或无权查看")
    return notice


def answers_visible(*, user, notice: Notice, delivery: Delivery | None):
    """The answers on a notice the user may read: office staff all of them; a recipient only its
    own unit's (or department's) — text, attachments, review status and comments alike."""
    answers = notice.answers.select_related("delivery").prefetch_related("attachments")
    if permissions.is_office_staff(user):
        return answers
    return answers.filter(delivery=delivery) if delivery is not None else answers.none()


def signoff_queue(*, user) -> QuerySet[Notice]:
    """Notices waiting for a leader's signature: leaders sign them, clerks follow them up."""
    if not permissions.is_office_staff(user):
        return Notice.objects.none()
    return Notice.objects.filter(state=NoticeState.PENDING_SIGNOFF).order_by("created_at")


def review_queue(*, user) -> QuerySet[Notice]:
    if not permissions.is_office_staff(user):
        return Notice.objects.none()
    return Notice.objects.filter(state=NoticeState.ANSWERED).order_by("answer_deadline")


@dataclass
class InboxEntry:
    notice: Notice
    delivery: Delivery
    unread: bool
    awaiting_acknowledgement: bool
    awaiting_answer: bool
    overdue: bool
    answer_status: str
    days_overdue: int = 0  # past the earliest deadline still open (0 when not overdue)

    @property
    def read_only(self) -> bool:
        return self.notice.is_read_only


def inbox_for(*, user) -> list[InboxEntry]:
    """The recipient's inbox with the flags the page filters on."""
    role = permissions.role_of(user)
    if role == Role.COUNTY_LIAISON:
        deliveries = Delivery.objects.filter(unit_id=user.staff_profile.unit_id)
    elif role == Role.DEPARTMENT_LIAISON:
        deliveries = Delivery.objects.filter(department_id=user.staff_profile.department_id)
    elif role == Role.CITY_LEADER:
        deliveries = Delivery.objects.filter(recipient_key="city")
    else:
        return []
    today = timezone.localdate()
    entries = []
    for delivery in (deliveries.select_related("notice").prefetch_related("answers")
                     .order_by("-notice__issued_at")):
        notice = delivery.notice
        answers = list(delivery.answers.all())
        live = [a for a in answers if a.status in (AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED)]
        # The 市领导 reads; it neither acknowledges nor answers. Nor does anyone a kind sent for
        # information (READ_ONLY_KINDS: opening it is "已阅").
        replies = role != Role.CITY_LEADER and not notice.is_read_only
        awaiting_ack = replies and delivery.acknowledged_at is None and notice.state != NoticeState.CLOSED
        awaiting_answer = (replies and notice.answer_required and not live
                           and notice.state != NoticeState.CLOSED)
        missed = [deadline for waiting, deadline in ((awaiting_ack, notice.acknowledge_deadline),
                                                      (awaiting_answer, notice.answer_deadline))
                  if waiting and deadline and today > deadline]
        entries.append(InboxEntry(
            notice=notice, delivery=delivery, unread=delivery.read_at is None,
            awaiting_acknowledgement=awaiting_ack, awaiting_answer=awaiting_answer, overdue=bool(missed),
            answer_status=answers[0].get_status_display() if answers else "",
            days_overdue=(today - min(missed)).days if missed else 0,
        ))
    return entries


def attachment_get(*, user, attachment_id: int):
    """An answer attachment if the user may see its notice: office staff or the answering unit."""
    from notices.models import AnswerAttachment

    attachment = AnswerAttachment.objects.select_related("answer__delivery", "answer__notice").filter(
        pk=attachment_id).first()
    if attachment is None:
        raise Http404("附件不存在")
    if permissions.is_office_staff(user):
        return attachment
    delivery = attachment.answer.delivery
    role = permissions.role_of(user)
    if (role == Role.COUNTY_LIAISON and delivery.unit_id == user.staff_profile.unit_id) or (
            role == Role.DEPARTMENT_LIAISON and delivery.department_id == user.staff_profile.department_id):
        return attachment
    raise Http404("附件不存在")


def acknowledgement_timeliness(*, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(deliveries due to be signed for between `start` and `end`, those signed for by their
    deadline): the 签收及时率 of the weekly report. Read-only kinds (通报, 报告) have
    no 签收 and do not count."""
    due = Delivery.objects.filter(notice__acknowledge_deadline__range=(start, end)).exclude(
        notice__kind__in=READ_ONLY_KINDS
    )
    total = on_time = 0
    for deadline, acknowledged_at in due.values_list("notice__acknowledge_deadline", "acknowledged_at"):
        total += 1
        on_time += (acknowledged_at is not None and deadline is not None
                    and timezone.localtime(acknowledged_at).date() <= deadline)
    return total, on_time
