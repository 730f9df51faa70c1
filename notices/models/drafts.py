"""拟稿: every stored wording of a draft, and the files a letter carries."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel


class NoticeVersion(TimeStampedModel):
    """One stored wording of a draft (拟稿 and every later edit): who, when, what it said."""

    notice = models.ForeignKey(
        "notices.Notice", verbose_name="公文", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("稿本")
    title = models.CharField("标题", max_length=200)
    main_recipients = models.CharField("主送机关", max_length=500, blank=True)
    copy_to = models.CharField("抄送", max_length=500, blank=True)
    body = models.TextField("正文", blank=True)
    attachments = models.JSONField("附件说明", default=list, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "公文稿本"
        verbose_name_plural = "公文稿本"
        ordering = ["notice", "number"]
        constraints = [models.UniqueConstraint(fields=["notice", "number"], name="notice_version_unique")]

    def __str__(self) -> str:
        return f"{self.notice_id} 第{self.number}稿"


class NoticeFile(TimeStampedModel):
    """A file the office attaches to its own letter (附件), listed under 附件说明."""

    notice = models.ForeignKey(
        "notices.Notice", verbose_name="公文", on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField("文件", upload_to="notice-files/%Y/")
    title = models.CharField("附件名称", max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    size = models.PositiveIntegerField("大小(字节)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "公文附件"
        verbose_name_plural = "公文附件"
        ordering = ["notice", "pk"]

    def __str__(self) -> str:
        return self.title
