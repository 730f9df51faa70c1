"""Write a ledger (台账) to a file: manage.py export_ledger KIND -o FILE [--format xlsx|csv] [filters]."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ledgers.exporting import KINDS, LedgerFilters, ledger_build, ledger_file
from ledgers.parsing import CellError, parse_date


class Command(BaseCommand):
    help = ("导出台账：manage.py export_ledger KIND -o FILE [--format xlsx|csv] "
            "[--unit U --domain D --state S --year Y --date D]")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS),
                            help="台账类型：" + "、".join(f"{k}={v}" for k, v in KINDS.items()))
        parser.add_argument("-o", "--output", required=True, help="输出文件（目录则按台账名称和日期命名）")
        parser.add_argument("--format", dest="file_format", choices=["xlsx", "csv"], default=None)
        parser.add_argument("--unit", default="", help="县(市、区)代码，如 houma")
        parser.add_argument("--domain", default="", help="领域代码，如 ecology")
        parser.add_argument("--department", default="", help="牵头部门代码，如 water_bureau")
        parser.add_argument("--state", default="", help="阶段：前期/开工/停工/完工/达效（或其英文值）")
        parser.add_argument("--year", type=int, default=None, help="目标年度")
        parser.add_argument("--date", default="", help="截至日期，如 2025-03-03（默认今天）")

    def handle(self, *args, kind, output, file_format, unit, domain, department, state, year, date,
               **options) -> None:
        try:
            as_of: dt.date | None = parse_date(date) if date else None
        except CellError as error:
            raise CommandError(f"--date：{error.message}") from error
        output_path = Path(output)
        if file_format is None:
            file_format = "csv" if output_path.suffix.lower() == ".csv" else "xlsx"
        filters = LedgerFilters(unit=unit, domain=domain, department=department, state=state, year=year,
                                as_of=as_of)
        try:
            table = ledger_build(kind=kind, user=None, filters=filters)
            name, content, _ = ledger_file(table, file_format=file_format)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if output_path.is_dir():
            output_path = output_path / name
        output_path.write_bytes(content)
        self.stdout.write(f"已导出{KINDS[kind]}：{output_path}（{len(table.rows)}行）")
