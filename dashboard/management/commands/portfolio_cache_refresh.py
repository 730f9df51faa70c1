"""Announce a change made behind the application's back (a restore, a hand-made SQL fix)."""
from django.core.management.base import BaseCommand

from dashboard.cache import portfolio_version, portfolio_version_bump


class Command(BaseCommand):
    help = "数据库被直接修改（如从备份恢复）后执行：看板和台账的缓存数据立即按新数据重新计算"

    def handle(self, *args, **options):
        portfolio_version_bump()
        self.stdout.write(self.style.SUCCESS(f"看板与台账缓存已更新（数据版本 {portfolio_version()}）"))
