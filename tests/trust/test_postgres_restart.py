"""PostgreSQL restarted under web load: a real gunicorn (deploy/gunicorn.conf.py,
persistent connections as in production) on a private cluster, the office's weekly-report
POSTs from several threads while the cluster is stopped and started again.

Requests in the outage fail cleanly — a Chinese 500 page, no traceback, nothing saved — and
requests after it succeed; every report is written whole (one audit row per accepted POST, none
for a refused one) and once per project and week, however often it was sent.
"""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
import re
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest

from tests.conftest import _wait_for_port
from tests.trust.conftest import demo_database
from tests.trust.fuzzing import is_chinese
from tests.trust.private_services import ROOT, free_port, product_env

pytestmark = [pytest.mark.postgres, pytest.mark.once]

GUNICORN = str(Path(ROOT, ".venv", "bin", "gunicorn"))
PASSWORD = "Yihong@2025"
LEAKS = ("Traceback", "psycopg", "OperationalError", "InterfaceError", 'File "', "SELECT ", "INSERT ")


class Web:
    """A logged-in browser of one user, talking to the server with one connection per request."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, dict(response.getheaders()), text
        finally:
            connection.close()

    def login(self, username: str) -> None:
        status, headers, page = self.request("GET", "/accounts/login/")
        self._keep_cookies(headers)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        assert status == 302, f"登录失败：{status}"
        self._keep_cookies(headers)
        self.csrf = self.cookies["csrftoken"]

    def _keep_cookies(self, headers: dict) -> None:
        for name, value in re.findall(r"(?:^|, )(\w+)=([^;]*)", headers.get("Set-Cookie", "")):
            self.cookies[name] = value


def _answers(port: int) -> bool:
    if not _wait_for_port("127.0.0.1", port, 0.5):
        return False
    try:
        return Web(port).request("GET", "/accounts/login/")[0] == 200
    except OSError:
        return False


@pytest.fixture
def web_server(demo_cluster, tmp_path):
    db = demo_database(demo_cluster)
    port = free_port()
    env = product_env(
        database_url=db,
        var_dir=tmp_path / "var",
        DB_CONN_MAX_AGE="60",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        GUNICORN_WORKER_TMP_DIR=str(tmp_path),
        LOG_LEVEL="WARNING",
    )
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [GUNICORN, "--config", "deploy/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn 未能启动：{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield {"port": port, "db": db, "cluster": demo_cluster, "log": log}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _houma_projects(db: str) -> dict[int, str]:
    with psycopg.connect(db) as conn:
        return dict(
            conn.execute(
                "SELECT p.id, p.code FROM tracker_project p "
                "JOIN tracker_administrativeunit u ON u.id = p.unit_id WHERE u.code = 'houma' ORDER BY p.id"
            ).fetchall()
        )


def test_postgres_restarted_under_weekly_report_load_fails_cleanly_and_loses_nothing(web_server):
    # given the office's clerk logged in (past weeks are closed to the counties; the office corrects
    # them with a reason), and a stream of (project, week) reports to send
    web = Web(web_server["port"])
    web.login("clerk")
    projects = list(_houma_projects(web_server["db"]))
    # every week from 2021 to this one (the form refuses later weeks), most of them the demo's own
    first, today = dt.date(2021, 1, 4), dt.date.today()
    weeks = [(first + dt.timedelta(weeks=n)).isoformat() for n in range((today - first).days // 7 + 1)]
    keys = iter(itertools.product(weeks, projects))
    lock = threading.Lock()
    results: list[tuple[tuple[str, int], int, float, str]] = []
    stop = threading.Event()

    def post(key: tuple[str, int]) -> tuple[int, str]:
        week, project_id = key
        status, _, body = web.request(
            "POST",
            f"/projects/{project_id}/report/",
            {
                "csrfmiddlewaretoken": web.csrf,
                "week_start": week,
                "progress_percent": "50",
                "completed_investment": "100",
                "funds_in_place": "80",
                "decrease_note": "负载测试",
                "reporter_name": "负载测试",
                "correction_reason": "负载测试",
            },
        )
        return status, body

    def sender():
        while not stop.is_set():
            with lock:
                key = next(keys, None)
            if key is None:
                return
            started = time.monotonic()
            try:
                status, body = post(key)
            except OSError as error:  # the web server itself must stay up
                status, body = -1, repr(error)
            with lock:
                results.append((key, status, started, body))
            time.sleep(0.02)

    threads = [threading.Thread(target=sender) for _ in range(6)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        # when the cluster is stopped (every session ended), kept down three seconds, and started
        outage_start = time.monotonic()
        web_server["cluster"].stop()
        time.sleep(3)
        web_server["cluster"].start()
        outage_end = time.monotonic()
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    statuses = Counter(status for _, status, _, _ in results)
    # then the web server answered every request: saved (302) or a clean error page (500)
    assert set(statuses) <= {302, 500}, statuses
    failed = [(key, body) for key, status, _, body in results if status == 500]
    assert failed, f"the restart was never felt: {statuses}"
    for _, body in failed:
        assert is_chinese(body) and "服务暂时不可用" in body, body[:300]
        assert not any(leak in body for leak in LEAKS), body[:500]
    # and requests sent a second after the cluster was back all succeeded
    after = [status for _, status, started, _ in results if started > outage_end + 1]
    assert after and all(status == 302 for status in after), Counter(after)
    assert any(status == 302 for _, status, started, _ in results if started < outage_start)
    # and sending the failed ones again succeeds
    with ThreadPoolExecutor(max_workers=6) as pool:
        for key, (status, body) in zip(
            [key for key, _ in failed], pool.map(post, [key for key, _ in failed]), strict=True
        ):
            assert status == 302, (key, status, body[:300])
            results.append((key, status, time.monotonic(), body))

    # then each accepted POST wrote one whole report: one row per (project, week), one audit
    # row per accepted POST, and nothing at all for a refused one
    accepted = Counter(key for key, status, _, _ in results if status == 302)
    with psycopg.connect(web_server["db"]) as conn:
        rows = conn.execute(
            "SELECT r.week_start::text, r.project_id, r.progress_percent::text, r.reporter_name, "
            "(SELECT count(*) FROM tracker_auditevent a WHERE a.action = 'weekly_report.submit' "
            " AND a.object_type = 'weekly_report' AND a.object_id = r.id::text AND a.reason LIKE '%负载测试%') "
            "FROM tracker_weeklyreport r WHERE r.reporter_name = '负载测试'"
        ).fetchall()
        orphan_audit = conn.execute(
            "SELECT count(*) FROM tracker_auditevent a WHERE a.action = 'weekly_report.submit' "
            "AND a.reason LIKE '%负载测试%' AND NOT EXISTS (SELECT 1 FROM tracker_weeklyreport r "
            "WHERE r.id::text = a.object_id AND r.reporter_name = '负载测试')"
        ).fetchone()[0]
    written = {(week, project_id): audits for week, project_id, progress, _, audits in rows}
    assert len(written) == len(rows), "one report per project and week"
    assert set(written) == set(accepted), "every accepted report, and only those"
    assert all(progress == "50.00" for _, _, progress, _, _ in rows)
    assert written == dict(accepted), "one audit row per accepted POST, none for a refused one"
    assert orphan_audit == 0
    print(
        f"PostgreSQL restart: {len(results)} POSTs, {len(failed)} refused in the outage, {len(rows)} reports"
    )
