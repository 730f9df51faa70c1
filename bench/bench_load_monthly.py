"""The monthly job (月度通报 + 预警函 + 提醒函) over 10,000 projects, with 1 and then 2 Celery workers.

    .venv/bin/python bench/bench_load_monthly.py [--date 2025-10-09] [--workers 1 2] [--timeout 900]
        [--projects 95]

`--projects 95` runs it on the real portfolio (the demo ledger as it is, its own database): the
figure promised, "the monthly batch at 95 projects within 30 s end to end on 2 workers", with
every letter issued (numbered, rendered, signed) by the workers.

For each worker count: a fresh copy of the benchmark database (CREATE DATABASE … TEMPLATE, so
every run starts from the same state), N worker processes (concurrency 1 each, as N single-core
servers would run them) on a dedicated Redis database, and `dispatch.run_job("monthly", date)`
sent through the broker exactly as beat sends it. Measures the wall time from sending to the
JobRun being done (and, if the job fans out into further tasks, until the queue is empty and no
worker is busy), the notices created, the PDFs rendered, letters per second, and the CPU share.
Stops by itself (--timeout per run).
"""
from __future__ import annotations

import argparse
import sys
import time

import psycopg
import redis
from bench_database import (
    BROKER_URL,
    ROOT,
    SERVER_URL,
    TARGET_PROJECTS,
    bench_database_prepare,
    database_name,
)
from celery import Celery
from cpu_accounting import CpuWindow

from tests.deploy.topology import Topology, database_drop, database_url, manage


def copy_name(projects: int) -> str:
    return f"{database_name(projects)}_monthly"


def database_copy(projects: int) -> str:
    with psycopg.connect(database_url(SERVER_URL, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy_name(projects)}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{copy_name(projects)}" TEMPLATE "{database_name(projects)}"')
    return database_url(SERVER_URL, copy_name(projects))


def figures(url: str, since) -> dict:
    with psycopg.connect(url) as database:
        letters, pdfs = database.execute(
            "SELECT count(*), count(*) FILTER (WHERE pdf <> '') FROM notices_notice WHERE created_at >= %s",
            [since]
        ).fetchone()
        job = database.execute(
            "SELECT status, attempts, error FROM dispatch_jobrun WHERE job = 'monthly' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        firings = database.execute("SELECT count(*) FROM dispatch_rulefiring WHERE created_at >= %s",
                                   [since]).fetchone()[0]
    return {"letters": letters, "pdfs": pdfs, "job": job, "firings": firings}


def queue_idle(broker: redis.Redis) -> bool:
    # Celery's Redis transport: the "celery" list holds waiting messages, "unacked" the taken ones.
    return broker.llen("celery") == 0 and broker.zcard("unacked_index") == 0


AUTO_ISSUE_EVERY_KIND = (
    "from notices.models import NoticeKind\n"
    "from offices.selectors import document_kind_setting\n"
    "for kind in NoticeKind.values:\n"
    "    setting = document_kind_setting(kind)\n"
    "    setting.auto_issue = True\n"
    "    setting.save()\n"
)
# The office's signing key and seal exist on a server before any letter is issued: made here,
# outside the measured window (the workers would otherwise race to create the demo CA).
SIGNING_READY = (
    "from django.conf import settings\n"
    "from notices import sealing\n"
    "sealing.demo_material_ensure() if sealing.is_demo() else None\n"
    "sealing.seal_pdf_path(settings.YIHONG_NOTICE_ISSUER, sealing.is_demo())\n"
)


def signatures_verified(environment: dict) -> str:
    """`manage.py verify_notices` over the copy: every issued PDF's hash and signature."""
    try:
        return manage("verify_notices", environment=environment, timeout=900).stdout.strip().splitlines()[-1]
    except AssertionError as error:
        return f"校验失败：{str(error)[-300:]}"


def render_share(environment: dict, notice_ids: list[int], results) -> None:
    """One process rendering its share of the letters (what one worker would do if issuing fanned out)."""
    import os

    os.environ.update(environment)
    import django

    django.setup()
    from notices.models import Notice
    from notices.services import notice_preview_pdf

    rendered = 0
    for notice in Notice.objects.filter(pk__in=notice_ids):
        rendered += bool(notice_preview_pdf(notice=notice).startswith(b"%PDF"))
    results.put(rendered)


def rendering_throughput(environment: dict, url: str, since, processes: int) -> tuple[int, float]:
    """Render the PDFs of the letters the job drafted, split over `processes` processes."""
    import multiprocessing

    with psycopg.connect(url) as database:
        ids = [row[0] for row in database.execute(
            "SELECT id FROM notices_notice WHERE created_at >= %s ORDER BY id", [since])]
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    shares = [ids[index::processes] for index in range(processes)]
    workers = [context.Process(target=render_share, args=(environment, share, results)) for share in shares]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    rendered = sum(results.get(timeout=900) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    return rendered, time.perf_counter() - started


def run_once(workers: int, on_date: str, timeout: float, base_environment: dict[str, str],
             auto_issue: bool, projects: int = TARGET_PROJECTS) -> dict:
    url = database_copy(projects)
    environment = {**base_environment, "DATABASE_URL": url}
    if auto_issue:
        manage("shell", "-c", AUTO_ISSUE_EVERY_KIND, environment=environment)
        manage("shell", "-c", SIGNING_READY, environment=environment)
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    root = ROOT / f"monthly-{workers}"
    root.mkdir(parents=True, exist_ok=True)
    topology = Topology(environment=environment, root=root)
    for index in range(workers):
        topology.start_worker(f"bench{index + 1}", concurrency=1)
    sender = Celery("bench", broker=BROKER_URL)
    try:
        time.sleep(8)  # workers connect and import Django before the clock starts
        with psycopg.connect(url) as database:
            since = database.execute("SELECT now()").fetchone()[0]
        started = time.perf_counter()
        with CpuWindow() as cpu:
            sender.send_task("dispatch.run_job", args=("monthly", on_date))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                job = figures(url, since)["job"]
                if job and job[0] in ("done", "failed") and queue_idle(broker):
                    break
                time.sleep(0.5)
            wall = time.perf_counter() - started
        result = figures(url, since)
        result.update(wall=wall, cpu=cpu.report(), timed_out=time.monotonic() >= deadline)
        topology.stop_all()
        result.update(verified=signatures_verified(environment) if result["pdfs"] else "")
        with CpuWindow() as render_cpu:
            rendered, render_wall = rendering_throughput(environment, url, since, workers)
        result.update(rendered=rendered, render_wall=render_wall, render_cpu=render_cpu.report())
        return result
    finally:
        topology.stop_all()
        database_drop(SERVER_URL, copy_name(projects))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default="2025-10-09",
                        help="the month's first working day to run (default: Oct 2025)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--no-auto-issue", action="store_true",
                        help="leave letters for a leader's sign-off (the default kind settings): "
                             "no PDF in the job")
    parser.add_argument("--projects", type=int, default=TARGET_PROJECTS,
                        help=f"portfolio size (default {TARGET_PROJECTS}; 95 = the demo ledger as it is)")
    arguments = parser.parse_args()

    environment = bench_database_prepare(projects=arguments.projects)
    results = {}
    for workers in arguments.workers:
        print(f"\n{workers} 个 worker：运行 {arguments.date} 的月度任务（{arguments.projects} 个项目）…", flush=True)
        result = run_once(workers, arguments.date, arguments.timeout, environment,
                          not arguments.no_auto_issue, arguments.projects)
        results[workers] = result
        status = result["job"][0] if result["job"] else "未运行"
        rate = result["letters"] / result["wall"] if result["wall"] else 0
        print(
            f"  用时 {result['wall']:.1f} s（任务状态 {status}{'，超时' if result['timed_out'] else ''}），"
            f"规则触发 {result['firings']} 条，公文 {result['letters']} 件（PDF {result['pdfs']} 件），"
            f"{rate:.2f} 件/s"
        )
        if result["job"] and result["job"][2]:
            print(f"  错误：{result['job'][2][:300]}")
        print(f"  {result['cpu']}")
        if result["verified"]:
            print(f"  verify_notices：{result['verified']}")
        print(f"  同一批公文的 PDF 分给 {workers} 个进程并行排版：{result['rendered']} 件，"
              f"{result['render_wall']:.1f} s（含进程启动），{result['rendered'] / result['render_wall']:.2f} 件/s")
        print(f"  {result['render_cpu']}")
    if len(results) >= 2:
        first, *_, last = sorted(results)
        speedup = results[first]["wall"] / results[last]["wall"] if results[last]["wall"] else 0
        render_speedup = results[first]["render_wall"] / results[last]["render_wall"]
        print(f"\n{first} → {last} 个 worker：月度任务加速 {speedup:.2f} 倍；PDF 并行排版加速 {render_speedup:.2f} 倍")
    return 0


if __name__ == "__main__":
    sys.exit(main())
