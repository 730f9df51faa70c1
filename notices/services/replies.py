"""The recipient's loop: read, 签收, 反馈 with attachments."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

# The content checks are the domain's, shared with the 开工 evidence and the 批复文件.
from core.uploads import ALLOWED_ATTACHMENT_TYPES, attachment_type_detect  # noqa: F401
from notices.models import (
    AnswerAttachment,
    AnswerStatus,
    Delivery,
    Notice,
    NoticeAnswer,
    NoticeState,
)
from notices.services.delivery import _delivery_or_refuse, recipient_delivery_for
from notices.services.records import NoticeRefused, _audit, _lock_notice, _sync_notice_state, moment_on


@transaction.atomic
def notice_mark_read(*, notice_id: int, acting_user) -> None:
    notice = Notice.objects.get(pk=notice_id)
    delivery = recipient_delivery_for(notice=notice, user=acting_user)
    if delivery is not None and delivery.read_at is None:
        Delivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notice_acknowledge(*, notice_id: int, acting_user, on_date: dt.date | None = None) -> Delivery:
    """签收: the recipient confirms receipt (timestamped; `on_date` for a simulated day, default
    now). Acknowledging twice changes nothing."""
    notice = _lock_notice(notice_id)
    delivery = _delivery_or_refuse(notice, acting_user)
    if not notice.is_issued or notice.state == NoticeState.CLOSED:
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能签收")
    if delivery.acknowledged_at is not None:
        return delivery
    delivery.acknowledged_at = moment_on(on_date)
    delivery.acknowledged_by = acting_user
    if delivery.read_at is None:
        delivery.read_at = delivery.acknowledged_at
    delivery.save()
    _audit(notice, acting_user=acting_user, transition="acknowledge", unit=delivery.unit,
           extra={"delivery_id": delivery.pk}, effective_on=on_date)
    _sync_notice_state(notice, acting_user=acting_user)
    return delivery


@dataclass(frozen=True)
class UploadedAttachment:
    name: str
    content: bytes


def _size_text(size: int) -> str:
    return f"{size / 1048576:g} MB" if size >= 1048576 else f"{size / 1024:g} KB"


def _validate_attachments(files: list[UploadedAttachment]) -> list[str]:
    limit = settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES
    types = []
    for upload in files:
        if len(upload.content) > limit:
            raise NoticeRefused(f"附件“{upload.name}”超过大小上限（{_size_text(limit)}）")
        if not upload.content:
            raise NoticeRefused(f"附件“{upload.name}”是空文件")
        detected = attachment_type_detect(name=upload.name, content=upload.content)
        if detected is None:
            raise NoticeRefused(
                f"附件“{upload.name}”的类型不被接受或与文件内容不符；只接受 PDF、JPG、PNG、DOC、DOCX、XLS、XLSX 文件"
            )
        types.append(detected)
    return types


@transaction.atomic
def notice_answer(*, notice_id: int, acting_user, text: str, files: Sequence[UploadedAttachment] = (),
                  on_date: dt.date | None = None) -> NoticeAnswer:
    """整改反馈: the recipient answers, with attachments (`on_date` for a simulated day, default
    now). Bad input changes nothing."""
    files = list(files)
    text = (text or "").strip()
    if not text:
        raise NoticeRefused("请填写整改情况说明")
    types = _validate_attachments(files)
    notice = _lock_notice(notice_id)
    delivery = _delivery_or_refuse(notice, acting_user)
    if delivery.acknowledged_at is None:
        raise NoticeRefused("请先签收公文再提交整改反馈")
    if notice.state in (NoticeState.CLOSED, NoticeState.VOIDED):
        raise NoticeRefused(f"公文当前状态为“{notice.get_state_display()}”，不能再反馈")
    if delivery.answers.filter(status=AnswerStatus.SUBMITTED).exists():
        raise NoticeRefused("已提交的反馈正在审核，请等待审核结果")
    answer = NoticeAnswer.objects.create(
        notice=notice, delivery=delivery, text=text, submitted_by=acting_user, submitted_at=moment_on(on_date)
    )
    stored: list[str] = []
    try:
        for upload, file_type in zip(files, types, strict=True):
            attachment = AnswerAttachment(answer=answer, original_name=upload.name[:200], file_type=file_type,
                                          size=len(upload.content))
            attachment.file.save(f"answer-{answer.pk}.{file_type}", ContentFile(upload.content), save=False)
            stored.append(attachment.file.name)
            attachment.save()
        _audit(notice, acting_user=acting_user, transition="answer", unit=delivery.unit,
               extra={"answer_id": answer.pk, "attachments": len(files)}, effective_on=on_date)
        _sync_notice_state(notice, acting_user=acting_user)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return answer
