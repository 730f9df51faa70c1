"""送达: the e-mail of each delivery, sent once, retried with back-off."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.actors import SYSTEM
from notices import documents, mail
from notices.integrity import issued_pdf_check
from notices.models import (
    Delivery,
    DeliveryStatus,
    Notice,
)
from notices.services.records import _audit, _lock_notice, _sync_notice_state
from tracker import permissions
from tracker.choices import Role

# Back-off between email attempts (minutes); after the last one the delivery stays failed.
RETRY_BACKOFF_MINUTES = (1, 5, 30, 120, 480)


def notice_email_deliver(*, delivery_id: int) -> Delivery:
    """Send one delivery's email once. A failure is recorded with the next attempt time and
    re-raised; a delivery already sent is never sent again (the row is locked while sending)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update(of=("self",)).select_related("notice").get(pk=delivery_id)
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.INBOX_ONLY):
            return delivery
        notice = delivery.notice
        delivery.attempts += 1
        try:
            # A file that is not the issued one never goes out (IssuedPdfRefused: failed, retried
            # with back-off — restoring the file from the backup lets the next attempt through).
            pdf_bytes = issued_pdf_check(notice, acting_user=SYSTEM, purpose="邮件送达")
            mail.notice_email_send(
                recipients=delivery.emails,
                subject=f"{notice.number} {notice.title}",
                body=(f"{delivery.recipient_name}：\n\n{settings.YIHONG_NOTICE_ISSUER}印发《{notice.title}》"
                      f"（{notice.number}），见附件。请登录一泓系统签收"
                      + (f"，并于{documents.chinese_date(notice.answer_deadline)}前反馈整改情况" if notice.answer_deadline else "")
                      + "。"
                      # The letter's own page, absolute (issue 17): one tap from the mail to 签收.
                      + f"\n\n签收和反馈：{settings.YIHONG_SITE_URL.rstrip('/')}{reverse('notices:detail', args=[notice.pk])}"),
                pdf_name=f"{notice.number}.pdf",
                pdf_bytes=pdf_bytes,
            )
        except Exception as error:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            backoff = RETRY_BACKOFF_MINUTES[min(delivery.attempts, len(RETRY_BACKOFF_MINUTES)) - 1]
            delivery.next_attempt_at = (
                timezone.now() + dt.timedelta(minutes=backoff) if delivery.attempts < len(RETRY_BACKOFF_MINUTES) + 1
                else None
            )
            delivery.save()
            _audit(notice, acting_user=SYSTEM, transition="delivery_failed", unit=delivery.unit,
                   extra={"delivery_id": delivery.pk, "attempt": delivery.attempts, "error": delivery.last_error})
            failure = error
        else:
            failure = None
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.next_attempt_at = None
            delivery.save()
            _audit(notice, acting_user=SYSTEM, transition="deliver", unit=delivery.unit,
                   extra={"delivery_id": delivery.pk, "attempt": delivery.attempts})
            locked = _lock_notice(notice.pk)
            _sync_notice_state(locked, acting_user=SYSTEM)
    if failure is not None:
        raise failure
    return delivery


def deliveries_due_for_retry(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=DeliveryStatus.FAILED, next_attempt_at__lte=now).values_list("pk", flat=True)
    )


def recipient_delivery_for(*, notice: Notice, user) -> Delivery | None:
    """The delivery row the user answers for (their unit's, department's or the city's)."""
    role = permissions.role_of(user)
    profile = getattr(user, "staff_profile", None)
    if role == Role.COUNTY_LIAISON:
        return notice.deliveries.filter(unit_id=profile.unit_id).first()
    if role == Role.DEPARTMENT_LIAISON:
        return notice.deliveries.filter(department_id=profile.department_id).first()
    if role == Role.CITY_LEADER:
        return notice.deliveries.filter(recipient_key="city").first()
    return None


def _delivery_or_refuse(notice: Notice, user) -> Delivery:
    """The delivery the user acknowledges or answers for; the 市领导 reads only (issue 13)."""
    if permissions.role_of(user) == Role.CITY_LEADER:
        raise PermissionDenied("市领导只阅看公文，不签收、不反馈")
    delivery = recipient_delivery_for(notice=notice, user=user)
    if delivery is None:
        raise PermissionDenied("该公文不是发给您所在单位的")
    return delivery
