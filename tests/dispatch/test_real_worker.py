"""End to end on the real services: a Celery worker process, Redis on 127.0.0.1:6379 and a
PostgreSQL database of its own, loaded with the demo ledger.

- the weekly job sent twice (two worker processes take them at once) → each notice once;
- a worker SIGKILLed in the middle of the weekly job, then restarted → each notice once.
The job drafts its notices and fans out one `notices.advance_notice` task per notice; both tests
wait for those too, and then check that each notice was issued (numbered, delivered) once.
These fail (never skip) when Redis or PostgreSQL cannot be reached (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from celery import Celery

from tests.conftest import ensure_postgres, ensure_redis

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.once]

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
BROKER_URL = "redis://127.0.0.1:6379/13"
DROPPED_UNITS = ["houma", "yaodu", "jixian", "xixian", "puxian", "daning"]


class Worker:
    """A real `celery worker` process (its own session, so it can be killed whole)."""

    def __init__(self, env: dict, log: Path, pause: float = 0.0, concurrency: int = 2,
                 app: str = "tests.dispatch.worker_app"):
        self.log = log
        self.env = {**env, "YIHONG_TEST_PAUSE_AFTER_FIRING": str(pause)}
        self.concurrency = concurrency
        self.app = app
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.write_text("")
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                self.app,
                "worker",
                "-Q",
                self.env["YIHONG_TEST_QUEUE"],
                "-c",
                str(self.concurrency),
                "-P",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"dispatch-test-{os.getpid()}-{time.monotonic_ns()}@%h",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while "ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker 未能启动：\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _manage(env: dict, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args[:1])} 失败：\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )


@pytest.fixture(scope="module")
def broker_world(tmp_path_factory):
    """A PostgreSQL database with the demo ledger, a private queue, and the env a worker needs."""
    ensure_postgres()
    ensure_redis()
    name = f"yihong_dispatch_worker_{os.getpid()}"
    admin_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("dispatch-worker")
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_URL", "REDIS_URL"))
        },
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "CELERY_BROKER_URL": BROKER_URL,
        "YIHONG_VAR_DIR": str(tmp / "var"),
        "DJANGO_MEDIA_ROOT": str(tmp / "media"),
        "YIHONG_TEST_QUEUE": f"dispatch-test-{os.getpid()}",
    }
    client = Celery("dispatch-test-client", broker=BROKER_URL)
    try:
        _manage(env, "migrate", "-v0", "--skip-checks")
        _manage(env, "load_demo", "--skip-checks")
        db_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        yield {"env": env, "db": db_url, "tmp": tmp, "client": client, "queue": env["YIHONG_TEST_QUEUE"]}
    finally:
        client.close()
        import redis

        redis.Redis.from_url(BROKER_URL).delete(env["YIHONG_TEST_QUEUE"])
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drop_week_reports(env: dict, db: str, week: str, job_date: str) -> set[int]:
    """Delete the week's reports of six units' projects; the units the job must then urge
    (asked of the product's own selector: this test is about exactly-once, not the rule)."""
    with psycopg.connect(db) as conn:
        conn.execute(
            "DELETE FROM tracker_weeklyreport WHERE week_start = %s AND project_id IN (SELECT p.id FROM "
            "tracker_project p JOIN tracker_administrativeunit u ON u.id = p.unit_id WHERE u.code = ANY(%s))",
            (week, DROPPED_UNITS),
        )
    script = (
        "import datetime as dt; from dispatch.selectors import missing_reports; "
        f"print(sorted(missing_reports(week_start=dt.date.fromisoformat('{week}'), "
        f"on_date=dt.date.fromisoformat('{job_date}'))))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    units = set(json.loads(result.stdout.strip().splitlines()[-1])) if result.stdout.strip() else set()
    if len(units) < 3:
        pytest.fail(f"演示数据中{week}当周缺报单位不足3个（{units}）：{result.stderr[-2000:]}")
    return units


def _wait_for(db: str, sql: str, params: tuple, predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    value = None
    while time.monotonic() < deadline:
        with psycopg.connect(db) as conn:
            value = conn.execute(sql, params).fetchall()
        if predicate(value):
            return value
        time.sleep(0.1)
    pytest.fail(f"等待超时：{what}（最后一次：{value}）")


def _notices_for_week(db: str, week: str) -> list[tuple]:
    with psycopg.connect(db) as conn:
        return conn.execute(
            "SELECT source_key, kind, number, number_prefix, number_sequence FROM notices_notice "
            "WHERE source_key LIKE %s ORDER BY source_key",
            (f"dispatch:%:week:{week}",),
        ).fetchall()


def _wait_for_issued(db: str, week: str, units: set[int], seconds: float = 300) -> None:
    """Until every notice of the week is issued: the job drafts them and each is issued by its
    own `notices.advance_notice` task (the fan-out), after the job itself is done."""
    _wait_for(
        db,
        "SELECT count(*) FILTER (WHERE number IS NULL), count(*) FROM notices_notice "
        "WHERE source_key LIKE %s",
        (f"dispatch:%:week:{week}",),
        lambda rows: rows[0][0] == 0 and rows[0][1] >= len(units) + 1,
        seconds,
        "每份公文由各自的任务签发完毕",
    )


def _assert_each_issued_once(db: str, week: str, units: set[int]) -> None:
    notices = _notices_for_week(db, week)
    keys = [row[0] for row in notices]
    expected = {f"dispatch:urge_report:unit:{u}:week:{week}" for u in units} | {
        f"dispatch:weekly_report:city:week:{week}"
    }
    assert sorted(keys) == sorted(expected), "each notice exactly once"
    assert all(row[2] for row in notices), "every notice issued (numbered)"
    assert len({row[2] for row in notices}) == len(notices)
    with psycopg.connect(db) as conn:
        firings = conn.execute(
            "SELECT rule, subject FROM dispatch_rulefiring WHERE period = %s", (f"week:{week}",)
        ).fetchall()
        deliveries = conn.execute(
            "SELECT n.source_key, count(*) FROM notices_delivery d "
            "JOIN notices_notice n ON n.id = d.notice_id "
            "WHERE n.source_key LIKE %s GROUP BY n.source_key",
            (f"dispatch:%:week:{week}",),
        ).fetchall()
        audit_issues = conn.execute(
            "SELECT count(*) FROM tracker_auditevent a JOIN notices_notice n ON a.object_id = n.id::text "
            "WHERE a.object_type = 'notice' AND a.data->>'transition' = 'issue' AND n.source_key LIKE %s",
            (f"dispatch:%:week:{week}",),
        ).fetchone()[0]
    assert len(firings) == len(expected)
    assert all(count == 1 for _, count in deliveries), deliveries
    assert audit_issues == len(expected), "one issue event per notice"


def test_weekly_job_sent_twice_issues_each_notice_once(broker_world):
    # given the week of 2025-03-03 with six units' reports missing, and a worker of two processes
    world = broker_world
    units = _drop_week_reports(world["env"], world["db"], "2025-03-03", "2025-03-10")
    worker = Worker(world["env"], world["tmp"] / "worker-twice.log", concurrency=2)
    worker.start()
    try:
        # when beat's job for Monday 2025-03-10 is sent twice, at once
        for _ in range(2):
            world["client"].send_task("dispatch.run_job", args=["weekly", "2025-03-10"], queue=world["queue"])
        _wait_for(
            world["db"],
            "SELECT status FROM dispatch_jobrun WHERE job = 'weekly' AND run_date = %s",
            ("2025-03-10",),
            lambda rows: rows == [("done",)],
            300,
            "每周任务完成",
        )
        _wait_for_log(worker.log, "dispatch.run_job", 2, 180)
        _wait_for_issued(world["db"], "2025-03-03", units)
    finally:
        worker.stop()
    # then each notice exists and is issued exactly once
    _assert_each_issued_once(world["db"], "2025-03-03", units)


def _wait_for_log(log: Path, task: str, count: int, seconds: float) -> None:
    """Until the worker's log shows `count` runs of the task finished (succeeded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = [
            line for line in log.read_text().splitlines() if f"Task {task}[" in line and "succeeded" in line
        ]
        if len(done) >= count:
            return
        time.sleep(0.2)
    pytest.fail(f"Worker 未在{seconds}秒内处理完{count}个{task}：\n{log.read_text()[-3000:]}")


def test_worker_killed_mid_job_then_restarted_issues_each_notice_once(broker_world):
    # given the week of 2025-02-24 with six units' reports missing, and a worker that pauses
    # one second after writing each firing
    world = broker_world
    units = _drop_week_reports(world["env"], world["db"], "2025-02-24", "2025-03-03")
    worker = Worker(world["env"], world["tmp"] / "worker-killed.log", pause=1.0, concurrency=1)
    worker.start()
    try:
        world["client"].send_task("dispatch.run_job", args=["weekly", "2025-03-03"], queue=world["queue"])
        # when the worker is SIGKILLed after two firings are committed, mid-job
        committed = _wait_for(
            world["db"],
            "SELECT count(*) FROM dispatch_rulefiring WHERE period = %s",
            ("week:2025-02-24",),
            lambda rows: rows[0][0] >= 2,
            300,
            "两条触发记录已提交",
        )[0][0]
    finally:
        worker.kill()
    with psycopg.connect(world["db"]) as conn:
        status = conn.execute(
            "SELECT status, attempts FROM dispatch_jobrun WHERE job = 'weekly' AND run_date = '2025-03-03'"
        ).fetchone()
        at_kill = conn.execute(
            "SELECT count(*) FROM dispatch_rulefiring WHERE period = 'week:2025-02-24'"
        ).fetchone()[0]
    assert status == ("running", 1), "the job was killed in the middle"
    assert 2 <= committed <= at_kill < len(units) + 1
    # and restarted: the unacknowledged job comes back from the broker by itself
    restarted = Worker(world["env"], world["tmp"] / "worker-restarted.log", concurrency=1)
    restarted.start()
    try:
        _wait_for(
            world["db"],
            "SELECT status, attempts FROM dispatch_jobrun WHERE job = 'weekly' AND run_date = %s",
            ("2025-03-03",),
            lambda rows: bool(rows) and rows[0][0] == "done" and rows[0][1] >= 2,
            300,
            "任务被重新投递并完成",
        )
        _wait_for_issued(world["db"], "2025-02-24", units)
    finally:
        restarted.stop()
    # then each notice exists and is issued exactly once
    _assert_each_issued_once(world["db"], "2025-02-24", units)
