"""The choices of the domain's fields: states, levels, kinds, roles, audit actions — and the
groups of states the rules read (started, completed, active). No models here: every app may
import these without touching the database layer."""
from __future__ import annotations

from django.db import models


class UnitKind(models.TextChoices):
    DISTRICT = "district", "区"
    CITY = "city", "县级市"
    COUNTY = "county", "县"
    ZONE = "zone", "开发区"


class ProjectState(models.TextChoices):
    PREPARATION = "preparation", "前期"
    UNDER_CONSTRUCTION = "under_construction", "开工"
    SUSPENDED = "suspended", "停工"
    COMPLETED = "completed", "完工"
    EFFECTIVE = "effective", "达效"


# States that count as "started" / "completed" in rates and the province's targets.
STARTED_STATES = (
    ProjectState.UNDER_CONSTRUCTION,
    ProjectState.SUSPENDED,
    ProjectState.COMPLETED,
    ProjectState.EFFECTIVE,
)


COMPLETED_STATES = (ProjectState.COMPLETED, ProjectState.EFFECTIVE)


ACTIVE_STATES = (ProjectState.PREPARATION, ProjectState.UNDER_CONSTRUCTION, ProjectState.SUSPENDED)


class ProcedureKind(models.TextChoices):
    PROJECT_APPROVAL = "project_approval", "立项/可研批复"
    PRELIMINARY_DESIGN = "preliminary_design", "初步设计批复"
    LAND_USE = "land_use", "用地手续"
    PLANNING_PERMIT = "planning_permit", "规划许可"
    ENVIRONMENTAL_IMPACT = "environmental_impact", "环评批复"
    TENDERING = "tendering", "招投标"
    CONSTRUCTION_PERMIT = "construction_permit", "施工许可(开工备案)"


class ProcedureStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "办理中"
    DONE = "done", "已办结"
    NOT_REQUIRED = "not_required", "无需办理"


PROCEDURE_SETTLED = (ProcedureStatus.DONE, ProcedureStatus.NOT_REQUIRED)


class ProblemCategory(models.TextChoices):
    PROCEDURE = "procedure", "手续"
    FUNDS = "funds", "资金"
    LAND = "land", "用地"
    TECHNOLOGY = "technology", "技术"
    RESPONSIBILITY = "responsibility", "责任"
    OTHER = "other", "其他"


class EscalationLevel(models.TextChoices):
    """DOMAIN: The escalation ladder — 专班协调 → 市政府领导协调 → 省专班."""

    OFFICE = "office", "专班"
    CITY = "city", "市政府"
    PROVINCE = "province", "省专班"


ESCALATION_ORDER = [EscalationLevel.OFFICE, EscalationLevel.CITY, EscalationLevel.PROVINCE]


class ProblemStatus(models.TextChoices):
    OPEN = "open", "未解决"
    RESOLVED = "resolved", "已解决"


class SectionLevel(models.TextChoices):
    NATIONAL = "national", "国考"
    PROVINCIAL = "provincial", "省考"


class WaterClass(models.IntegerChoices):
    I = 1, "Ⅰ类"  # noqa: E741
    II = 2, "Ⅱ类"
    III = 3, "Ⅲ类"
    IV = 4, "Ⅳ类"
    V = 5, "Ⅴ类"
    WORSE_THAN_V = 6, "劣Ⅴ类"


GOOD_WATER_CLASS_MAX = WaterClass.III  # 优良 = class I–III (DOMAIN: Ledgers and maps)


class Role(models.TextChoices):
    CLERK = "clerk", "专班办工作人员"
    OFFICE_LEADER = "office_leader", "专班办领导"
    DEPARTMENT_LIAISON = "department_liaison", "市直部门联络员"
    COUNTY_LIAISON = "county_liaison", "县级联络员"
    CITY_LEADER = "city_leader", "市领导"


class AuditAction(models.TextChoices):
    PROJECT_TRANSITION = "project.transition", "阶段变更"
    PROJECT_EDIT = "project.edit", "项目信息修改"
    PROJECT_CREATE = "project.create", "项目新增"
    WEEKLY_REPORT = "weekly_report.submit", "周调度填报"
    PROCEDURE_UPDATE = "procedure.update", "手续更新"
    PROBLEM_RAISE = "problem.raise", "问题提出"
    PROBLEM_ESCALATE = "problem.escalate", "问题升级"
    PROBLEM_RESOLVE = "problem.resolve", "问题解决"
    PROBLEM_INSTRUCT = "problem.instruct", "市领导批示"
    NOTICE = "notice", "公文"
    LEDGER_IMPORT = "ledger.import", "台账导入"
    THRESHOLD_CHANGE = "threshold.change", "阈值调整"
    ADMIN_EDIT = "admin.edit", "后台数据维护"
    MONTHLY_PLAN = "monthly_plan.save", "月进展计划"
    ROLLBACK_REQUEST = "rollback.request", "退回申请"
    ROLLBACK_APPROVE = "rollback.approve", "退回批准"
    ROLLBACK_REJECT = "rollback.reject", "退回驳回"
    LOGIN = "auth.login", "登录"
    LOGIN_FAILED = "auth.login_failed", "登录失败"
    OTHER = "other", "其他"


class RollbackStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


# The procedures that must be settled before 开工 besides the construction permit itself
# (DOMAIN: approvals — 立项、用地、规划、环评、招投标 come before the permit).
START_EARLIER_PROCEDURES = (
    "project_approval", "preliminary_design", "land_use", "planning_permit",
    "environmental_impact", "tendering",
)
