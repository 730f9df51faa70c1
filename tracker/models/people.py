"""A user's role and scope in the office."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from tracker.choices import Role
from tracker.models.portfolio import AdministrativeUnit, Department, Domain


class StaffProfile(TimeStampedModel):
    """A user's role and scope. Permissions are decided in tracker.permissions from this row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="所属县(市、区)",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="县级联络员必填",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="所属部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="市直部门联络员必填",
    )
    assigned_domains = models.ManyToManyField(
        Domain, verbose_name="分管领域", blank=True, help_text="专班办工作人员：留空表示全部领域"
    )
    assigned_units = models.ManyToManyField(
        AdministrativeUnit,
        verbose_name="分管县(市、区)",
        blank=True,
        related_name="assigned_clerks",
        help_text="专班办工作人员：留空表示全部县(市、区)",
    )

    class Meta:
        verbose_name = "人员角色"
        verbose_name_plural = "人员角色"
        ordering = ["role", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="county_liaison") | models.Q(unit__isnull=False),
                name="county_liaison_has_unit",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="department_liaison") | models.Q(department__isnull=False),
                name="department_liaison_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.user.get_username()}（{self.get_role_display()}）"
