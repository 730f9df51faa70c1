"""Demo notices of every kind from the demo ledger (idempotent; `make demo` runs it after load_demo)."""
import logging

from django.core.management.base import BaseCommand

from demo.notices import generate_demo_notices


class Command(BaseCommand):
    help = "根据演示台账生成各类演示公文（可重复运行）"

    def handle(self, *args, **options):
        # The letters' tasks run in this process (no broker in the demo): keep their trace quiet.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        result = generate_demo_notices()
        self.stdout.write(f"演示公文：共{result['notices']}份，已签发{result['issued']}份；"
                          f"新增邮件接收方{result['email_endpoints_created']}个")
