"""Preview, then confirm: the whole file in one transaction, or nothing."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.actors import is_system
from core.workdays import monday_of
from ledgers.exporting import cn_date
from ledgers.importing.master import _master_preview, _master_write
from ledgers.importing.rows import (
    IMPORT_KINDS,
    MASTER_OPTIONAL,
    MASTER_REQUIRED,
    WEEKLY_OPTIONAL,
    WEEKLY_REQUIRED,
    ImportPreview,
    LedgerImportRefused,
    ProgressCallback,
    RowError,
    _read,
)
from ledgers.importing.weekly import _week_from_title, _weekly_row_changes, _weekly_write
from tracker import permissions
from tracker.audit.records import audit_event_build
from tracker.choices import AuditAction
from tracker.models import AuditEvent
from tracker.signals import portfolio_bulk_changed_send

ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".csv")


def _preview_read(*, kind: str, data: bytes, acting_user, week: dt.date | None, lock: bool,
                  file_name: str = "") -> ImportPreview:
    if kind not in IMPORT_KINDS:
        raise ValueError(f"未知的导入类型“{kind}”，应为master或weekly")
    preview = ImportPreview(kind=kind)
    if file_name and not file_name.lower().endswith(ACCEPTED_SUFFIXES):
        # The content decides what the file is (ledgers.parsing.sniff_format); a name
        # such as 台账.pdf or 台账.docx is refused too, so that nobody imports the wrong file.
        preview.errors.append(RowError(0, "", f"文件“{file_name}”不是xlsx、xls或csv格式，请上传Excel或csv台账"))
        return preview
    if not is_system(acting_user):
        permissions.require(permissions.can_import_ledger(acting_user, kind), "您没有导入该台账的权限")
    if kind == "master":
        sheet = _read(preview, data, MASTER_REQUIRED, MASTER_OPTIONAL)
        if sheet is not None:
            _master_preview(preview, sheet, acting_user, lock=lock)
    else:
        sheet = _read(preview, data, WEEKLY_REQUIRED, WEEKLY_OPTIONAL)
        if sheet is not None:
            preview.week_start = monday_of(week) if week else (
                _week_from_title(sheet.title_lines) or monday_of(timezone.localdate())
            )
            _weekly_row_changes(preview, sheet, acting_user, week=preview.week_start, lock=lock)
    if sheet is not None and preview.rows_read == 0 and not preview.errors:
        preview.errors.append(RowError(0, "", "表头下没有数据行"))
    preview.errors.sort(key=lambda e: (e.row, e.column))
    return preview


def ledger_import_preview(
    *, kind: str, data: bytes, acting_user, week: dt.date | None = None, file_name: str = ""
) -> ImportPreview:
    """Read a master ledger or a weekly sheet and say what importing it would do. Writes nothing."""
    return _preview_read(kind=kind, data=data, acting_user=acting_user, week=week, lock=False,
                         file_name=file_name)


def ledger_import_confirm(
    *,
    kind: str,
    data: bytes,
    acting_user,
    file_name: str = "",
    week: dt.date | None = None,
    progress: ProgressCallback | None = None,
    overwrite_newer: bool = False,
) -> ImportPreview:
    """Import the file: every row in one transaction, or nothing (LedgerImportRefused lists why).

    The file is read again here, with the affected projects locked, so that what is written is
    checked against the data as it is now, not as it was at preview time. Rows of projects edited
    after the file was exported are written only with `overwrite_newer` (the importer ticked
    that they checked them).
    """
    with transaction.atomic():
        preview = _preview_read(kind=kind, data=data, acting_user=acting_user, week=week, lock=True,
                                file_name=file_name)
        if preview.ok and preview.stale_rows and not overwrite_newer:
            preview.errors.append(RowError(0, "", (
                f"文件导出后有{len(preview.stale_rows)}个项目已被修改"
                f"（第{'、'.join(str(row.row) for row in preview.stale_rows)}行），"
                "请核对后勾选“确认覆盖导出后的修改”再导入，或重新导出台账后修改")))
        if not preview.ok:
            raise LedgerImportRefused(preview)
        if progress:
            progress(0, len(preview.changed_rows))
        if kind == "master":
            events = _master_write(preview, acting_user, progress)
        else:
            events = _weekly_write(preview, acting_user, progress)
        now = timezone.now()
        units = {row_change.project.unit_id for row_change in preview.row_changes
                 if row_change.project is not None}
        events.append(audit_event_build(
            acting_user=acting_user, action=AuditAction.LEDGER_IMPORT, occurred_at=now,
            effective_on=preview.week_start or timezone.localdate(),
            unit_id=units.pop() if len(units) == 1 else None,
            object_type="ledger", object_id=kind,
            reason=preview.summary(),
            data={"kind": kind, "file_name": file_name, "rows_read": preview.rows_read,
                  "created": preview.created, "updated": preview.updated, "unchanged": preview.unchanged,
                  "week_start": preview.week_start.isoformat() if preview.week_start else None,
                  "stage_differences": [str(d) for d in preview.stage_differences]},
        ))
        AuditEvent.objects.bulk_create(events, batch_size=500)
        # Bulk writes send no signals: announce the change to the dashboard's cache ourselves.
        portfolio_bulk_changed_send(sender=__name__)
    return preview


def week_label(week: dt.date) -> str:
    return f"{cn_date(week)}至{cn_date(week + dt.timedelta(days=6))}"
