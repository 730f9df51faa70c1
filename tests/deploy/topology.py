"""Running the production topology as plain processes (no containers): throwaway PostgreSQL
databases, the production environment, gunicorn / Celery worker / Celery beat started and
stopped cleanly. Used by tests/deploy and by the benchmarks in bench/.
"""
from __future__ import annotations

import contextlib
import http.cookies
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server of `server_url`."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_create(server_url: str, name: str) -> str:
    """(Re)create an empty throwaway database; returns its URL."""
    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    return database_url(server_url, name)


def database_drop(server_url: str, name: str) -> None:
    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(*, database: str, broker: str, root: Path, **extra: str) -> dict[str, str]:
    """The variables an administrator puts in /etc/yihong/yihong.env, pointing at throwaway places."""
    environment = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS_URL", "GUNICORN_", "PYTEST",
                               "YIHONG_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="yihong.test",
        DATABASE_URL=database,
        CELERY_BROKER_URL=broker,
        DJANGO_MEDIA_ROOT=str(root / "media"),
        DJANGO_STATIC_ROOT=str(root / "static"),
        YIHONG_VAR_DIR=str(root / "var"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    environment.update(extra)
    for folder in ("media", "static", "var"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    return environment


def fonts_prepare(environment: dict[str, str]) -> None:
    """Letters need the subsetted free faces: reuse the developer's var/fonts (`make fonts`) when
    it is there, as a server reuses the image's; otherwise prepare them in the throwaway place."""
    prepared = PROJECT / "var" / "fonts"
    if (prepared / "yihong-fangsong.otf").exists():
        environment["YIHONG_FONT_DIR"] = str(prepared)
    else:
        manage("prepare_fonts", environment=environment)


def manage(*arguments: str, environment: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=PROJECT, env=environment,
        capture_output=True, text=True, timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(arguments)} failed:\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result


@dataclass
class Service:
    """A long-running process whose output goes to a log file."""

    name: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, characters: int = 4000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-characters:]

    def stop(self, timeout: float = 60) -> int:
        """TERM (graceful: gunicorn finishes requests, a worker finishes its task), KILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
                raise AssertionError(
                    f"{self.name} did not stop within {timeout} s:\n{self.log_tail()}"
                ) from None
        return self.process.returncode


@dataclass
class Topology:
    """gunicorn + Celery workers + Celery beat, as the systemd units start them."""

    environment: dict[str, str]
    root: Path
    services: list[Service] = field(default_factory=list)
    port: int = 0

    def start(self, name: str, command: list[str], **extra_environment: str) -> Service:
        log_path = self.root / f"{name}.log"
        log = open(log_path, "wb")  # noqa: SIM115 - kept open for the child's lifetime
        process = subprocess.Popen(
            command, cwd=PROJECT, env={**self.environment, **extra_environment},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        service = Service(name=name, process=process, log_path=log_path)
        self.services.append(service)
        return service

    def start_web(self, *, workers: int = 2, threads: int = 1) -> Service:
        self.port = free_port()
        return self.start(
            "gunicorn",
            [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "config.wsgi:application"],
            GUNICORN_BIND=f"127.0.0.1:{self.port}", GUNICORN_WORKERS=str(workers),
            GUNICORN_THREADS=str(threads),
        )

    def start_worker(self, name: str = "worker1", *, concurrency: int = 1, **extra: str) -> Service:
        return self.start(
            name,
            [str(BIN / "celery"), "-A", "config.celery_app", "--quiet", "worker", "--loglevel=INFO",
             f"--concurrency={concurrency}", f"--hostname={name}@%h", "--without-gossip", "--without-mingle"],
            **extra,
        )

    def start_beat(self, **extra: str) -> Service:
        return self.start(
            "beat",
            [str(BIN / "celery"), "-A", "config.celery_app", "--quiet", "beat", "--loglevel=INFO",
             f"--schedule={self.root / 'celerybeat-schedule'}"],
            **extra,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for_web(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for service in self.services:
                if service.process.poll() is not None:
                    raise AssertionError(
                        f"{service.name} exited ({service.process.returncode}):\n{service.log_tail()}"
                    )
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.base_url}/healthz/", timeout=5):
                    return
            time.sleep(0.3)
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.services[0].log_tail()}")

    def stop_all(self) -> dict[str, int]:
        return {service.name: service.stop() for service in reversed(self.services)}


class BrowserSession:
    """A browser behind the HTTPS reverse proxy: keeps cookies, sends X-Forwarded-Proto, no redirects."""

    def __init__(self, base_url: str, host: str = "yihong.test"):
        self.base_url = base_url
        self.host = host
        self.cookies: dict[str, str] = {}
        self._opener = urllib.request.build_opener(_NoRedirect)

    def request(self, method: str, path: str, *, form: dict | None = None, timeout: float = 30):
        headers = {"Host": self.host, "X-Forwarded-Proto": "https", "Origin": f"https://{self.host}",
                   "Referer": f"https://{self.host}{path}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(f"{self.base_url}{path}", data=body, method=method, headers=headers)
        try:
            response = self._opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = http.cookies.SimpleCookie()
                cookie.load(header)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
            return response.status, response.headers, response.read()

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs):
        return self.request("POST", path, form=form, **kwargs)

    def login(self, *, username: str, password: str, path: str = "/admin/login/") -> None:
        status, _, body = self.get(path)
        if status != 200:
            raise AssertionError(f"{path} answered {status}")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        status, headers, body = self.post(
            path,
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise AssertionError(f"login as {username} failed ({status}): {body[:500]!r}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
