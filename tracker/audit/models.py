"""The append-only audit log."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models

from tracker.choices import AuditAction
from tracker.models.portfolio import AdministrativeUnit, Project


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionDenied("审计记录不可修改")

    def delete(self):  # type: ignore[override]
        raise PermissionDenied("审计记录不可删除")


class AuditEvent(models.Model):
    """The append-only record of who did what, when, why, with what evidence.

    Written by services in the same transaction as the change it records. For transitions,
    `effective_on` is the date the change took effect in the field (the actual start date,
    the completion date …), which is what the as-of-date portfolio is computed from;
    `occurred_at` is when it was recorded.
    """

    action = models.CharField("操作", max_length=32, choices=AuditAction.choices, db_index=True)
    occurred_at = models.DateTimeField("记录时间", db_index=True)
    effective_on = models.DateField("生效日期", null=True, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, null=True, blank=True
    )
    actor_name = models.CharField("操作人姓名", max_length=100, help_text="系统任务记为“系统”")
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, null=True, blank=True,
        related_name="audit_events"
    )
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="县(市、区)", on_delete=models.PROTECT, null=True, blank=True
    )
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    from_state = models.CharField("原状态", max_length=32, blank=True)
    to_state = models.CharField("新状态", max_length=32, blank=True)
    reason = models.TextField("原因/说明", blank=True)
    evidence = models.FileField("佐证材料", upload_to="audit/%Y/%m/", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["project", "action", "effective_on"], name="audit_project_action_date"),
            # The whole portfolio's transitions up to a date (the dashboard's timeline and states).
            models.Index(fields=["action", "effective_on"], name="audit_action_date"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise PermissionDenied("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计记录不可删除")
