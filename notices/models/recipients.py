"""Who receives a notice, how it reached them, and what they answered."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from notices.models.documents import Notice
from tracker.models import AdministrativeUnit, Department


class DeliveryStatus(models.TextChoices):
    """How the recipient heard of the letter outside the system: outreach sends the messages
    (e-mail with the PDF, group robots, SMS) and records the outcome here
    (notices.services.delivery_outbound_record)."""

    PENDING = "pending", "待通知"
    SENT = "sent", "已通知"
    FAILED = "failed", "通知失败"
    INBOX_ONLY = "inbox_only", "仅系统内送达"


class Delivery(TimeStampedModel):
    """One recipient of one notice: the inbox entry, whether it was told of the letter, its 签收."""

    notice = models.ForeignKey(Notice, verbose_name="公文", on_delete=models.CASCADE, related_name="deliveries")
    recipient_key = models.CharField("收文单位键", max_length=64)
    recipient_name = models.CharField("收文单位", max_length=100)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name="县(市、区)", on_delete=models.PROTECT, null=True,
                             blank=True, related_name="notice_deliveries")
    department = models.ForeignKey(Department, verbose_name="市直部门", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="notice_deliveries")
    status = models.CharField("通知状态", max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING, db_index=True)
    sent_at = models.DateTimeField("通知时间", null=True, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签收人",
                                        on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "送达记录"
        verbose_name_plural = "送达记录"
        ordering = ["notice", "recipient_key"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "recipient_key"], name="delivery_once_per_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.recipient_name}"


class AnswerStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    ACCEPTED = "accepted", "已办结"
    RETURNED = "returned", "已退回"


class NoticeAnswer(TimeStampedModel):
    """整改反馈: the recipient's answer to a notice, with attachments, and the office's review."""

    notice = models.ForeignKey(Notice, verbose_name="公文", on_delete=models.CASCADE, related_name="answers")
    delivery = models.ForeignKey(Delivery, verbose_name="收文记录", on_delete=models.CASCADE,
                                 related_name="answers")
    text = models.TextField("整改情况")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="反馈人", on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField("反馈时间")
    status = models.CharField("审核状态", max_length=16, choices=AnswerStatus.choices,
                              default=AnswerStatus.SUBMITTED)
    review_reason = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "整改反馈"
        verbose_name_plural = "整改反馈"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.delivery.recipient_name}对{self.notice}的反馈"


class AnswerAttachment(TimeStampedModel):
    """A file attached to an answer; stored under MEDIA_ROOT, served only by a checked view."""

    answer = models.ForeignKey(NoticeAnswer, verbose_name="整改反馈", on_delete=models.CASCADE,
                               related_name="attachments")
    file = models.FileField("文件", upload_to="notice-answers/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    file_type = models.CharField("类型", max_length=8)
    size = models.PositiveIntegerField("大小(字节)")

    class Meta:
        verbose_name = "反馈附件"
        verbose_name_plural = "反馈附件"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
