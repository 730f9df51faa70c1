"""Dashboard and ledger page: median server time and query count at 95 and 10,000 projects.

Run by hand: `.venv/bin/python bench/bench_web.py [10000]`. It builds a throwaway SQLite
database in /tmp: the demo ledger (95 projects with their history from mid-2023: weekly reports,
transitions in the audit log, problems, sections), then clones the demo projects in SQL, with
their weekly reports, monthly plans, procedures, problems and transition events, until there
are 10,000 — so the big portfolio has the demo's shape (~1 million weekly reports).

Pages are requested through Django's test client, in-process, as the clerk (who sees all
projects); the time is the server's (request to response, no network). Each page is timed twice:
served from the portfolio cache (dashboard.cache, the common case), and computed afresh,
as the first request after a write (the cache's version bumped before every request). Targets:
≤ 100 ms at 95 projects, ≤ 300 ms at 10,000, and the same query count at both sizes.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
TARGET = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
DATABASE = Path(tempfile.gettempdir()) / "yihong-bench-web.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
REPEAT = 9
PAGES = [
    ("dashboard (today)", "/dashboard/"),
    ("dashboard (as of 2024-06-30)", "/dashboard/?as_of=2024-06-30"),
    ("ledger page 1", "/ledger/"),
    ("ledger, red lights, by progress", "/ledger/?light=red&sort=-progress"),
]
CHILD_TABLES = ["tracker_weeklyreport", "tracker_monthlyplan", "tracker_procedure", "tracker_problem"]


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(f"PRAGMA table_info({table})")
    return [row[1] for row in cursor.fetchall()]


def scale_up(target: int) -> None:
    """Clone the demo projects (and their history) in SQL until there are `target` projects."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(map_number) FROM tracker_project")
        demo_count, top_number = cursor.fetchone()
        copies = -(-(target - demo_count) // demo_count)
        columns = [c for c in _columns(cursor, "tracker_project") if c != "id"]
        source = {c: f"p.{c}" for c in columns}
        source["code"] = "p.code || '#' || n.k"
        source["map_number"] = f"p.map_number + n.k * {top_number + 1000}"
        source["remarks"] = "'clone:' || p.id"
        cursor.execute(
            f"""WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {copies})
            INSERT INTO tracker_project ({", ".join(columns)})
            SELECT {", ".join(source[c] for c in columns)} FROM tracker_project p, n
            WHERE p.remarks NOT LIKE 'clone:%' ORDER BY n.k, p.id LIMIT {target - demo_count}"""
        )
        cursor.execute("CREATE TEMP TABLE clone_map AS SELECT id AS new_id, "
                       "CAST(substr(remarks, 7) AS INTEGER) AS old_id "
                       "FROM tracker_project WHERE remarks LIKE 'clone:%'")
        cursor.execute("CREATE INDEX clone_map_old ON clone_map(old_id)")
        for table in CHILD_TABLES:
            child = [c for c in _columns(cursor, table) if c != "id"]
            picked = ", ".join("m.new_id" if c == "project_id" else f"t.{c}" for c in child)
            cursor.execute(f"INSERT INTO {table} ({', '.join(child)}) SELECT {picked} FROM {table} t "
                           "JOIN clone_map m ON m.old_id = t.project_id")
        events = [c for c in _columns(cursor, "tracker_auditevent") if c != "id"]
        picked = ", ".join("m.new_id" if c == "project_id" else f"t.{c}" for c in events)
        cursor.execute(f"INSERT INTO tracker_auditevent ({', '.join(events)}) "
                       f"SELECT {picked} FROM tracker_auditevent t "
                       "JOIN clone_map m ON m.old_id = t.project_id WHERE t.action = 'project.transition'")
        cursor.execute("DROP TABLE clone_map")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(label: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from dashboard.cache import portfolio_version_bump
    from tracker.models import Project, WeeklyReport

    client = Client()
    client.force_login(get_user_model().objects.get(username="clerk"))
    print(f"\n{label}: {Project.objects.count()} projects, {WeeklyReport.objects.count()} weekly reports")
    for name, url in PAGES:
        client.get(url)  # warm the caches (templates, statements, the portfolio cache)
        # "cached": what every request gets until the next write; "after a write": the first
        # request after any write bumped the portfolio cache's version (dashboard.cache).
        for mode in ("cached", "after a write"):
            times, counts, size = [], set(), 0
            for _ in range(REPEAT):
                if mode != "cached":
                    portfolio_version_bump()
                counter = QueryCounter()
                with connection.execute_wrapper(counter):
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                counts.add(counter.count)
                size = len(response.content)
            print(f"  {name:<34} {mode:<13} median {statistics.median(times):7.1f} ms  "
                  f"(min {min(times):6.1f}, max {max(times):6.1f})  "
                  f"queries {sorted(counts)}  {size // 1024} KB")


def main() -> None:
    if DATABASE.exists():
        DATABASE.unlink()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    print(f"demo loaded in {time.perf_counter() - started:.1f} s  ({DATABASE})")
    measure("demo")
    started = time.perf_counter()
    scale_up(TARGET)
    # Raw SQL sends no signals: announce the new portfolio to the dashboard's cache by hand.
    from dashboard.cache import portfolio_version_bump

    portfolio_version_bump()
    print(f"\nscaled up in {time.perf_counter() - started:.1f} s")
    measure("synthetic")
    if not os.environ.get("YIHONG_BENCH_KEEP"):
        DATABASE.unlink()


if __name__ == "__main__":
    main()
