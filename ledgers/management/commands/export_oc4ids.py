"""Write the portfolio as an OC4IDS 0.9.5 project package: manage.py export_oc4ids -o FILE."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from ledgers.oc4ids import oc4ids_package


class Command(BaseCommand):
    help = "导出OC4IDS项目数据包（JSON）：manage.py export_oc4ids -o FILE [--uri URI]"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="输出的JSON文件")
        parser.add_argument("--uri", default="", help="数据包的唯一标识URI（默认 urn:yihong:oc4ids:<日期>）")

    def handle(self, *args, output, uri, **options):
        package = oc4ids_package(uri=uri)
        Path(output).write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
        self.stdout.write(f"已导出OC4IDS数据包：{output}（{len(package['projects'])}个项目）")
