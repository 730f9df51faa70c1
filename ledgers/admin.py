"""The admin's export buttons for projects and weekly reports (django-import-export): the domain's
admin (tracker/admin.py) is extended here, so that the domain never imports the ledgers app.
Export only: imports go through the ledger page (/ledgers/), which previews and validates."""
from django.contrib import admin
from import_export.admin import ExportMixin

from ledgers.resources import ProjectResource, WeeklyReportResource
from tracker.admin import ProjectAdmin, WeeklyReportAdmin
from tracker.models import Project, WeeklyReport

admin.site.unregister(Project)
admin.site.unregister(WeeklyReport)


@admin.register(Project)
class ProjectExportAdmin(ExportMixin, ProjectAdmin):
    resource_classes = [ProjectResource]


@admin.register(WeeklyReport)
class WeeklyReportExportAdmin(ExportMixin, WeeklyReportAdmin):
    resource_classes = [WeeklyReportResource]
