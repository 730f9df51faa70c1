"""The admin's export buttons (django-import-export) use the ledgers' column names."""
from __future__ import annotations

from django.urls import reverse

from ledgers.exporting import MASTER_HEADERS, WEEKLY_HEADERS
from ledgers.resources import ProjectResource, WeeklyReportResource
from tracker.models import Project, WeeklyReport


def test_project_resource_exports_the_master_columns(demo_ledger):
    # when
    dataset = ProjectResource().export()
    # then every column is a master-ledger column, in the ledger's order, and the stage is its label
    assert dataset.headers == [h for h in MASTER_HEADERS if h not in ("存在问题",)]
    assert len(dataset) == Project.objects.count()
    assert set(dataset["当前阶段"]) <= {"前期", "开工", "停工", "完工", "达效"}


def test_weekly_report_resource_exports_the_weekly_sheet_columns(demo_ledger):
    dataset = WeeklyReportResource().export()
    assert dataset.headers[1:] == [h for h in WEEKLY_HEADERS]
    assert len(dataset) == WeeklyReport.objects.count()


def test_admin_project_list_offers_export_but_no_import(client, leader):
    client.force_login(leader)
    leader.is_staff = True
    leader.save()
    page = client.get(reverse("admin:tracker_project_changelist")).content.decode()
    assert reverse("admin:tracker_project_export") in page
    assert "tracker_project_import" not in page
