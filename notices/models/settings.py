"""Per kind of document and per office: what the office chose for its letters."""
from __future__ import annotations

from django.db import models

from core.models import TimeStampedModel
from notices.models.documents import NoticeFormat, NoticeKind


class NoticeKindSetting(TimeStampedModel):
    """Per kind: 机关代字, whether it issues automatically, whether an answer is due, deadlines."""

    kind = models.CharField("公文种类", max_length=32, choices=NoticeKind.choices, unique=True)
    number_prefix = models.CharField("机关代字", max_length=32)
    notice_format = models.CharField("版式", max_length=16, choices=NoticeFormat.choices)
    auto_issue = models.BooleanField("自动签发", default=False, help_text="否则须专班办领导签发")
    answer_required = models.BooleanField("须整改反馈", default=False)
    acknowledge_workdays = models.PositiveSmallIntegerField("签收时限(工作日)", default=2)
    answer_workdays = models.PositiveSmallIntegerField("反馈时限(工作日)", default=10)
    review_required = models.BooleanField("须核稿", default=True,
                                          help_text="否：手工拟稿或修改后直接送领导签发（例行公文）")

    class Meta:
        verbose_name = "公文种类设置"
        verbose_name_plural = "公文种类设置"
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.number_prefix}）"


class OfficeSetting(TimeStampedModel):
    """The office's own particulars printed on its letters: the person a recipient calls (联系人,
    电话). One row; the office leader maintains it (notices.arrangements.office_contact_set,
    audited). A letter with a 反馈 loop cannot be signed while it is unset."""

    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "专班办设置"
        verbose_name_plural = "专班办设置"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"联系人：{self.contact_name or '未设置'}，电话：{self.contact_phone or '未设置'}"

    @property
    def contact_is_set(self) -> bool:
        return bool(self.contact_name.strip() and self.contact_phone.strip())
