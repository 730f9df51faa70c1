"""The benchmarks' throwaway PostgreSQL database: the demo ledger scaled up to 10,000 projects
(or to another size: `bench_database_prepare(projects=95)` is the demo ledger as it is, the real
portfolio, in a database of its own named `<name>_p95`).

The 95 demo projects (with their history from mid-2023: weekly reports, monthly plans,
procedures, problems and the audit log the as-of-date portfolio is computed from) are cloned in
SQL until there are 10,000, so that the synthetic portfolio has the demo's shape: ~2 years of
weekly reports per project (~1.2 million rows), transitions in the audit log, open problems.

Not a benchmark itself: imported by bench/bench_load_*.py, which call `bench_database_prepare()`.
It keeps the database between runs (preparing it takes a few minutes) unless told to rebuild.
"""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import psycopg

PROJECT = Path(__file__).resolve().parents[1]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from tests.deploy.topology import (  # noqa: E402
    database_create,
    database_url,
    fonts_prepare,
    manage,
    production_environment,
)

SERVER_URL = os.environ.get("YIHONG_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BROKER_URL = os.environ.get("YIHONG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
DATABASE_NAME = os.environ.get("YIHONG_BENCH_DATABASE", "yihong_bench")
ROOT = Path(os.environ.get("YIHONG_BENCH_ROOT", "/tmp/yihong-bench"))
TARGET_PROJECTS = 10_000

# Tables holding per-project history, cloned along with the projects (column "project_id").
PROJECT_CHILD_TABLES = [
    "tracker_weeklyreport",
    "tracker_monthlyplan",
    "tracker_procedure",
    "tracker_problem",
    "tracker_auditevent",
]


def _columns(connection, table: str) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
        "ORDER BY ordinal_position", [table],
    )]


def portfolio_scale_up(url: str, *, target: int = TARGET_PROJECTS) -> dict[str, int]:
    """Clone the demo projects and their history until there are `target` projects."""
    with psycopg.connect(url) as connection:
        originals = connection.execute("SELECT count(*) FROM tracker_project").fetchone()[0]
        copies = math.ceil((target - originals) / originals)
        project_columns = _columns(connection, "tracker_project")
        renamed = {
            "code": "p.code || '-S' || lpad(k::text, 3, '0')",
            "map_number": "p.map_number + k * 1000",
            "name": "p.name || '（样本' || k || '）'",
        }
        select = ", ".join(renamed.get(column, f"p.{column}") for column in project_columns)
        connection.execute(
            f"INSERT INTO tracker_project ({', '.join(project_columns)}) "
            f"SELECT {select} FROM "
            f"(SELECT *, row_number() OVER (ORDER BY id) AS rank FROM tracker_project) p "
            f"CROSS JOIN generate_series(1, {copies}) AS k "
            f"WHERE (k - 1) * {originals} + p.rank <= {target - originals}"
        )
        connection.execute(
            "CREATE TEMPORARY TABLE bench_project_map AS "
            "SELECT o.id AS old_id, n.id AS new_id FROM tracker_project o "
            f"CROSS JOIN generate_series(1, {copies}) AS k "
            "JOIN tracker_project n ON n.code = o.code || '-S' || lpad(k::text, 3, '0')"
        )
        for table in PROJECT_CHILD_TABLES:
            columns = _columns(connection, table)
            select = ", ".join("m.new_id" if column == "project_id" else f"c.{column}" for column in columns)
            connection.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table} c "
                "JOIN bench_project_map m ON c.project_id = m.old_id"
            )
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ["tracker_project", *PROJECT_CHILD_TABLES]
        }


def database_name(projects: int = TARGET_PROJECTS) -> str:
    """The benchmark database holding `projects` projects (the 10,000 one keeps its old name)."""
    return DATABASE_NAME if projects == TARGET_PROJECTS else f"{DATABASE_NAME}_p{projects}"


def bench_environment(projects: int = TARGET_PROJECTS, **extra: str) -> dict[str, str]:
    return production_environment(
        database=database_url(SERVER_URL, database_name(projects)), broker=BROKER_URL, root=ROOT, **extra
    )


def bench_database_prepare(*, rebuild: bool = False, projects: int = TARGET_PROJECTS) -> dict[str, str]:
    """The production environment of the benchmark database of `projects` projects (at least the
    demo's 95: the demo ledger, cloned up to that size), built when missing; prints its size."""
    name = database_name(projects)
    url = database_url(SERVER_URL, name)
    ready = False
    if not rebuild:
        try:
            with psycopg.connect(url) as connection:
                ready = connection.execute("SELECT count(*) FROM tracker_project").fetchone()[0] == projects
        except psycopg.Error:
            ready = False
    environment = bench_environment(projects)
    if not ready:
        started = time.perf_counter()
        print(f"准备基准数据库 {name}（{projects} 个项目）…", flush=True)
        database_create(SERVER_URL, name)
        manage("migrate", "--noinput", "-v0", environment=environment)
        manage("load_demo", environment=environment)
        with psycopg.connect(url) as connection:
            loaded = connection.execute("SELECT count(*) FROM tracker_project").fetchone()[0]
        if projects < loaded:
            raise SystemExit(f"演示台账有 {loaded} 个项目，基准规模不能小于它（--projects {projects}）")
        counts = (portfolio_scale_up(url, target=projects) if projects > loaded
                  else {"tracker_project": loaded})
        print(f"  完成，用时 {time.perf_counter() - started:.0f} s：{counts}", flush=True)
    # Apps added since the database was built (their tables start empty at 10,000 projects).
    manage("migrate", "--noinput", "-v0", environment=environment)
    manage("collectstatic", "--noinput", "-v0", environment=environment)
    fonts_prepare(environment)
    with psycopg.connect(url) as connection:
        projects, reports, weeks = connection.execute(
            "SELECT (SELECT count(*) FROM tracker_project), count(*), "
            "max(week_start) - min(week_start) FROM tracker_weeklyreport"
        ).fetchone()
    print(f"基准数据库：{projects} 个项目，{reports} 条周调度（跨 {weeks} 天）", flush=True)
    return environment


if __name__ == "__main__":
    size = next((int(arg.split("=", 1)[1]) for arg in sys.argv if arg.startswith("--projects=")),
                TARGET_PROJECTS)
    bench_database_prepare(rebuild="--rebuild" in sys.argv, projects=size)
