"""20 clerks submitting weekly reports at the same time for 60 s (PostgreSQL, 10,000 projects).

    .venv/bin/python bench/bench_load_reports.py [--clerks 20] [--seconds 60] [--projects 200]

Each clerk is a separate process (like a gunicorn worker serving one clerk) calling
tracker.services.weekly_report_submit — the path the weekly-report form and the ledger import
take — as the `clerk` login, on projects drawn from a small shared pool and the last 8 weeks,
so that clerks often hit the same project and the same week at once. Every submission carries a
cumulative-investment figure no other submission of the run uses, which lets the check prove:
  - no duplicate: at most one report per (project, week);
  - nothing lost: every acknowledged submission has its audit row, and each (project, week)
    holds the values of the submission committed last (the audit log's order);
  - no deadlock: no submission failed with a database error.
Prints submissions/s, latency percentiles and the CPU share of the bench processes and PostgreSQL.
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import re
import statistics
import sys
import time
from decimal import Decimal

from bench_database import ROOT, bench_database_prepare
from cpu_accounting import CpuWindow

WEEKS_BACK = 8


def clerk_run_http(index: int, clerks: int, base_url: str, project_ids: list[int], weeks: list[dt.date],
                   start_at: float, deadline: float, results) -> None:
    """A clerk in a browser: logs in, then posts the weekly-report form again and again."""
    from tests.deploy.topology import BrowserSession

    browser = BrowserSession(base_url)
    browser.login(username="clerk", password="Yihong@2025", path="/accounts/login/")
    time.sleep(max(start_at - time.monotonic(), 0))
    rng = random.Random(index)
    done, failures, latencies, sequence = [], [], [], 0
    while time.monotonic() < deadline:
        tag = (Decimal(sequence * clerks + index) / 100).quantize(Decimal("0.01"))
        progress = Decimal(rng.randrange(0, 10_001)) / 100
        sequence += 1
        project_id, week = rng.choice(project_ids), rng.choice(weeks)
        started = time.perf_counter()
        try:
            status, headers, body = browser.post(f"/projects/{project_id}/report/", {
                "csrfmiddlewaretoken": browser.cookies["csrftoken"], "week_start": week.isoformat(),
                "progress_percent": str(progress), "completed_investment": str(tag),
                "funds_in_place": "80.00",
                "decrease_note": "基准测试：进度按测试序号填写", "procedure_note": f"bench clerk {index} #{sequence}",
            }, timeout=120)
        except OSError as error:
            failures.append(f"{type(error).__name__}: {error}")
            continue
        if status != 302:
            failures.append(f"HTTP {status}: " + re.sub(r"\s+", " ", body.decode(errors="replace"))[:200])
            continue
        latencies.append(time.perf_counter() - started)
        done.append((project_id, week.isoformat(), str(tag)))
    results.put((index, done, failures, latencies))


def clerk_run(index: int, clerks: int, environment: dict, project_ids: list[int], weeks: list[dt.date],
              start_at: float, deadline: float, results) -> None:
    """A clerk whose submissions call the service directly (--via service)."""
    os.environ.update(environment)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError

    from tracker.services import weekly_report_submit

    clerk = get_user_model().objects.get(username="clerk")
    time.sleep(max(start_at - time.monotonic(), 0))
    rng = random.Random(index)
    done, failures, latencies, sequence = [], [], [], 0
    while time.monotonic() < deadline:
        # The cumulative investment tags the submission: no other submission of the run uses it.
        tag = (Decimal(sequence * clerks + index) / 100).quantize(Decimal("0.01"))
        progress = Decimal(rng.randrange(0, 10_001)) / 100
        sequence += 1
        project_id, week = rng.choice(project_ids), rng.choice(weeks)
        started = time.perf_counter()
        try:
            weekly_report_submit(
                project_id=project_id, week_start=week, acting_user=clerk,
                progress_percent=progress, completed_investment=tag, funds_in_place=Decimal("80.00"),
                decrease_note="基准测试：进度按测试序号填写", procedure_note=f"bench clerk {index} #{sequence}",
            )
        except DatabaseError as error:
            failures.append(f"{type(error).__name__}: {error}".splitlines()[0])
            continue
        latencies.append(time.perf_counter() - started)
        done.append((project_id, week.isoformat(), str(tag)))
    results.put((index, done, failures, latencies))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clerks", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--projects", type=int, default=200, help="size of the shared pool of projects")
    parser.add_argument("--via", choices=["http", "service"], default="http",
                        help="http: the weekly-report form through gunicorn; "
                             "service: weekly_report_submit directly")
    parser.add_argument("--gunicorn-workers", type=int, default=5)
    arguments = parser.parse_args()

    environment = bench_database_prepare()
    os.environ.update(environment)
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from core.workdays import monday_of
    from tracker.choices import AuditAction
    from tracker.models import AuditEvent, WeeklyReport

    today = dt.date.fromisoformat(os.environ.get("YIHONG_DEMO_DATE", "2025-09-30"))
    weeks = [monday_of(today) - dt.timedelta(weeks=back) for back in range(WEEKS_BACK)]
    # Projects already started (a report on a project in 前期 is allowed too, but these have history).
    project_ids = list(WeeklyReport.objects.values_list("project_id", flat=True).distinct()
                       .order_by("project_id")[: arguments.projects])
    # Per-process budgets must not exceed the server's: 20 clerks + this process.
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
    connection.close()
    run_started = dt.datetime.now(dt.UTC)

    topology = None
    if arguments.via == "http":
        from tests.deploy.topology import Topology

        topology = Topology(environment=environment, root=ROOT)
        topology.start_web(workers=arguments.gunicorn_workers)
        topology.wait_for_web()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    # Everybody logs in (or sets Django up) first; the 60 s start together, 20 s from now.
    start_at = time.monotonic() + 20
    deadline = start_at + arguments.seconds
    processes = [
        context.Process(target=clerk_run_http, args=(index, arguments.clerks, topology.base_url, project_ids,
                                                     weeks, start_at, deadline, results))
        if topology else
        context.Process(target=clerk_run, args=(index, arguments.clerks, environment, project_ids, weeks,
                                                start_at, deadline, results))
        for index in range(arguments.clerks)
    ]
    way = "经 gunicorn 提交周调度表单" if topology else "直接调用 weekly_report_submit"
    print(f"{arguments.clerks} 个填报人并发提交周调度 {arguments.seconds} s（{way}）："
          f"{len(project_ids)} 个项目 × {len(weeks)} 周（PostgreSQL max_connections={max_connections}）",
          flush=True)
    for process in processes:
        process.start()
    time.sleep(max(start_at - time.monotonic(), 0))
    try:
        with CpuWindow() as cpu:  # the 60 s of submissions, not the logins before them
            collected = [results.get(timeout=arguments.seconds + 240) for _ in processes]
        for process in processes:
            process.join(timeout=30)
    finally:
        if topology:
            topology.stop_all()

    submitted = [row for _, done, _, _ in collected for row in done]
    failures = [failure for _, _, failed, _ in collected for failure in failed]
    latencies = sorted(latency for _, _, _, measured in collected for latency in measured)

    # The check: duplicates, lost submissions, last writer wins.
    keys = {(project_id, week) for project_id, week, _ in submitted}
    duplicates = (WeeklyReport.objects.values("project_id", "week_start").order_by()
                  .annotate(n=Count("id")).filter(n__gt=1).count())
    audits = list(AuditEvent.objects.filter(action=AuditAction.WEEKLY_REPORT, occurred_at__gte=run_started)
                  .order_by("id").values_list("project_id", "data"))
    audited = [(project_id, data["week_start"], data["completed_investment"]) for project_id, data in audits]
    lost_audit = len(set(submitted) - set(audited))
    last_by_key = {}
    for project_id, week, progress in audited:
        last_by_key[(project_id, week)] = progress
    reports = WeeklyReport.objects.filter(project_id__in={key[0] for key in keys}, week_start__in=weeks)
    stored = {
        (row.project_id, row.week_start.isoformat()): str(row.completed_investment)
        for row in reports.only("project_id", "week_start", "completed_investment")
    }
    lost_report = sum(1 for key in keys if stored.get(key) != last_by_key.get(key))

    rate = len(submitted) / arguments.seconds
    print(f"提交成功 {len(submitted)} 次（{rate:.1f} 次/s），涉及 {len(keys)} 个（项目, 周）")
    if latencies:
        print(f"单次提交耗时：p50 {statistics.median(latencies) * 1000:.0f} ms，"
              f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms，"
              f"最大 {latencies[-1] * 1000:.0f} ms")
    print(f"重复周报 {duplicates}，丢失（无审计记录）{lost_audit}，最终值非最后提交 {lost_report}，"
          f"数据库错误（含死锁）{len(failures)}")
    for failure in sorted(set(failures))[:5]:
        print(f"  {failure}")
    print(f"  {cpu.report()}")
    ok = duplicates == 0 and lost_audit == 0 and lost_report == 0 and not failures and submitted
    print("结论：" + ("无重复、无丢失、无死锁" if ok else "未通过"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
