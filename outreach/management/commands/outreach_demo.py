"""Configure the demo's channels against the local receiver and send the demo date's messages.

Run by `make demo` after the demo history, with `manage.py outreach_sandbox` running: 侯马市 reads
in a 企业微信 group, on 钉钉 and by SMS; 市水利局 in a 企业微信 group; the office on 钉钉 (批示).
Then the reminder scan of the demo date runs (new letters of the last days, 签收/反馈 reminders,
本周未报), the SMS delivery reports are read back, and what the receiver accepted shows on
/outreach/outbox/.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from outreach import sending, services
from outreach.demo_accounts import demo_settings
from outreach.models import Channel, Endpoint, Message, Scope
from tracker.models import AdministrativeUnit, Department


class Command(BaseCommand):
    help = "配置演示用消息渠道（本机模拟接收端）并发送演示日期的提醒"

    def add_arguments(self, parser):
        parser.add_argument("--date", default=settings.YIHONG_DEMO_DATE)

    def handle(self, *args, date: str, **options):
        # The messages' tasks run in this process (no broker in the demo): keep their trace quiet.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        demo_settings(settings)
        houma = AdministrativeUnit.objects.filter(code="houma").first()
        water = Department.objects.filter(name__contains="水利").first()
        wanted = []
        if houma is not None:
            wanted += [
                dict(channel=Channel.WECOM, scope=Scope.UNIT, unit=houma, label="侯马市工作群（企业微信）",
                     token_env="YIHONG_DEMO_WECOM_KEY"),
                dict(channel=Channel.DINGTALK, scope=Scope.UNIT, unit=houma, label="侯马市工作群（钉钉）",
                     token_env="YIHONG_DEMO_DING_TOKEN", secret_env="YIHONG_DEMO_DING_SECRET"),
                dict(channel=Channel.SMS, scope=Scope.UNIT, unit=houma, label="侯马市联络员手机",
                     address="13903570001"),
            ]
        if water is not None:
            wanted.append(dict(channel=Channel.WECOM, scope=Scope.DEPARTMENT, department=water,
                               label=f"{water.name}工作群（企业微信）", token_env="YIHONG_DEMO_WECOM_KEY"))
        wanted.append(dict(channel=Channel.DINGTALK, scope=Scope.OFFICE, label="专班办工作群（钉钉）",
                           token_env="YIHONG_DEMO_DING_TOKEN", secret_env="YIHONG_DEMO_DING_SECRET"))
        for fields in wanted:
            Endpoint.objects.get_or_create(channel=fields["channel"], label=fields["label"], defaults=fields)
        on_date = dt.date.fromisoformat(date)
        created = 0
        for back in range(3, -1, -1):
            created += services.reminders_plan(on_date=on_date - dt.timedelta(days=back))
        # The carriers' reports of the SMS just sent, as beat would read them every five minutes
        # (the receiver, like the provider, answers "waiting" to the first query).
        sending.sms_receipts_poll()
        receipts = sending.sms_receipts_poll()
        sent = Message.objects.filter(status__in=("sent", "delivered")).count()
        self.stdout.write(f"消息渠道已配置 {len(wanted)} 个；生成提醒 {created} 条，已发送 {sent} 条"
                          f"（短信回执：已送达 {receipts['delivered']} 条）：见 /outreach/outbox/")
