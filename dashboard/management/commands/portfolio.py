"""Report the portfolio as it stood on a date (computed from the audit log)."""
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.portfolio import portfolio_as_of


class Command(BaseCommand):
    help = "统计截至某日的工程总体情况：manage.py portfolio --as-of 2024-12-31 [--json]"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="截至日期，格式 YYYY-MM-DD（默认今天）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"日期格式不正确：{options['as_of']}（应为 YYYY-MM-DD）") from error
        snapshot = portfolio_as_of(as_of=as_of)
        data = snapshot.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"截至{as_of:%Y年%m月%d日}：项目 {data['projects']} 个，涉及 {data['units']} 个县(市、区)")
        self.stdout.write(f"总投资 {data['total_investment_wan']} 万元")
        self.stdout.write(
            f"已开工 {data['started']} 个（{data['started_rate']}%），"
            f"已完工 {data['completed']} 个（{data['completed_rate']}%），"
            f"已达效 {data['effective']} 个"
        )
        self.stdout.write("按阶段：" + "，".join(f"{k} {v}" for k, v in data["by_state"].items()))
        self.stdout.write("按领域：" + "，".join(f"{k} {v}" for k, v in data["by_domain"].items()))
        self.stdout.write("按县(市、区)：" + "，".join(f"{k} {v}" for k, v in data["by_unit"].items()))
