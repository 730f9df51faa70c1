"""Run the local stand-in for 企业微信, 钉钉 and Alibaba Cloud SMS (outreach.sandbox) until stopped.

`make demo` starts it beside the server; `outreach_demo` configures the demo's endpoints to use it.
What it accepts is appended to settings.YIHONG_OUTREACH_SANDBOX_LOG (shown on /outreach/outbox/).
"""
from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from outreach.demo_accounts import DEMO_PORT, demo_accounts
from outreach.sandbox import Receiver


class Command(BaseCommand):
    help = "运行本机模拟的企业微信、钉钉、短信接收端（演示用）"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=DEMO_PORT)

    def handle(self, *args, port: int, **options):
        settings.YIHONG_OUTREACH_SANDBOX_LOG.parent.mkdir(parents=True, exist_ok=True)
        receiver = Receiver(demo_accounts(), port=port, log_path=settings.YIHONG_OUTREACH_SANDBOX_LOG).start()
        self.stdout.write(f"模拟接收端已启动：{receiver.base_url}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            receiver.stop()
