"""What every notice service shares: the kinds' defaults, the audit row, the row lock, the derived state."""
from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.actors import is_system
from notices.models import (
    AnswerStatus,
    DeliveryStatus,
    Notice,
    NoticeFormat,
    NoticeKind,
    NoticeState,
)
from offices.document_kinds import DocumentKindDefaults as KindDefaults
from tracker import permissions
from tracker.choices import AuditAction
from tracker.services import audit_record

logger = logging.getLogger(__name__)

# When an act is dated another day than today (run_cycle, beat catch-up, the demo), it is recorded
# at this local time of that day: inside office hours, after the 07:00 and 08:30 beat slots.
OFFICE_HOUR = dt.time(9, 0)


# Defaults per kind: the weekly report issues itself; letters wait for a leader.
# Letters share one 代字 (专办函) and so one gapless sequence, as a real office numbers its 函.
# Registered with offices when the app is ready (notices.apps): a kind's DocumentKindSetting row
# is created from them the first time it is needed.
KIND_DEFAULTS: dict[str, KindDefaults] = {
    NoticeKind.WEEKLY_REPORT: KindDefaults("临一泓专办报", NoticeFormat.ORDINARY, True, False, 2, 0),
    NoticeKind.MONTHLY_CIRCULAR: KindDefaults("临一泓专办通", NoticeFormat.ORDINARY, False, False, 3, 0),
    NoticeKind.WARNING: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, True, 2, 10),
    NoticeKind.REMINDER: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, False, 2, 0),
    # 督办函: acknowledge within 1 working day, answer within 10.
    NoticeKind.SUPERVISION: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, True, 1, 10),
    NoticeKind.SUMMONS: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, False, 1, 0),
    NoticeKind.LISTED_SUPERVISION: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, True, 2, 15),
    NoticeKind.URGE_REPORT: KindDefaults("临一泓专办催", NoticeFormat.LETTER, True, False, 1, 0),
    NoticeKind.CORRECTION: KindDefaults("临一泓专办更", NoticeFormat.ORDINARY, False, False, 2, 0),
    # Written by hand: a 通知 in the ordinary format, a 函 sharing the letters' sequence.
    NoticeKind.GENERAL_NOTICE: KindDefaults("临一泓专办发", NoticeFormat.ORDINARY, False, False, 2, 0),
    NoticeKind.GENERAL_LETTER: KindDefaults("临一泓专办函", NoticeFormat.LETTER, False, False, 2, 0),
}


class NoticeRefused(ValidationError):
    """A notice action that the notice's state or the input does not allow."""


def _audit(notice: Notice, *, acting_user, transition: str, from_state: str = "", reason: str = "",
           unit=None, extra: dict | None = None, effective_on: dt.date | None = None) -> None:
    audit_record(
        action=AuditAction.NOTICE,
        acting_user=acting_user,
        unit=unit,
        effective_on=effective_on,
        object_type="notice",
        object_id=notice.pk,
        from_state=from_state,
        to_state=notice.state,
        reason=reason,
        data={"notice_id": notice.pk, "transition": transition, "number": notice.number or "",
              **(extra or {})},
    )


def _require_office_staff(user) -> None:
    if not is_system(user):
        permissions.require(permissions.is_office_staff(user), "只有专班办工作人员可以拟制公文")


def _lock_notice(notice_id: int) -> Notice:
    return Notice.objects.select_for_update().get(pk=notice_id)


def moment_on(day: dt.date | None) -> dt.datetime:
    """The instant an act dated `day` is recorded at: now when `day` is today (or not given);
    for another day (a simulated or caught-up date), that day at OFFICE_HOUR, so that what a
    calendar job does for a date carries that date and not the wall clock's."""
    now = timezone.now()
    if day is None or day == timezone.localdate(now):
        return now
    return timezone.make_aware(dt.datetime.combine(day, OFFICE_HOUR))


def tasks_run_in_process() -> bool:
    """True when Celery tasks run eagerly in this process (no broker: the embedded default)."""
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def _sync_notice_state(notice: Notice, *, acting_user) -> None:
    """Advance the notice as far as its deliveries allow (送达 → 签收 → 反馈)."""
    deliveries = list(notice.deliveries.all())
    if not deliveries:
        return
    changed = True
    while changed:
        changed = False
        from_state = notice.state
        if notice.state == NoticeState.ISSUED and all(
            d.status in (DeliveryStatus.SENT, DeliveryStatus.INBOX_ONLY) for d in deliveries
        ):
            notice.mark_delivered()
        elif notice.state in (NoticeState.ISSUED, NoticeState.DELIVERED) and all(
            d.acknowledged_at for d in deliveries
        ):
            notice.acknowledge()
        elif notice.state == NoticeState.ACKNOWLEDGED and notice.answer_required and all(
            d.answers.filter(status__in=[AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED]).exists()
            for d in deliveries
        ):
            notice.answer()
        else:
            break
        notice.save()
        _audit(notice, acting_user=acting_user, transition=notice.state, from_state=from_state)
        changed = True
