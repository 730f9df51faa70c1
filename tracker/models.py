"""The task-force office's portfolio: units, departments, domains, projects and their life cycle.

Rules quoted from ../shared/DOMAIN.md are cited as "DOMAIN: <section>". The project's state is
a django-fsm field that nothing but the transition methods (called from tracker.services) may
change; every transition is written to AuditEvent in the same transaction.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from tracker import guards
from tracker.choices import (  # noqa: F401  (the choices are part of the models' interface)
    ACTIVE_STATES,
    COMPLETED_STATES,
    ESCALATION_ORDER,
    GOOD_WATER_CLASS_MAX,
    PROCEDURE_SETTLED,
    STARTED_STATES,
    AuditAction,
    EscalationLevel,
    ProblemCategory,
    ProblemStatus,
    ProcedureKind,
    ProcedureStatus,
    ProjectState,
    Role,
    RollbackStatus,
    SectionLevel,
    UnitKind,
    WaterClass,
)

WAN = {"max_digits": 14, "decimal_places": 2}  # money in 万元, two places (STYLE: never floats)
PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


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


class Procedure(TimeStampedModel):
    """One approval procedure (手续) of a project, one row per kind."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="procedures")
    kind = models.CharField("手续类型", max_length=32, choices=ProcedureKind.choices)
    status = models.CharField("办理状态", max_length=16, choices=ProcedureStatus.choices, default="not_started")
    started_on = models.DateField("启动日期", null=True, blank=True)
    completed_on = models.DateField("办结日期", null=True, blank=True)
    approving_body = models.CharField("审批部门", max_length=100, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    # The approval document (批复文件) that settles the procedure: its number, date and scan.
    approval_number = models.CharField("批复文号", max_length=100, blank=True)
    approval_date = models.DateField("批复日期", null=True, blank=True)
    approval_file = models.FileField("批复文件", upload_to="approvals/%Y/%m/", blank=True)

    class Meta:
        verbose_name = "手续"
        verbose_name_plural = "手续"
        ordering = ["project__map_number", "kind"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="procedure_unique_kind")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_kind_display()}：{self.get_status_display()}"


