"""Run every calendar job due on a date (or each date of a range), as beat would, and print
what was issued. Running it again over the same dates issues nothing new."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dispatch import issuing, services
from dispatch.models import Rule, RuleFiring
from dispatch.tasks import run_job

RULE_LABELS = dict(Rule.choices)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD（收到：{text}）") from None


def _subject_name(firing: RuleFiring) -> str:
    if firing.project is not None:
        return firing.project.name
    if firing.unit is not None:
        return firing.unit.name
    if firing.department is not None:
        return firing.department.name
    return "市人民政府"


class Command(BaseCommand):
    help = "按调度日历运行指定日期（或日期区间）应运行的全部任务，并列出发出的公文和记录"

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="开始日期 YYYY-MM-DD")
        parser.add_argument("--until", help="结束日期 YYYY-MM-DD（含），缺省为开始日期")
        parser.add_argument("--quiet", action="store_true", help="只打印每日汇总")

    def handle(self, *args, **options):
        start = _date(options["date"])
        end = _date(options["until"]) if options.get("until") else start
        if end < start:
            raise CommandError(f"结束日期（{end}）早于开始日期（{start}）")
        total = 0
        for job, day in services.jobs_due_between(start=start, end=end):
            # The task itself, run in-process: the same code path a worker takes for beat.
            result = run_job.apply(args=[job, day.isoformat()], throw=True).get()
            if result["already_done"]:
                continue
            firings = (
                RuleFiring.objects.filter(pk__in=result["firing_ids"])
                .select_related("unit", "department", "project")
                .order_by("id")
            )
            total += len(result["firing_ids"])
            if options["quiet"]:
                if result["firing_ids"]:
                    self.stdout.write(f"{day} {job}: {len(result['firing_ids'])}")
                continue
            for firing in firings:
                notice = issuing.notice_summary(firing.notice_id)
                self.stdout.write(
                    f"{day} {RULE_LABELS[firing.rule]} {firing.subject} {firing.period} "
                    f"{_subject_name(firing)} {notice}".rstrip()
                )
        self.stdout.write(self.style.SUCCESS(f"{start}至{end}：新增{total}条调度记录"))
