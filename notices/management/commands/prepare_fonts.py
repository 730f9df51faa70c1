"""Subset the free CJK faces once, so that every document renders fast (idempotent)."""
import time

from django.core.management.base import BaseCommand

from notices.fonts import prepare_all


class Command(BaseCommand):
    help = "预处理公文所用的免费字体（子集化到 GB 2312），已处理则跳过"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="即使已处理也重新生成")

    def handle(self, *args, force=False, **options):
        started = time.perf_counter()
        for face, path, done in prepare_all(force=force):
            size_kb = path.stat().st_size // 1024
            verb = "已生成" if done else "已存在"
            self.stdout.write(f"{verb} {face.family}: {path} ({size_kb} KB)")
        self.stdout.write(f"字体准备完成，用时 {time.perf_counter() - started:.1f} 秒")