class WeeklyReport(TimeStampedModel):
    """A project's weekly dispatch figures (调度), one per project per ISO week (keyed by its Monday)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="weekly_reports")
    week_start = models.DateField("周(周一日期)")
    progress_percent = models.DecimalField("本周形象进度(%)", **PERCENT)
    completed_investment = models.DecimalField("累计完成投资(万元)", **WAN)
    funds_in_place = models.DecimalField("资金到位(万元)", **WAN)
    procedure_note = models.CharField("手续办理进展", max_length=500, blank=True)
    problem_note = models.CharField("存在问题", max_length=500, blank=True)
    decrease_note = models.CharField("进度回调说明", max_length=500, blank=True)
    reporter_name = models.CharField("填报人", max_length=50, blank=True)
    reporter_phone = models.CharField("联系电话", max_length=30, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报账号", on_delete=models.SET_NULL, null=True, blank=True
    )
    reported_at = models.DateTimeField("填报时间")

    class Meta:
        verbose_name = "周调度"
        verbose_name_plural = "周调度"
        ordering = ["-week_start", "project__map_number"]
        # The unique constraint's index serves "a project's latest report on or before a date";
        # this one serves "is anything dated after this date?" (dashboard.selectors.current_fields_hold).
        indexes = [models.Index(fields=["week_start"], name="weekly_report_week")]
        constraints = [
            models.UniqueConstraint(fields=["project", "week_start"], name="weekly_report_one_per_week"),
            models.CheckConstraint(
                condition=models.Q(completed_investment__gte=0) & models.Q(funds_in_place__gte=0),
                name="weekly_report_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.week_start:%Y-%m-%d}周"


class MonthlyPlan(TimeStampedModel):
    """What a project plans to reach by the end of a month (月进展计划)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="monthly_plans")
    month = models.DateField("月份(当月1日)")
    planned_progress_percent = models.DecimalField("计划形象进度(%)", **PERCENT)
    planned_investment = models.DecimalField("计划累计投资(万元)", default=Decimal("0"), **WAN)
    milestone = models.CharField("计划节点", max_length=200, blank=True)

    class Meta:
        verbose_name = "月进展计划"
        verbose_name_plural = "月进展计划"
        ordering = ["project__map_number", "month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="monthly_plan_one_per_month")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.month:%Y年%m月}计划"


class Problem(TimeStampedModel):
    """A blocking problem of a project and where it stands on the escalation ladder."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="problems")
    description = models.TextField("问题描述")
    category = models.CharField("类别", max_length=16, choices=ProblemCategory.choices)
    level = models.CharField("协调层级", max_length=16, choices=EscalationLevel.choices, default="office")
    level_since = models.DateField("升级至当前层级日期")
    status = models.CharField("状态", max_length=16, choices=ProblemStatus.choices, default="open", db_index=True)
    raised_on = models.DateField("提出日期")
    resolved_on = models.DateField("解决日期", null=True, blank=True)
    resolution = models.TextField("解决情况", blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_problems",
    )
    responsible_leader = models.CharField("责任市领导", max_length=50, blank=True)
    # Who must solve it and by when (a 专班 assigns both when the problem is raised).
    responsible_unit = models.CharField("责任单位", max_length=64, blank=True)
    due_on = models.DateField("办理时限", null=True, blank=True)

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题"
        ordering = ["-raised_on", "id"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.description[:30]}"

    def days_left(self, today) -> int | None:
        """Days until the deadline (negative: overdue by so many); None without one or once solved."""
        return None if self.due_on is None or self.status != ProblemStatus.OPEN else (self.due_on - today).days


class MonitoringSection(TimeStampedModel):
    """A surface-water monitoring section (断面), national or provincial, with its target class."""

    code = models.CharField("断面编码", max_length=32, unique=True)
    name = models.CharField("断面名称", max_length=64)
    river = models.CharField("所在河流", max_length=32)
    level = models.CharField("级别", max_length=16, choices=SectionLevel.choices)
    target_class = models.PositiveSmallIntegerField("目标水质", choices=WaterClass.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="所在县(市、区)", on_delete=models.PROTECT, related_name="sections"
    )
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6)
    projects = models.ManyToManyField(Project, verbose_name="关联项目", related_name="sections", blank=True)

    class Meta:
        verbose_name = "监测断面"
        verbose_name_plural = "监测断面"
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_display()}）"


class SectionReading(TimeStampedModel):
    """The water class measured at a section in one month."""

    section = models.ForeignKey(
        MonitoringSection, verbose_name="断面", on_delete=models.CASCADE, related_name="readings"
    )
    month = models.DateField("月份(当月1日)")
    water_class = models.PositiveSmallIntegerField("水质类别", choices=WaterClass.choices)

    class Meta:
        verbose_name = "断面水质月报"
        verbose_name_plural = "断面水质月报"
        ordering = ["section", "month"]
        constraints = [models.UniqueConstraint(fields=["section", "month"], name="section_reading_one_per_month")]

    def __str__(self) -> str:
        return f"{self.section.name} {self.month:%Y年%m月} {self.get_water_class_display()}"


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
        Project, verbose_name="项目", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
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


class RollbackRequest(TimeStampedModel):
    """A clerk's request to move a project backwards (完工→开工 or 开工→前期).

    Backward moves are for the office's leaders only, with a reason (issue 2, "The life
    cycle"): a clerk files the request with reason and evidence, a leader approves it (which
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


# A city leader's 批示 on an escalated problem (issue 16) lives next door.
from tracker.instruction_models import ProblemInstruction  # noqa: E402,F401


# Models kept in their own modules (tracker.models stays under the house's 600 lines).
from tracker.setting_models import OfficeSetting  # noqa: E402, F401
