"""Private PostgreSQL clusters and Redis servers for the fault tests: started in a temporary
folder on a free port, stopped, killed and restarted at will — never the shared servers on 5432
and 6379, which other test runs depend on. Test-only."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.conftest import _port_open, _wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_port_closed(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while _port_open("127.0.0.1", port):
        if time.monotonic() > deadline:
            pytest.fail(f"端口{port}上的服务未能停止")
        time.sleep(0.1)


class PrivateRedis:
    """A redis-server of our own. The append-only file is fsynced on every write, so that a
    stop and start loses nothing the broker had accepted (as a production broker is set up)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("未安装 redis-server，无法进行 Redis 故障测试")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                server,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            stdout=(self.folder / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not _wait_for_port("127.0.0.1", self.port, 15):
            pytest.fail(
                f"私有 Redis 未能在端口{self.port}启动：{(self.folder / 'redis.log').read_text()[-2000:]}"
            )

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): what `systemctl stop redis` does."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        _wait_port_closed(self.port, 10)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        found = [shutil.which(name) or ""]
    if not found[-1]:
        pytest.fail(f"找不到 PostgreSQL 程序 {name}，无法进行数据库故障测试")
    return found[-1]


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temporary folder, trust auth, TCP only).

    Run as the `postgres` OS user when the tests run as root (initdb refuses root)."""

    def __init__(self):
        # Not under pytest's tmp folder: that one is private to root, and the server runs as postgres.
        self.folder = Path(tempfile.mkdtemp(prefix="yihong-trust-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()

    def _run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command[:6])} 失败：{result.stdout[-1500:]}{result.stderr[-1500:]}")
        return result

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            _postgres_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"
        self._run(
            _postgres_bin("pg_ctl"),
            action,
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            *extra,
        )

    def start(self) -> None:
        self._pg_ctl("start")
        if not _wait_for_port("127.0.0.1", self.port, 30):
            pytest.fail(f"私有 PostgreSQL 未能启动：{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """A fast shutdown: every session is ended, as in a restart by the operator."""
        self._pg_ctl("stop", "-m", "fast")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def destroy(self) -> None:
        try:
            if self.data.exists() and (self.data / "postmaster.pid").exists():
                self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def product_env(*, database_url: str, var_dir: Path, **extra: str) -> dict:
    """The environment a product process (manage.py, a worker, a web server) runs with."""
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_URL", "REDIS_URL", "YIHONG_"))
        },
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "",
        "YIHONG_VAR_DIR": str(var_dir),
        "DJANGO_MEDIA_ROOT": str(var_dir / "media"),
        **extra,
    }


def manage(env: dict, *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args[:2])} 失败：\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout
