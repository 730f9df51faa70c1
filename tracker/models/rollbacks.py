"""Requests to move a project backwards, decided by an office leader."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from tracker.choices import ProjectState, RollbackStatus
from tracker.models.portfolio import Project


class RollbackRequest(TimeStampedModel):
    """A clerk's request to move a project backwards (完工→开工 or 开工→前期).

    Backward moves are for the office's leaders only, with a reason (DOMAIN: The life cycle):
    a clerk files the request with reason and evidence, a leader approves it (which
    performs the transition through tracker.services.project_transition) or rejects it. A
    project has at most one pending request at a time.
    """

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="rollback_requests"
    )
    transition = models.CharField(
        "申请退回",
        max_length=32,
        choices=[("reopen", "退回开工（撤销完工）"), ("revert_to_preparation", "退回前期（撤销开工）")],
    )
    from_state = models.CharField("申请时阶段", max_length=32, choices=ProjectState.choices)
    project_version = models.PositiveIntegerField("申请时项目版本")
    reason = models.TextField("退回原因")
    evidence = models.FileField("佐证材料", upload_to="rollbacks/%Y/%m/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    status = models.CharField(
        "审批状态", max_length=16, choices=RollbackStatus.choices, default=RollbackStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "阶段退回申请"
        verbose_name_plural = "阶段退回申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status="pending"),
                name="rollback_one_pending_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_transition_display()}（{self.get_status_display()}）"
