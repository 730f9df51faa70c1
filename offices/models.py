"""The office's settings, in one place: every keyed setting (办理规则, 调度阈值, 公文联系人) in
one typed key-value table, and one row per kind of document.

What a key holds, its type, default and valid values are in `offices.keys`; reads go through
`offices.selectors`. Writes go through the services of the app that owns the setting's meaning
(tracker.services.handling_rule_set, dispatch.thresholds.thresholds_set,
notices.services.office_contact_set, notices.services.kind_setting_update), each audited.
"""
from __future__ import annotations

from django.db import models

from core.models import TimeStampedModel
from offices.document_kinds import document_kind_label
from offices.keys import SETTING_KEY_CHOICES, SETTINGS, SettingGroup


class OfficeSetting(TimeStampedModel):
    """One keyed setting the office chose; a key without a row is at its default. The value is
    stored as text and read back typed by the key's registry entry (offices.keys)."""

    key = models.CharField("设置项", max_length=40, choices=SETTING_KEY_CHOICES, unique=True)
    value = models.CharField("取值", max_length=200)

    class Meta:
        verbose_name = "专班办设置"
        verbose_name_plural = "专班办设置"
        ordering = ["key"]

    def __str__(self) -> str:
        spec = SETTINGS.get(self.key)
        if spec is None:
            return f"{self.key}：{self.value}"
        return f"{spec.label}：{spec.value_display(self.typed_value)}"

    @property
    def typed_value(self):
        spec = SETTINGS.get(self.key)
        return spec.value_read(self.value) if spec is not None else self.value

    @property
    def group_label(self) -> str:
        spec = SETTINGS.get(self.key)
        return str(SettingGroup(spec.group).label) if spec is not None else ""


class DocumentKindSetting(TimeStampedModel):
    """Per kind of document: 机关代字, 版式, whether it issues automatically, whether an answer
    is due and within how many working days, whether it needs 核稿. The kinds and their names are
    notices' (offices.document_kinds)."""

    kind = models.CharField("公文种类", max_length=32, unique=True)
    number_prefix = models.CharField("机关代字", max_length=32)
    notice_format = models.CharField("版式", max_length=16)
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

    def get_kind_display(self) -> str:
        """The kind's Chinese name as notices registered it (the field has no choices of its own)."""
        return document_kind_label(self.kind)
