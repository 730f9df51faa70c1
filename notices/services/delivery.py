"""送达: each recipient's record of a letter — told of it (by outreach's channels) or only in the
inbox — and whose record a user acts on."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.actors import SYSTEM
from notices.models import (
    Delivery,
    DeliveryStatus,
    Notice,
)
from notices.services.records import _audit, _lock_notice, _sync_notice_state
from tracker import permissions
from tracker.choices import Role

OUTCOMES = {"sent": DeliveryStatus.SENT, "failed": DeliveryStatus.FAILED,
            "inbox_only": DeliveryStatus.INBOX_ONLY}


def delivery_outbound_record(*, delivery_id: int, outcome: str, at: dt.datetime, channel: str = "",
                             error: str = "") -> Delivery:
    """What became of telling one recipient of its letter, reported by the app that sends the
    messages (outreach): `sent` (a message reached a channel), `failed` (none will: every
    attempt failed), `inbox_only` (no channel carries it). Runs in the caller's transaction with
    the delivery row locked; a delivery already 已通知 stays so (a later failure on a second
    channel does not undo a first success). The letter moves to 已送达 once every recipient has
    it, as before."""
    status = OUTCOMES[outcome]
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",)).select_related("notice").get(pk=delivery_id)
        )
        if delivery.status == DeliveryStatus.SENT or delivery.status == status:
            return delivery
        if status == DeliveryStatus.INBOX_ONLY and delivery.status == DeliveryStatus.FAILED:
            return delivery  # a failure is not forgotten because a later scan found no channel
        delivery.status = status
        if status == DeliveryStatus.SENT:
            delivery.sent_at = at
        delivery.save(update_fields=["status", "sent_at", "updated_at"])
        transition = {"sent": "deliver", "failed": "delivery_failed",
                      "inbox_only": "deliver_inbox_only"}[outcome]
        _audit(delivery.notice, acting_user=SYSTEM, transition=transition, unit=delivery.unit,
               extra={"delivery_id": delivery.pk, "channel": channel,
                      **({"error": error[:500]} if error else {})})
        if status != DeliveryStatus.FAILED:
            _sync_notice_state(_lock_notice(delivery.notice_id), acting_user=SYSTEM)
    return delivery


def recipient_delivery_for(*, notice: Notice, user) -> Delivery | None:
    """The delivery row the user answers for (their unit's, department's or the city's)."""
    role = permissions.role_of(user)
    if role == Role.COUNTY_LIAISON:
        return notice.deliveries.filter(unit_id=user.staff_profile.unit_id).first()
    if role == Role.DEPARTMENT_LIAISON:
        return notice.deliveries.filter(department_id=user.staff_profile.department_id).first()
    if role == Role.CITY_LEADER:
        return notice.deliveries.filter(recipient_key="city").first()
    return None


def _delivery_or_refuse(notice: Notice, user) -> Delivery:
    """The delivery the user acknowledges or answers for; the 市领导 reads only."""
    if permissions.role_of(user) == Role.CITY_LEADER:
        raise PermissionDenied("市领导只阅看公文，不签收、不反馈")
    delivery = recipient_delivery_for(notice=notice, user=user)
    if delivery is None:
        raise PermissionDenied("该公文不是发给您所在单位的")
    return delivery
