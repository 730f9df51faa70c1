"""The office's side of the loop: 办结, 退回, 作废."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.workdays import add_working_days
from notices.models import (
    AnswerStatus,
    Notice,
    NoticeState,
)
from notices.services.issuing import _number_is_reserved
from notices.services.records import NoticeRefused, _audit, _lock_notice, _require_office_staff, moment_on
from tracker import permissions


def _require_reviewer(user) -> None:
    permissions.require(permissions.is_office_staff(user), "只有专班办工作人员可以审核反馈")


@transaction.atomic
def notice_close(*, notice_id: int, acting_user, comment: str = "", on_date: dt.date | None = None) -> Notice:
    """办结: the office accepts the answers (or closes a notice that needs none); `on_date` for a
    simulated day (default now)."""
    _require_reviewer(acting_user)
    notice = _lock_notice(notice_id)
    if notice.answer_required and notice.state != NoticeState.ANSWERED:
        raise NoticeRefused("整改反馈尚未全部提交，不能办结")
    if notice.state not in (NoticeState.ANSWERED, NoticeState.ACKNOWLEDGED, NoticeState.DELIVERED):
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能办结")
    now = moment_on(on_date)
    notice.answers.filter(status=AnswerStatus.SUBMITTED).update(
        status=AnswerStatus.ACCEPTED, reviewed_by=acting_user, reviewed_at=now, review_reason=comment
    )
    from_state = notice.state
    notice.close()
    notice.closed_at = now
    notice.save()
    _audit(notice, acting_user=acting_user, transition="close", from_state=from_state, reason=comment,
           effective_on=on_date)
    return notice


# A returned answer is due again this many working days after the 退回, unless the office says
# otherwise (a returned 反馈 gets a new deadline).
RESUBMIT_WORKING_DAYS = 5


@transaction.atomic
def notice_return(*, notice_id: int, acting_user, reason: str, new_deadline: dt.date | None = None,
                  on_date: dt.date | None = None) -> Notice:
    """退回: the office rejects the submitted answers; the recipient answers again by a new
    deadline (`new_deadline`, default 5 working days from the day of the 退回)."""
    _require_reviewer(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise NoticeRefused("退回须填写原因")
    today = on_date or timezone.localdate()
    if new_deadline is None:
        new_deadline = add_working_days(today, RESUBMIT_WORKING_DAYS)
    elif new_deadline <= today:
        raise NoticeRefused(f"重新反馈期限（{new_deadline}）须晚于今天（{today}）")
    notice = _lock_notice(notice_id)
    if notice.state != NoticeState.ANSWERED:
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，没有待审核的反馈")
    notice.answers.filter(status=AnswerStatus.SUBMITTED).update(
        status=AnswerStatus.RETURNED, reviewed_by=acting_user, reviewed_at=timezone.now(),
        review_reason=reason
    )
    notice.return_answer()
    notice.resubmit_deadline = new_deadline
    notice.save()
    _audit(notice, acting_user=acting_user, transition="return", from_state=NoticeState.ANSWERED,
           reason=f"{reason}（请于{new_deadline:%Y-%m-%d}前重新反馈）",
           extra={"resubmit_deadline": new_deadline.isoformat()}, effective_on=on_date)
    return notice


@transaction.atomic
def notice_void(*, notice_id: int, acting_user, reason: str = "") -> Notice:
    """作废 a draft or a notice waiting for sign-off (an issued one is corrected instead)."""
    _require_office_staff(acting_user)
    notice = _lock_notice(notice_id)
    if notice.state not in (NoticeState.DRAFT, NoticeState.PENDING_SIGNOFF):
        raise NoticeRefused("已签发的公文不能作废，请发更正通知")
    if _number_is_reserved(notice):
        # Voiding it would leave a gap in the numbers (发文字号不得空号).
        raise NoticeRefused("该公文正在签发，文号已预留，不能作废；签发后如有错误请发更正通知")
    from_state = notice.state
    notice.void()
    notice.save()
    _audit(notice, acting_user=acting_user, transition="void", from_state=from_state, reason=reason)
    return notice
