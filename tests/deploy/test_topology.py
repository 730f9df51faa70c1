"""The production topology without containers: gunicorn + a Celery worker + Celery beat as real
processes on the local PostgreSQL and Redis, started with the production settings the way the
systemd units start them; and the backup/restore procedure of deploy/README.md.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import redis
from celery import Celery

from demo.ledger import DEMO_PASSWORD
from tests.conftest import ensure_postgres, ensure_redis
from tests.deploy.topology import (
    BrowserSession,
    Topology,
    database_create,
    database_drop,
    fonts_prepare,
    manage,
    production_environment,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.once]

# A Redis database of its own (tests/conftest.py uses 15, the dispatch worker test 13, bench/ 12).
TOPOLOGY_REDIS_DB = 11


@dataclass
class Deployment:
    server_url: str
    database_name: str
    database_url: str
    broker_url: str
    root: Path
    environment: dict[str, str]


def broker_for(redis_server_url: str) -> str:
    return redis_server_url.rsplit("/", 1)[0] + f"/{TOPOLOGY_REDIS_DB}"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A throwaway database migrated and loaded with the demo ledger, as after a first install."""
    server_url = ensure_postgres()
    broker_url = broker_for(ensure_redis())
    name = f"yihong_topology_{os.getpid()}"
    database = database_create(server_url, name)
    root = tmp_path_factory.mktemp("deployment")
    environment = production_environment(database=database, broker=broker_url, root=root)
    redis.Redis.from_url(broker_url).flushdb()
    try:
        manage("migrate", "--noinput", "-v0", environment=environment)
        manage("load_demo", environment=environment)
        manage("collectstatic", "--noinput", "-v0", environment=environment)
        fonts_prepare(environment)
        yield Deployment(server_url, name, database, broker_url, root, environment)
    finally:
        redis.Redis.from_url(broker_url).flushdb()
        database_drop(server_url, name)


def wait_until(condition, *, timeout: float, what: str, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s\n"
                         + "\n".join(service.log_tail() for service in logs))


def test_gunicorn_worker_and_beat_serve_pages_and_run_tasks(deployment, postgres_url, redis_url):
    # given: the three processes of a server, as the systemd units start them
    topology = Topology(environment=deployment.environment, root=deployment.root)
    topology.start_web(workers=2)
    worker = topology.start_worker("worker1", concurrency=1)
    beat = topology.start_beat(YIHONG_HEARTBEAT_SECONDS="2")
    broker = redis.Redis.from_url(deployment.broker_url, decode_responses=True)
    with psycopg.connect(deployment.database_url) as database:
        project_count, first_project = database.execute(
            "SELECT count(*), min(name) FROM tracker_project"
        ).fetchone()
    try:
        topology.wait_for_web()
        browser = BrowserSession(topology.base_url)

        # when: the health probe (details for staff signed in), a logged-in page, a task sent through
        # the broker
        browser.login(username="admin", password=DEMO_PASSWORD)
        health_status, _, health_body = browser.get("/healthz/")
        page_status, _, page = browser.get("/admin/tracker/project/?q=" + urllib.parse.quote(first_project))
        token = secrets.token_hex(8)
        sender = Celery("probe", broker=deployment.broker_url)
        sender.send_task("core.worker_heartbeat", kwargs={"source": "probe", "token": token})
        ran = wait_until(
            lambda: broker.hget("yihong:worker-heartbeat:probe", "token") == token,
            timeout=60, what="the worker ran the task sent through the broker", logs=[worker],
        )
        beaten = wait_until(
            lambda: broker.hgetall("yihong:worker-heartbeat:beat"),
            timeout=60, what="beat sent its heartbeat and a worker ran it", logs=[beat, worker],
        )
        _, _, later_health = browser.get("/healthz/")
    finally:
        exit_codes = topology.stop_all()

    # then
    health = json.loads(health_body)
    assert health_status == 200, health
    assert health["failing"] == []
    assert health["checks"]["database"]["detail"] == "postgresql"
    assert health["checks"]["broker"]["detail"] == "redis"
    assert health["checks"]["media"]["detail"] == str(deployment.root / "media")
    assert project_count == 95
    assert page_status == 200 and first_project in page.decode()
    assert ran and beaten["worker"]
    assert json.loads(later_health)["worker_heartbeat"]["seconds_ago"] < 60
    assert exit_codes == {"beat": 0, "worker1": 0, "gunicorn": 0}, "every process stops cleanly on TERM"


# Celery prints this line itself at shutdown, outside logging; nothing else may bypass the JSON logs.
CELERY_SHUTDOWN_LINE = re.compile(r"^worker: (Warm|Cold) shutdown \(MainProcess\)$")


def _not_json(lines: list[str]) -> list[str]:
    """Lines that are not JSON log entries, less Celery's shutdown line and, when the test runs as
    root (never in production: the units and the image run as `yihong`), Celery's root warning."""
    text = "\n".join(lines)
    if os.geteuid() == 0:
        text = re.sub(r"\S*platforms\.py:\d+: SecurityWarning:.*?_warn_or_raise_security_error\([^\n]*\n",
                      "", text, flags=re.DOTALL)
    return [line for line in text.splitlines()
            if line.strip() and not line.startswith("{") and not CELERY_SHUTDOWN_LINE.match(line)]


