"""Import a master ledger or a weekly sheet: manage.py import_ledger master|weekly FILE [--dry-run]."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.actors import SYSTEM
from ledgers.importing import (
    IMPORT_KINDS,
    LedgerImportRefused,
    ledger_import_confirm,
    ledger_import_preview,
)
from ledgers.parsing import CellError, parse_date


class Command(BaseCommand):
    help = ("导入台账：manage.py import_ledger master|weekly FILE [--dry-run] [--week 2025-03-03]；"
            "有错误时列出各行错误并以非零状态退出，不写入任何数据")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(IMPORT_KINDS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只预览将新增和修改的内容，不写入")
        parser.add_argument("--week", default="", help="周调度表所属周（该周任一日期；默认取表头标题中的日期，否则本周）")

    def _print(self, preview) -> None:
        for row_change in preview.changed_rows:
            action = "新增" if row_change.action == "create" else "修改"
            self.stdout.write(f"第{row_change.row}行 {row_change.code} {row_change.name}：{action}")
            for change in row_change.changes:
                self.stdout.write(f"    {change.column}：{change.old or '（空）'} → {change.new or '（空）'}")
        for difference in preview.stage_differences:
            self.stdout.write(f"阶段不一致（导入不修改阶段）：{difference}")
        for note in preview.notes:
            self.stdout.write(f"提示：{note}")

    def handle(self, *args, kind, file, dry_run, week, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            week_day = parse_date(week) if week else None
        except CellError as error:
            raise CommandError(f"--week：{error.message}") from error
        data = path.read_bytes()
        try:
            if dry_run:
                preview = ledger_import_preview(kind=kind, data=data, acting_user=SYSTEM, week=week_day,
                                                file_name=path.name)
            else:
                preview = ledger_import_confirm(kind=kind, data=data, acting_user=SYSTEM, file_name=path.name,
                                                week=week_day)
        except LedgerImportRefused as refused:
            preview = refused.preview
        if not preview.ok:
            for row_error in preview.errors:
                self.stderr.write(str(row_error))
            raise CommandError(preview.error_summary())
        self._print(preview)
        if preview.week_start:
            self.stdout.write(f"周调度所属周：{preview.week_start:%Y-%m-%d}")
        prefix = "预览（未写入）" if dry_run else "已导入"
        self.stdout.write(f"{prefix}：{preview.summary()}")
