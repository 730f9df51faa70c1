"""An import built from an export older than the data it changes.

A master ledger exported on Monday, edited in Excel all week and imported on Friday would
silently put back Monday's values over whatever the office changed in between. The export
writes its time into the file (ledgers.exporting.stamp); here each changed row whose project
was edited after that time is flagged ("文件导出后该项目已被修改"), and the import then needs
the importer's explicit confirmation (ledgers.importing.confirm).
"""
from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from ledgers.exporting.stamp import exported_at_read
from ledgers.importing.rows import ImportPreview, Sheet
from tracker.choices import AuditAction
from tracker.models import AuditEvent

# The writes that change a project's master fields (a weekly report changes only its figures,
# which the master import never writes).
EDITS = (AuditAction.PROJECT_EDIT, AuditAction.ADMIN_EDIT, AuditAction.LEDGER_IMPORT)


def stale_rows_mark(preview: ImportPreview, sheet: Sheet) -> None:
    """Flag the preview's updates of projects edited after the file's export time (one query)."""
    exported_at = exported_at_read(sheet.title_lines)
    preview.exported_at = exported_at
    updates = [(row, row.project) for row in preview.row_changes
               if row.action == "update" and row.project is not None]
    if exported_at is None or not updates:
        return
    edited = {
        row["project_id"]: row["last"]
        for row in AuditEvent.objects.filter(
            project_id__in=[project.pk for _, project in updates], action__in=EDITS,
            occurred_at__gt=exported_at,
        ).values("project_id").annotate(last=Max("occurred_at"))
    }
    if not edited:
        return
    names = dict(
        AuditEvent.objects.filter(project_id__in=list(edited), occurred_at__in=list(edited.values()))
        .values_list("project_id", "actor_name")
    )
    for row, project in updates:
        last = edited.get(project.pk)
        if last is not None:
            who = names.get(project.pk, "")
            row.stale = (f"文件导出后该项目已被修改（{who}于{timezone.localtime(last):%Y-%m-%d %H:%M}），"
                         "导入将覆盖这些修改")
