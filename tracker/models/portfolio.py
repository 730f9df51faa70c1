"""The task-force office's portfolio: units, departments, domains, basins and projects with
their life cycle.

The project's state is a django-fsm field that nothing but the transition methods (called from
tracker.services) may change; every transition is written to the audit log in the same
transaction. Rules quoted from ../shared/DOMAIN.md are cited as "DOMAIN: <section>".
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.models import TimeStampedModel
from tracker import guards
from tracker.choices import COMPLETED_STATES, STARTED_STATES, ProjectState, UnitKind
from tracker.models.money import PERCENT, WAN

if TYPE_CHECKING:
    from django_fsm import Transition


class AdministrativeUnit(TimeStampedModel):
    """One of the 18 units that implement projects: 17 counties/districts/cities + 临汾经济开发区."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    short_name = models.CharField("简称", max_length=16, unique=True)
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    display_order = models.PositiveSmallIntegerField("排序", default=0)
    label_longitude = models.DecimalField("标注经度", max_digits=9, decimal_places=6, null=True, blank=True)
    label_latitude = models.DecimalField("标注纬度", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = "县(市、区)"
        verbose_name_plural = "县(市、区)"
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return self.name


class Department(TimeStampedModel):
    """A city lead department (市直牵头部门) that pushes the counties in its domain."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64, unique=True)
    short_name = models.CharField("简称", max_length=16, unique=True)
    display_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "市直部门"
        verbose_name_plural = "市直部门"
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return self.name


class Domain(TimeStampedModel):
    """One of the 6 key domains (DOMAIN: The portfolio): 生态、水利、城管、住建、规自、商务."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=16, unique=True)
    lead_department = models.ForeignKey(
        Department, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="domains"
    )
    display_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "领域"
        verbose_name_plural = "领域"
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return self.name


class Basin(TimeStampedModel):
    """A river or basin the projects lie on (黄河干流、汾河、浍河、昕水河 …)."""

    name = models.CharField("名称", max_length=32, unique=True)
    display_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "流域"
        verbose_name_plural = "流域"
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return self.name


class Project(ConcurrentTransitionMixin, TimeStampedModel):
    """A province-designated project and its life cycle 前期 → 开工 → 完工 → 达效 (停工 ⇄ 开工).

    `state` is protected: only the transition methods below change it, and only
    tracker.services calls them (with the guard check, the permission check, the row lock,
    the version check and the audit row, all in one transaction). `version` rises on every
    write so that a clerk editing a stale copy gets a conflict instead of overwriting.
    """

    code = models.CharField("项目编号", max_length=32, unique=True)
    map_number = models.PositiveIntegerField("序号", unique=True, help_text="台账序号，也是挂图上的编号")
    name = models.CharField("项目名称", max_length=200)
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="县(市、区)", on_delete=models.PROTECT, related_name="projects"
    )
    lead_department = models.ForeignKey(
        Department, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="projects"
    )
    domain = models.ForeignKey(Domain, verbose_name="领域", on_delete=models.PROTECT, related_name="projects")
    basin = models.ForeignKey(
        Basin, verbose_name="流域", on_delete=models.PROTECT, related_name="projects", null=True, blank=True
    )
    owner_name = models.CharField("项目单位", max_length=200)
    owner_contact = models.CharField("项目单位联系人", max_length=50, blank=True)
    owner_phone = models.CharField("联系电话", max_length=30, blank=True)
    content_scale = models.TextField("建设内容及规模", blank=True)
    total_investment = models.DecimalField("总投资(万元)", **WAN)
    annual_planned_investment = models.DecimalField("年度计划投资(万元)", default=Decimal("0"), **WAN)
    planned_start = models.DateField("计划开工日期")
    planned_completion = models.DateField("计划完工日期")
    planned_effective = models.DateField("计划达效日期", null=True, blank=True)
    actual_start = models.DateField("实际开工日期", null=True, blank=True)
    actual_completion = models.DateField("实际完工日期", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    effect_note = models.TextField("达效情况", blank=True)
    effect_evidence = models.FileField("达效佐证材料", upload_to="evidence/%Y/%m/", blank=True)
    progress_percent = models.DecimalField("形象进度(%)", default=Decimal("0"), **PERCENT)
    completed_investment = models.DecimalField("累计完成投资(万元)", default=Decimal("0"), **WAN)
    funds_in_place = models.DecimalField("资金到位(万元)", default=Decimal("0"), **WAN)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    is_provincial = models.BooleanField("省定工程", default=True)
    # The day the project entered the portfolio (纳入台账): on every earlier date it did not exist
    # (tracker.portfolio counts it, and its investment, only from this day on).
    listed_on = models.DateField("纳入日期", default=timezone.localdate, db_index=True)
    target_year = models.PositiveSmallIntegerField("目标年度")
    remarks = models.TextField("备注", blank=True)
    state = FSMField(
        "当前阶段", default=ProjectState.PREPARATION, choices=ProjectState.choices, protected=True, db_index=True
    )
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    if TYPE_CHECKING:
        # Added to the class by FSMField when the model is built.
        def get_all_state_transitions(self) -> Iterator[Transition]: ...

        # Set by tracker.services.project_transition on the project it returns: what the clerk
        # should hear although the move went through.
        transition_warnings: list[str]

    class Meta:
        verbose_name = "工程项目"
        verbose_name_plural = "工程项目"
        ordering = ["map_number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_investment__gte=0)
                & models.Q(completed_investment__gte=0)
                & models.Q(funds_in_place__gte=0),
                name="project_money_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(progress_percent__gte=0) & models.Q(progress_percent__lte=100),
                name="project_progress_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        """Dates keep their order: 计划开工 ≤ 计划完工 ≤ 计划达效, 实际开工 ≤ 实际完工 ≤ 验收(达效)."""
        if problems := guards.date_order_problems(self):
            raise ValidationError(problems)

    # --- transitions: guards live in tracker.guards (pure, no I/O beyond this row's procedures)
    @transition(
        field=state,
        source=ProjectState.PREPARATION,
        target=ProjectState.UNDER_CONSTRUCTION,
        conditions=[guards.can_start],
    )
    def start(self) -> None:
        """前期 → 开工."""

    @transition(
        field=state,
        source=ProjectState.UNDER_CONSTRUCTION,
        target=ProjectState.SUSPENDED,
        conditions=[guards.can_suspend],
    )
    def suspend(self) -> None:
        """开工 → 停工 (winter shutdown or a blocking problem)."""

    @transition(field=state, source=ProjectState.SUSPENDED, target=ProjectState.UNDER_CONSTRUCTION)
    def resume(self) -> None:
        """停工 → 开工 (复工)."""

    @transition(
        field=state,
        source=ProjectState.UNDER_CONSTRUCTION,
        target=ProjectState.COMPLETED,
        conditions=[guards.can_complete],
    )
    def complete(self) -> None:
        """开工 → 完工."""

    @transition(
        field=state,
        source=ProjectState.COMPLETED,
        target=ProjectState.EFFECTIVE,
        conditions=[guards.can_make_effective],
    )
    def make_effective(self) -> None:
        """完工 → 达效."""

    @transition(field=state, source=ProjectState.COMPLETED, target=ProjectState.UNDER_CONSTRUCTION)
    def reopen(self) -> None:
        """完工 → 开工: a backwards move, office leaders only (checked in services)."""

    @transition(field=state, source=ProjectState.UNDER_CONSTRUCTION, target=ProjectState.PREPARATION)
    def revert_to_preparation(self) -> None:
        """开工 → 前期: a backwards move, office leaders only (checked in services)."""

    @property
    def is_started(self) -> bool:
        return self.state in STARTED_STATES

    @property
    def is_completed(self) -> bool:
        return self.state in COMPLETED_STATES