def test_every_process_logs_json_lines(deployment, postgres_url, redis_url):
    # given
    topology = Topology(environment=deployment.environment, root=deployment.root / "logs-run")
    topology.root.mkdir(exist_ok=True)
    topology.start_web(workers=1)
    worker = topology.start_worker("worker2", concurrency=1)
    beat = topology.start_beat(YIHONG_HEARTBEAT_SECONDS="1")
    try:
        topology.wait_for_web()

        # when
        BrowserSession(topology.base_url).get("/healthz/")
        wait_until(lambda: "succeeded" in worker.log_tail(), timeout=60, what="a task ran",
                   logs=[worker, beat])
    finally:
        topology.stop_all()

    # then: every line a JSON object with the common keys; the access log names the request
    for service in topology.services:
        lines = service.log_path.read_text(encoding="utf-8").splitlines()
        assert _not_json(lines) == [], service.name
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        assert entries, service.name
        assert all({"time", "level", "logger", "message", "process"} <= set(entry)
                   for entry in entries), service.name
    access = [json.loads(line) for line in topology.services[0].log_path.read_text().splitlines()
              if '"gunicorn.access"' in line]
    assert any(entry["path"] == "/healthz/" and entry["status"] == 200 for entry in access)


def test_restarted_beat_process_catches_up_missed_jobs_once(deployment, postgres_url, redis_url):
    # given: the calendar's last recorded run was 8 days ago (so the outage spans a Monday); the
    # queue is empty; a worker runs
    from dispatch.jobs import jobs_due_between

    today = dt.datetime.now(tz=ZoneInfo("Asia/Shanghai")).date()
    last_run = today - dt.timedelta(days=8)
    redis.Redis.from_url(deployment.broker_url).flushdb()
    with psycopg.connect(deployment.database_url) as database:
        database.execute("DELETE FROM dispatch_jobrun")
        database.execute(
            "INSERT INTO dispatch_jobrun "
            "(job, run_date, status, attempts, summary, error, created_at, updated_at) "
            "VALUES ('daily', %s, 'done', 1, '{}', '', now(), now())", [last_run],
        )
    # Past days only: whether today's 07:00/08:30 slot has passed depends on when the test runs.
    expected = [(job, day) for job, day in jobs_due_between(start=last_run + dt.timedelta(days=1), end=today)
                if day < today]
    topology = Topology(environment=deployment.environment, root=deployment.root / "catch-up-run")
    topology.root.mkdir(exist_ok=True)
    worker = topology.start_worker("worker3", concurrency=1)

    def runs() -> dict[tuple[str, dt.date], tuple[str, int]]:
        with psycopg.connect(deployment.database_url) as database:
            rows = database.execute("SELECT job, run_date, status, attempts FROM dispatch_jobrun").fetchall()
        return {(job, day): (status, attempts) for job, day, status, attempts in rows}

    def caught_up() -> bool:
        current = runs()
        return all(current.get(key, ("", 0))[0] == "done" for key in expected)

    try:
        # when: beat starts (its start-up sends the catch-up), then is restarted once caught up
        beat = topology.start_beat()
        wait_until(caught_up, timeout=240, what="the missed jobs ran", logs=[beat, worker])
        after_first_start = runs()
        assert beat.stop() == 0
        restarted = topology.start_beat()
        wait_until(lambda: worker.log_tail(20000).count("catch_up_missed_jobs") >= 4, timeout=60,
                   what="the second start-up's catch-up ran", logs=[restarted, worker])
        time.sleep(2)  # anything the second catch-up might (wrongly) have sent gets time to run
        after_restart = runs()
    finally:
        topology.stop_all()

    # then: every missed (job, date) ran exactly once, nothing ran twice, the restart added nothing
    assert any(job == "weekly" for job, _ in expected), "the outage spans a Monday"
    assert all(after_first_start[key] == ("done", 1) for key in expected)
    assert {key: value for key, value in after_restart.items() if key[1] < today} == {
        key: value for key, value in after_first_start.items() if key[1] < today
    }


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def _row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as database:
        tables = [row[0] for row in database.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )]
        return {table: database.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def test_backup_restores_rows_and_media_files(deployment, postgres_url, tmp_path):
    # given: the live system, with an uploaded attachment besides the demo's evidence files
    media = deployment.root / "media"
    attachment = media / "attachments" / "2025" / "09" / "侯马市-第38周调度.pdf"
    attachment.parent.mkdir(parents=True, exist_ok=True)
    attachment.write_bytes(b"%PDF-1.4\n% weekly report attachment\n")
    dump, archive = tmp_path / "yihong.dump", tmp_path / "media.tar.gz"
    restored_name = f"{deployment.database_name}_restore"
    restored_root = tmp_path / "restored"

    # when: the commands of deploy/README.md (systemd flavour)
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={deployment.database_url}"],
                   check=True, timeout=300)
    subprocess.run(["tar", "-czf", str(archive), "-C", str(deployment.root), "media"], check=True,
                   timeout=300)
    restored_url = database_create(deployment.server_url, restored_name)
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_url}", str(dump)],
                       check=True, timeout=300)
        restored_root.mkdir()
        subprocess.run(["tar", "-xzf", str(archive), "-C", str(restored_root)], check=True, timeout=300)
        original_rows, restored_rows = _row_counts(deployment.database_url), _row_counts(restored_url)
        with psycopg.connect(restored_url) as database:
            evidence = [row[0] for row in database.execute(
                "SELECT effect_evidence FROM tracker_project WHERE effect_evidence <> '' "
                "UNION ALL SELECT evidence FROM tracker_auditevent WHERE evidence <> ''"
            )]
    finally:
        database_drop(deployment.server_url, restored_name)

    # then: every table with the same rows, every file with the same bytes, every referenced file there
    assert restored_rows == original_rows
    assert original_rows["tracker_project"] == 95 and original_rows["tracker_auditevent"] > 95
    assert _tree_digest(restored_root / "media") == _tree_digest(media)
    assert (restored_root / "media" / attachment.relative_to(media)).read_bytes() == attachment.read_bytes()
    assert evidence, "the demo ledger carries evidence files"
    assert all((restored_root / "media" / name).is_file() for name in evidence)
