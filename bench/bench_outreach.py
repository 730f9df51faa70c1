"""The reminder scan over 10,000 projects and their open letters.

Run by hand: `.venv/bin/python bench/bench_outreach.py [1000 10000]`. Each size gets a
throwaway SQLite database in /tmp with 18 units, each with a 企业微信 robot, a 钉钉 robot and an
SMS mobile; the projects spread over the units; one open 督办函 per project to its unit, the
签收/反馈 deadlines spread over two weeks; a tenth of the projects not reported this week. The
scan date is a Friday, the working day before the weekly dispatch, so every kind of reminder is
due. Sending is not measured (each message is its own task); the tasks are counted, not sent.

It prints, per size: the scan's time and queries (planning, the insert under the natural key,
the ids to send), how many messages it planned, and a second run's (which creates nothing).
The query count must not grow with the number of projects.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from scratch_databases import run_per_size  # noqa: E402

SIZES = [int(arg) for arg in sys.argv[1:]] or [1_000, 10_000]
SCAN_DATE = dt.date(2025, 6, 6)  # a Friday; the weekly dispatch closes the week on Monday 06-09


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def build(size: int) -> None:
    from django.utils import timezone

    from notices.models import Delivery, Notice, NoticeKind, NoticeState
    from outreach.models import Endpoint
    from tracker.choices import ProjectState
    from tracker.models import AdministrativeUnit, Department, Domain, Project, WeeklyReport

    rng = random.Random(size)
    units = AdministrativeUnit.objects.bulk_create(
        AdministrativeUnit(code=f"u{i}", name=f"单位{i}", short_name=f"单{i}", kind="county", display_order=i)
        for i in range(18)
    )
    departments = Department.objects.bulk_create(
        Department(code=f"d{i}", name=f"部门{i}", short_name=f"部{i}", display_order=i) for i in range(6)
    )
    domains = Domain.objects.bulk_create(
        Domain(code=f"m{i}", name=f"领域{i}", lead_department=departments[i], display_order=i) for i in range(6)
    )
    for n, unit in enumerate(units):
        Endpoint.objects.create(channel="wecom", scope="unit", unit=unit, label=f"{unit.name}群",
                                token_env="K")
        Endpoint.objects.create(channel="dingtalk", scope="unit", unit=unit, label=f"{unit.name}钉钉",
                                token_env="T", secret_env="S")
        Endpoint.objects.create(channel="sms", scope="unit", unit=unit, label=f"{unit.name}手机",
                                address=f"139{n:08d}")
    Project.objects.bulk_create(
        (Project(code=f"B{i:06d}", map_number=i + 1, name=f"合成项目{i}", unit=units[i % 18],
                 lead_department=departments[i % 6], domain=domains[i % 6], owner_name="项目单位",
                 total_investment=Decimal("1000.00"), planned_start=dt.date(2025, 1, 1),
                 planned_completion=dt.date(2026, 1, 1), actual_start=dt.date(2025, 1, 1),
                 progress_percent=Decimal("40"), target_year=2025, state=ProjectState.UNDER_CONSTRUCTION)
         for i in range(size)), batch_size=5000,
    )
    projects = list(Project.objects.order_by("id").values_list("id", "unit_id"))
    now = timezone.now()
    monday = SCAN_DATE - dt.timedelta(days=SCAN_DATE.weekday())
    WeeklyReport.objects.bulk_create(
        (WeeklyReport(project_id=pk, week_start=monday, progress_percent=Decimal("40"),
                      completed_investment=Decimal("0"), funds_in_place=Decimal("0"), reported_at=now)
         for pk, _ in projects if rng.random() > 0.1), batch_size=5000,
    )
    Notice.objects.bulk_create(
        (Notice(kind=NoticeKind.SUPERVISION, state=NoticeState.DELIVERED, notice_format="letter",
                title=f"关于合成项目{i}进度滞后的督办函", number=f"督〔2025〕{i + 1}号", source_key=f"bench:{i}",
                issued_on=SCAN_DATE - dt.timedelta(days=10), issued_at=now,
                acknowledge_deadline=SCAN_DATE + dt.timedelta(days=rng.randint(-5, 7)), answer_required=True,
                answer_deadline=SCAN_DATE + dt.timedelta(days=rng.randint(-5, 7)))
         for i in range(size)), batch_size=5000,
    )
    notices = list(Notice.objects.order_by("id").values_list("id", flat=True))
    names = {unit.pk: unit.name for unit in units}
    Delivery.objects.bulk_create(
        (Delivery(notice_id=notice_id, recipient_key=f"unit:{unit_id}", recipient_name=names[unit_id],
                  unit_id=unit_id, status="sent")
         for notice_id, (_, unit_id) in zip(notices, projects, strict=True)), batch_size=5000,
    )


def measure(size: int) -> None:
    from django.db import connection

    from outreach import services
    from outreach.models import Message
    from outreach.tasks.sending import send_message

    sent = []
    send_message.delay = lambda pk: sent.append(pk)  # count the tasks, send nothing
    for label in ("first run", "second run"):
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            created = services.reminders_plan(on_date=SCAN_DATE)
        seconds = time.perf_counter() - started
        print(f"{size:>7} projects  reminder scan, {label}: {seconds:6.2f} s, {counter.count:4d} queries, "
              f"{created} messages created ({Message.objects.count()} in all, {len(sent)} tasks enqueued)")


def main() -> None:
    run_per_size("outreach", SIZES, build, measure)


if __name__ == "__main__":
    main()
