"""Shared fixtures: the demo ledger, users per role, and the real services (PostgreSQL, Redis).

Tests that need PostgreSQL or Redis get them through `postgres_url` / `redis_url`, which start the
local server when it is not running and fail — never skip — when it cannot be reached.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from demo.ledger import demo_ledger_load
from tracker import services
from tracker.models import AdministrativeUnit, Department, Domain

POSTGRES_URL = os.environ.get("YIHONG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("YIHONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _wait_for_port(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _port_open(host, port):
            return True
        time.sleep(0.2)
    return False


def ensure_postgres() -> str:
    if not _port_open("127.0.0.1", 5432):
        clusters = os.listdir("/etc/postgresql") if os.path.isdir("/etc/postgresql") else []
        for version in clusters:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False,
                timeout=60
            )
        if not _wait_for_port("127.0.0.1", 5432, 30):
            pytest.fail("PostgreSQL 未运行且无法启动（127.0.0.1:5432）：请先启动数据库服务")
    return POSTGRES_URL


def ensure_redis() -> str:
    if not _port_open("127.0.0.1", 6379):
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("Redis 未运行且未安装 redis-server（127.0.0.1:6379）")
        subprocess.run(
            [server, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "",
             "--appendonly", "no", "--dir", "/tmp"],
            check=False, timeout=30,
        )
        if not _wait_for_port("127.0.0.1", 6379, 15):
            pytest.fail("Redis 未运行且无法启动（127.0.0.1:6379）")
    return REDIS_URL


@pytest.fixture
def postgres_url() -> str:
    return ensure_postgres()


@pytest.fixture
def on_postgres(request, postgres_url):
    """For a test whose point is PostgreSQL's behaviour (row locks under real concurrency).

    On PostgreSQL it returns True and the test runs here. On the embedded SQLite run it runs the
    same test again in a child pytest against PostgreSQL, fails with its output if that fails,
    and returns False so the caller stops: the test never passes without having run on PostgreSQL.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        return True
    env = {**os.environ, "DATABASE_URL": postgres_url}
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", request.node.nodeid],
        env=env, capture_output=True, text=True, timeout=900, cwd=str(request.config.rootpath),
    )
    if child.returncode != 0:
        pytest.fail(f"在 PostgreSQL 上运行失败：\n{child.stdout[-4000:]}\n{child.stderr[-2000:]}")
    return False


@pytest.fixture
def redis_url() -> str:
    return ensure_redis()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the demo ledger, loaded once per session.

    Ordinary tests roll back to it after each test. Transactional tests flush the database
    when they end; the `demo_ledger` fixture reloads it for the next one that needs it.
    """
    with django_db_blocker.unblock():
        demo_ledger_load()


@pytest.fixture(autouse=True)
def portfolio_cache_empty():
    """Each test starts with an empty portfolio cache: the database rolls back after every test,
    the cached dashboard figures must not outlive it (dashboard.cache)."""
    from django.core.cache import cache

    from dashboard.cache import portfolio_cache_forget_local

    cache.clear()
    portfolio_cache_forget_local()


@pytest.fixture(autouse=True)
def celery_join_allowed():
    """Each test ends with Celery's "inside a task" flag down. An eager task runs inside
    denied_join_result(), which saves and restores one process-wide flag; tasks run by several
    threads at once (the concurrent-issuance tests) can restore each other's value and leave it
    up, and every later result.get() in that test process then refuses ("Never call result.get()
    within a task!")."""
    from celery import _state

    yield
    _state._set_task_join_will_block(False)


@pytest.fixture
def demo_ledger(db):
    """The 95-project demo ledger (already there; reloaded after a transactional test flushed it)."""
    return demo_ledger_load()


def _demo_user(username: str):
    return get_user_model().objects.select_related("staff_profile").get(username=username)


@pytest.fixture
def leader(demo_ledger):
    return _demo_user("leader")


@pytest.fixture
def clerk(demo_ledger):
    return _demo_user("clerk")


@pytest.fixture
def clerk_eco(demo_ledger):
    return _demo_user("clerk_eco")


@pytest.fixture
def city_leader(demo_ledger):
    return _demo_user("cityleader")


@pytest.fixture
def county_liaison(demo_ledger):
    """The liaison of 侯马市 (a unit with several projects)."""
    return _demo_user("county_houma")


@pytest.fixture
def other_county_liaison(demo_ledger):
    return _demo_user("county_yaodu")


@pytest.fixture
def department_liaison(demo_ledger):
    return _demo_user("dept_water")


@pytest.fixture
def preparation_project(demo_ledger, leader):
    """A project in 前期 in 侯马市 whose construction permit is still being processed."""
    unit = AdministrativeUnit.objects.get(code="houma")
    project = services.project_create(
        acting_user=leader,
        code="LF-TEST-901",
        map_number=901,
        name="侯马市测试污水管网改造工程",
        unit=unit,
        lead_department=Department.objects.order_by("id").first(),
        domain=Domain.objects.order_by("id").first(),
        owner_name="侯马市住建局",
        total_investment=Decimal("1200.00"),
        planned_start=dt.date(2025, 9, 1),
        planned_completion=dt.date(2026, 6, 30),
        target_year=2025,
        longitude=Decimal("111.372"),
        latitude=Decimal("35.619"),
    )
    services.procedure_update(
        project_id=project.pk, kind="construction_permit", acting_user=leader, status="in_progress",
        started_on=dt.date(2025, 8, 1),
    )
    project.refresh_from_db()
    return project


# Headless Chromium for the browser tests (marker `browser`): Debian's package, never a download.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; fails (never skips) when the package is missing."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("未找到 /usr/bin/chromium：请安装 Debian 的 chromium 软件包（make 的 SYSTEM_PACKAGES）")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
