"""The office's rule settings (a model of the tracker app, imported by tracker.models)."""
from __future__ import annotations

from django.db import models

from tracker.choices import OfficeSettingKey


class OfficeSetting(models.Model):
    """A rule setting the office's leader chooses (e.g. whether 开工 with unsettled earlier
    procedures is refused or only warned about); changed through tracker.services, audited."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    key = models.CharField("设置项", max_length=40, choices=OfficeSettingKey.choices, unique=True)
    value = models.CharField("取值", max_length=40)

    class Meta:
        app_label = "tracker"
        verbose_name = "办理规则设置"
        verbose_name_plural = "办理规则设置"
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.get_key_display()}：{self.value}"
