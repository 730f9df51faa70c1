"""Run every calendar job due on a date (or each date of a range), as beat would, and print
what was issued. Running it again over the same dates issues nothing new.

Every notice is dated the simulated day (成文日期, number year, deadlines): the jobs pass their
date down to notices.services. The simulation runs every task in this process, broker or not,
so that each day sees what the days before it issued.

With --demo-people (for `make demo` only), after each working day's jobs the demo's people act
as demo.notices.demo_day_act says: the office leader signs the letters, most county liaisons
sign for and answer them on time, the office closes the answered ones, and a few units let
theirs go overdue — which the following days' scans escalate.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.management.base import BaseCommand, CommandError

from dispatch import jobs, letters_for_firings
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
        eager = run_job.app.conf.task_always_eager
        run_job.app.conf.task_always_eager = True
        # Every task runs in this process: their per-task "succeeded" lines would drown what this
        # command prints (failures still show).
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        try:
            total = self._run(start, end, options)
        finally:
            run_job.app.conf.task_always_eager = eager
        self.after_run()
        self.stdout.write(self.style.SUCCESS(f"{start}至{end}：新增{total}条调度记录"))

    def after_day(self, day: dt.date) -> None:
        """What happens after each simulated day's jobs (nothing here; the demo's people act)."""

    def after_run(self) -> None:
        """What to say after the whole range (nothing here)."""

    def _run(self, start: dt.date, end: dt.date, options) -> int:
        total = 0
        due = jobs.jobs_due_between(start=start, end=end)
        day = start
        while day <= end:
            total += self._run_day(day, [job for job, on in due if on == day], options)
            self.after_day(day)
            day += dt.timedelta(days=1)
        return total

    def _run_day(self, day: dt.date, jobs: list[str], options) -> int:
        total = 0
        for job in jobs:
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
                notice = letters_for_firings.notice_summary(firing.notice_id)
                self.stdout.write(
                    f"{day} {RULE_LABELS[firing.rule]} {firing.subject} {firing.period} "
                    f"{_subject_name(firing)} {notice}".rstrip()
                )
        return total
