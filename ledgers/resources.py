"""django-import-export resources: the admin's export buttons, in the ledgers' own columns.

Export only. Imports are never done through django-import-export's row-by-row save: they go
through ledgers.importing (preview, all rows in one transaction, 当前阶段 never written,
audited), from the ledger page (/ledgers/) or `manage.py import_ledger`. The resources reuse the
master and weekly column names so that an admin export reads like the office's ledgers.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from import_export import fields, resources

from core.spreadsheet_cells import cell_value_safe
from tracker.models import Project, WeeklyReport


class FormulaSafeResource(resources.ModelResource):
    """Every exported text cell goes through the one escaping step (core.spreadsheet_cells).

    django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT turns every cell into
    text and drops the "="; here only text is quoted, and figures and dates stay what they are.
    """

    def export_field(self, field, instance, **kwargs):  # noqa: D102
        value = super().export_field(field, instance, **kwargs)
        if field.attribute and isinstance(field.get_value(instance), int | float | Decimal | dt.date):
            return value
        return cell_value_safe(value)


class ProjectResource(FormulaSafeResource):
    """A project row in the master ledger's columns (工程总台账)."""

    map_number = fields.Field(attribute="map_number", column_name="序号")
    code = fields.Field(attribute="code", column_name="项目编号")
    name = fields.Field(attribute="name", column_name="项目名称")
    unit = fields.Field(attribute="unit__name", column_name="县(市、区)")
    lead_department = fields.Field(attribute="lead_department__name", column_name="牵头部门")
    domain = fields.Field(attribute="domain__name", column_name="领域")
    owner_name = fields.Field(attribute="owner_name", column_name="项目单位")
    content_scale = fields.Field(attribute="content_scale", column_name="建设内容及规模")
    total_investment = fields.Field(attribute="total_investment", column_name="总投资(万元)")
    planned_start = fields.Field(attribute="planned_start", column_name="计划开工日期")
    planned_completion = fields.Field(attribute="planned_completion", column_name="计划完工日期")
    state = fields.Field(column_name="当前阶段")
    progress_percent = fields.Field(attribute="progress_percent", column_name="形象进度(%)")
    completed_investment = fields.Field(attribute="completed_investment", column_name="累计完成投资(万元)")
    funds_in_place = fields.Field(attribute="funds_in_place", column_name="资金到位(万元)")
    remarks = fields.Field(attribute="remarks", column_name="备注")

    class Meta:
        model = Project
        fields = export_order = (  # only the declared ledger columns, in their order
            "map_number", "code", "name", "unit", "lead_department", "domain", "owner_name", "content_scale",
            "total_investment", "planned_start", "planned_completion", "state", "progress_percent",
            "completed_investment", "funds_in_place", "remarks",
        )

    def dehydrate_state(self, project: Project) -> str:
        return project.get_state_display()

    def get_export_queryset(self, request=None):  # noqa: D102 - one query for the related names
        return Project.objects.select_related("unit", "lead_department", "domain")


class WeeklyReportResource(FormulaSafeResource):
    """A weekly report in the weekly sheet's columns (周调度表), with its week."""

    week_start = fields.Field(attribute="week_start", column_name="周(周一日期)")
    code = fields.Field(attribute="project__code", column_name="项目编号")
    name = fields.Field(attribute="project__name", column_name="项目名称")
    progress_percent = fields.Field(attribute="progress_percent", column_name="本周形象进度(%)")
    completed_investment = fields.Field(attribute="completed_investment", column_name="累计完成投资(万元)")
    funds_in_place = fields.Field(attribute="funds_in_place", column_name="资金到位(万元)")
    procedure_note = fields.Field(attribute="procedure_note", column_name="手续办理进展")
    problem_note = fields.Field(attribute="problem_note", column_name="存在问题")
    reporter_name = fields.Field(attribute="reporter_name", column_name="填报人")
    reporter_phone = fields.Field(attribute="reporter_phone", column_name="联系电话")
    decrease_note = fields.Field(attribute="decrease_note", column_name="进度回调说明")

    class Meta:
        model = WeeklyReport
        fields = export_order = (
            "week_start", "code", "name", "progress_percent", "completed_investment", "funds_in_place",
            "procedure_note", "problem_note", "reporter_name", "reporter_phone", "decrease_note",
        )
