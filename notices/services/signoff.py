"""核稿 and 签发 (党政机关公文处理工作条例: 拟稿、审核、签发).

草稿 → (送核) 待核稿 → (核稿 by a second member of staff) 待签发 → (签发 by the leader) 已签发;
核稿 and 签发 may send the draft back (退回修改) with a reason. A kind the leader marked as not
needing 核稿 goes from 草稿 straight to 待签发. The leader signs only what they have read: the
page records the version they opened, and a batch signs only letters opened at their current
version. Which kinds need 核稿 and which issue automatically is the leader's, audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from notices.models import Notice, NoticeKind, NoticeState
from notices.services.issuing import notice_sign_and_issue
from notices.services.records import (
    NoticeRefused,
    _audit,
    _lock_notice,
    _require_office_staff,
)
from offices.selectors import document_kind_setting
from tracker import permissions
from tracker.choices import AuditAction
from tracker.services import audit_record

DEFAULT_SIGN_OPINION = "同意"


def _version_number(notice: Notice) -> int:
    from notices.services.hand_drafting import current_version_number

    return current_version_number(notice)


def drafter_ids(notice: Notice) -> set[int]:
    """Whoever wrote the wording now on the draft: its 拟稿人 and every editor of a version."""
    ids = set(notice.versions.exclude(edited_by=None).values_list("edited_by_id", flat=True))
    if notice.created_by_id:
        ids.add(notice.created_by_id)
    return ids


@transaction.atomic
def notice_submit(*, notice_id: int, acting_user) -> Notice:
    """送核 (or, for a kind not needing 核稿, 送签)."""
    _require_office_staff(acting_user)
    notice = _lock_notice(notice_id)
    if notice.state != NoticeState.DRAFT:
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能送核")
    if document_kind_setting(notice.kind).review_required:
        notice.submit_for_review()
    else:
        notice.submit_for_signoff()
    notice.sent_back_reason = ""
    notice.save()
    _audit(notice, acting_user=acting_user, transition="submit", from_state=NoticeState.DRAFT)
    return notice


@transaction.atomic
def notice_review(*, notice_id: int, acting_user, opinion: str, approve: bool) -> Notice:
    """核稿: a second member of staff (never one who wrote the wording) passes it on to the leader
    with an opinion, or sends it back to the drafter with a reason."""
    permissions.require(permissions.is_office_staff(acting_user), "只有专班办工作人员可以核稿")
    notice = _lock_notice(notice_id)
    if notice.state != NoticeState.PENDING_REVIEW:
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不在核稿环节")
    if acting_user.pk in drafter_ids(notice):
        raise NoticeRefused("核稿须由拟稿人以外的工作人员进行")
    opinion = (opinion or "").strip()
    if approve:
        notice.pass_review()
        notice.reviewed_by = acting_user
        notice.reviewed_at = timezone.now()
        notice.review_opinion = opinion or "核稿无误"
    else:
        if not opinion:
            raise NoticeRefused("退回修改须填写原因")
        notice.send_back()
        notice.sent_back_reason = opinion
    notice.save()
    _audit(
        notice,
        acting_user=acting_user,
        transition="review" if approve else "review_return",
        from_state=NoticeState.PENDING_REVIEW,
        reason=opinion,
    )
    return notice


@transaction.atomic
def notice_send_back(*, notice_id: int, acting_user, reason: str) -> Notice:
    """The leader returns a letter waiting for 签发 to the drafter, with a reason."""
    permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以退回待签发的公文")
    reason = (reason or "").strip()
    if not reason:
        raise NoticeRefused("退回修改须填写原因")
    notice = _lock_notice(notice_id)
    if notice.state != NoticeState.PENDING_SIGNOFF:
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能退回")
    if notice.number_sequence is not None:
        raise NoticeRefused("该公文正在签发，文号已预留，不能退回")
    notice.send_back()
    notice.sent_back_reason = reason
    notice.signoff_read_by = None
    notice.signoff_read_version = None
    notice.save()
    _audit(
        notice,
        acting_user=acting_user,
        transition="signoff_return",
        from_state=NoticeState.PENDING_SIGNOFF,
        reason=reason,
    )
    return notice


def notice_opened_for_signoff(*, notice: Notice, acting_user) -> None:
    """The leader has the whole letter in front of them: remember which version they read."""
    if not permissions.is_office_leader(acting_user) or notice.state != NoticeState.PENDING_SIGNOFF:
        return
    version = _version_number(notice)
    Notice.objects.filter(pk=notice.pk, state=NoticeState.PENDING_SIGNOFF).update(
        signoff_read_by=acting_user, signoff_read_version=version
    )
    notice.signoff_read_by_id, notice.signoff_read_version = acting_user.pk, version


def opened_by(notice: Notice, user) -> bool:
    return notice.signoff_read_by_id == user.pk and notice.signoff_read_version == _version_number(notice)


@transaction.atomic
def notice_sign(
    *,
    notice_id: int,
    acting_user,
    opinion: str = DEFAULT_SIGN_OPINION,
    require_opened: bool = True,
    issued_on: dt.date | None = None,
) -> Notice:
    """签发 with an opinion (default 同意): numbered, rendered, signed electronically, delivered.
    `issued_on`: the signing date (default today; the demo dates its history)."""
    permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以签发公文")
    notice = _lock_notice(notice_id)
    if notice.state == NoticeState.PENDING_REVIEW:
        raise NoticeRefused("公文尚未核稿，不能签发")
    if require_opened and notice.state == NoticeState.PENDING_SIGNOFF and not opened_by(notice, acting_user):
        raise NoticeRefused("请先打开并阅读全文（含修改后的最新稿）再签发")
    notice.sign_opinion = (opinion or "").strip() or DEFAULT_SIGN_OPINION
    notice.save(update_fields=["sign_opinion", "updated_at"])
    return notice_sign_and_issue(notice_id=notice_id, acting_user=acting_user, issued_on=issued_on)


@dataclass
class BatchResult:
    signed: list[Notice]
    refused: list[tuple[int, str]]


def notices_sign_batch(
    *, notice_ids: list[int], acting_user, opinion: str = DEFAULT_SIGN_OPINION
) -> BatchResult:
    """批量签发: each letter in its own transaction; one refused leaves the others signed."""
    permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以签发公文")
    result = BatchResult(signed=[], refused=[])
    for notice_id in notice_ids:
        try:
            result.signed.append(notice_sign(notice_id=notice_id, acting_user=acting_user, opinion=opinion))
        except NoticeRefused as error:
            result.refused.append((notice_id, "；".join(error.messages)))
    return result


@transaction.atomic
def kind_setting_update(*, kind: str, acting_user, review_required: bool, auto_issue: bool):
    """The leader decides, per kind, whether it needs 核稿 and whether it issues automatically."""
    permissions.require(
        permissions.is_office_leader(acting_user), "只有专班办领导可以修改公文种类的核稿与自动签发设置"
    )
    if kind not in NoticeKind.values:
        raise NoticeRefused(f"未知的公文种类：{kind}")
    setting = document_kind_setting(kind)
    before = {"review_required": setting.review_required, "auto_issue": setting.auto_issue}
    after = {"review_required": bool(review_required), "auto_issue": bool(auto_issue)}
    if before == after:
        return setting
    setting.review_required, setting.auto_issue = after["review_required"], after["auto_issue"]
    setting.save()
    audit_record(
        action=AuditAction.NOTICE,
        acting_user=acting_user,
        object_type="notice_kind_setting",
        object_id=setting.pk,
        reason=f"{setting.get_kind_display()}：核稿、自动签发设置变更",
        data={"kind": kind, "before": before, "after": after},
    )
    return setting
