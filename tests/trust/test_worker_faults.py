"""Faults under a real Celery worker, on a private Redis and a private PostgreSQL cluster:

- Redis stopped in the middle of the weekly job, then started again: the job completes once,
  each notice is issued once with one number — nothing lost, nothing duplicated;
- the worker SIGKILLed while it renders a letter (the PDF made, the issue not yet committed),
  then restarted: the letter is issued exactly once, with one number, and no number is skipped.

(tests/dispatch/test_real_worker.py covers a worker killed between two firings of the job.)
These fail — never skip — when redis-server or PostgreSQL cannot be started.
"""

from __future__ import annotations

import re
import time

import psycopg
import pytest
from celery import Celery

from tests.dispatch.test_real_worker import Worker, _assert_each_issued_once, _drop_week_reports, _wait_for
from tests.trust.conftest import demo_database
from tests.trust.private_services import PrivateRedis, product_env

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.once]

APP = "tests.trust.worker_app"


@pytest.fixture
def world(demo_cluster, tmp_path):
    """A copy of the demo ledger, a private Redis as broker, and the env a worker runs with."""
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    db = demo_database(demo_cluster)
    queue = f"trust-{tmp_path.name}"
    env = product_env(
        database_url=db,
        var_dir=tmp_path / "var",
        CELERY_BROKER_URL=redis.url,
        YIHONG_TEST_QUEUE=queue,
        YIHONG_TEST_VISIBILITY="8",
    )
    client = Celery("trust-test-client", broker=redis.url)
    try:
        yield {"env": env, "db": db, "redis": redis, "client": client, "queue": queue, "tmp": tmp_path}
    finally:
        client.close()
        redis.kill()


def _job_status(db: str, day: str):
    with psycopg.connect(db) as conn:
        return conn.execute(
            "SELECT status, attempts FROM dispatch_jobrun WHERE job = 'weekly' AND run_date = %s", (day,)
        ).fetchone()


def _wait_until_issued(world, week: str, units: set[int], seconds: float) -> None:
    """Until every notice of the week's job is issued (numbered) — or fail with the worker's log."""
    expected = len(units) + 1
    _wait_for(
        world["db"],
        "SELECT count(*) FILTER (WHERE number IS NOT NULL), count(*) FROM notices_notice "
        "WHERE source_key LIKE %s",
        (f"dispatch:%:week:{week}",),
        lambda rows: rows[0][0] >= expected,
        seconds,
        f"{expected}份公文全部签发",
    )


def _assert_numbers_gapless(db: str) -> None:
    """Every counter's numbers are used exactly once, 1…N: nothing consumed by a killed issue."""
    with psycopg.connect(db) as conn:
        counters = conn.execute(
            "SELECT number_prefix, year, last_number FROM notices_numbercounter"
        ).fetchall()
        for prefix, year, last in counters:
            used = [
                row[0]
                for row in conn.execute(
                    "SELECT number_sequence FROM notices_notice "
                    "WHERE number_prefix = %s AND number_year = %s ORDER BY number_sequence",
                    (prefix, year),
                )
            ]
            assert used == list(range(1, last + 1)), (prefix, year, last, used)


def test_redis_stopped_mid_weekly_job_then_started_loses_and_duplicates_nothing(world):
    # given the week of 2025-03-03 with six units' reports missing, and a worker that pauses a
    # second after each firing (so that the job is still running when Redis goes away)
    units = _drop_week_reports(world["env"], world["db"], "2025-03-03", "2025-03-10")
    worker = Worker(world["env"], world["tmp"] / "worker.log", pause=1.0, concurrency=2, app=APP)
    worker.start()
    try:
        world["client"].send_task("dispatch.run_job", args=["weekly", "2025-03-10"], queue=world["queue"])
        _wait_for(
            world["db"],
            "SELECT count(*) FROM dispatch_rulefiring WHERE period = %s",
            ("week:2025-03-03",),
            lambda rows: rows[0][0] >= 2,
            120,
            "两条触发记录已提交",
        )
        # when Redis is stopped in the middle of the job, and started again four seconds later
        world["redis"].stop()
        assert _job_status(world["db"], "2025-03-10")[0] == "running"
        time.sleep(4)
        world["redis"].start()
        # then the job completes, once, and every notice it calls for is issued
        _wait_until_issued(world, "2025-03-03", units, 150)
        _wait_for(
            world["db"],
            "SELECT status FROM dispatch_jobrun WHERE job = 'weekly' AND run_date = %s",
            ("2025-03-10",),
            lambda rows: rows == [("done",)],
            60,
            "每周任务完成",
        )
    finally:
        worker.stop()
    _assert_each_issued_once(world["db"], "2025-03-03", units)
    _assert_numbers_gapless(world["db"])


def test_worker_killed_while_rendering_a_letter_issues_it_once_with_one_number(world):
    # given the week of 2025-02-24 with six units' reports missing, and a worker that pauses
    # ten seconds inside each letter's rendering, after the PDF is made, before the issue commits
    units = _drop_week_reports(world["env"], world["db"], "2025-02-24", "2025-03-03")
    worker = Worker(
        {**world["env"], "YIHONG_TEST_PAUSE_IN_RENDER": "10"},
        world["tmp"] / "killed.log",
        concurrency=1,
        app=APP,
    )
    worker.start()
    try:
        world["client"].send_task("dispatch.run_job", args=["weekly", "2025-03-03"], queue=world["queue"])
        deadline = time.monotonic() + 180
        while "YIHONG-TEST rendered" not in worker.log.read_text():
            if time.monotonic() > deadline or worker.process.poll() is not None:
                pytest.fail(f"Worker 未开始排版公文：\n{worker.log.read_text()[-3000:]}")
            time.sleep(0.1)
    finally:
        # when the worker is SIGKILLed in the middle of rendering the first letter
        worker.kill()
    with psycopg.connect(world["db"]) as conn:
        issued_at_kill = conn.execute(
            "SELECT count(*) FROM notices_notice WHERE number IS NOT NULL AND source_key LIKE %s",
            ("dispatch:%:week:2025-02-24",),
        ).fetchone()[0]
    assert issued_at_kill < len(units) + 1, "killed before every letter was issued"
    # and a new worker is started: the letter's task comes back from the broker by itself
    restarted = Worker(world["env"], world["tmp"] / "restarted.log", concurrency=2, app=APP)
    restarted.start()
    try:
        _wait_until_issued(world, "2025-02-24", units, 150)
        _wait_for(
            world["db"],
            "SELECT status FROM dispatch_jobrun WHERE job = 'weekly' AND run_date = %s",
            ("2025-03-03",),
            lambda rows: rows == [("done",)],
            60,
            "每周任务完成",
        )
    finally:
        restarted.stop()
    # then each letter exists once, issued once, with one number, and no number was skipped
    _assert_each_issued_once(world["db"], "2025-02-24", units)
    _assert_numbers_gapless(world["db"])
    assert re.search(r"Task notices\.advance_notice\[.+\] succeeded", restarted.log.read_text()) or re.search(
        r"Task dispatch\.run_job\[.+\] succeeded", restarted.log.read_text()
    )
