"""Load the deterministic demo ledger (idempotent) and print the demo logins."""
from django.core.management.base import BaseCommand

from demo.ledger import DEMO_PASSWORD, demo_ledger_load


class Command(BaseCommand):
    help = "载入演示台账（95个项目及其历史），可重复执行"

    def handle(self, *args, **options):
        result = demo_ledger_load()
        if result["created"]:
            self.stdout.write(self.style.SUCCESS(f"已载入演示台账：{result['projects']} 个项目"))
        else:
            self.stdout.write(f"演示台账已存在（{result['projects']} 个项目），未重复载入")
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, scope in result["users"]:
            self.stdout.write(f"  {username:<22} {role:<10} {scope}")
