"""`manage.py notice_preview ID -o FILE.pdf`: a draft's preview PDF (watermarked 草稿, no number)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from notices.models import EDITABLE_STATES, Notice
from notices.services.issuing import notice_preview_pdf


class Command(BaseCommand):
    help = "输出草稿的预览PDF（带“草稿”水印，无文号）"

    def add_arguments(self, parser):
        parser.add_argument("notice_id", type=int, help="公文ID")
        parser.add_argument("-o", "--output", required=True, help="输出的PDF文件路径")

    def handle(self, *args, notice_id: int, output: str, **options):
        notice = Notice.objects.filter(pk=notice_id).first()
        if notice is None:
            raise CommandError(f"公文ID {notice_id} 不存在")
        if notice.state not in EDITABLE_STATES:
            raise CommandError(
                f"公文ID {notice_id} 已{notice.get_state_display()}，"
                "正式文件见 manage.py notices --json 的 pdf"
            )
        path = Path(output)
        path.write_bytes(notice_preview_pdf(notice=notice))
        self.stdout.write(self.style.SUCCESS(f"已输出草稿预览：{path}"))
