"""A database made by the old layout (tracker/ holding ledgers, dashboard and demo; commit
3a006a2, the last before ledgers, dashboard and demo became apps of their own) with the demo
loaded migrates forward to this layout
with every row kept, and reads the same portfolio as before."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OLD_LAYOUT_COMMIT = "3a006a2"
# Tables whose rows are the users' data (the django_migrations and session tables aside).
DATA_TABLES_PREFIXES = ("tracker_", "notices_", "dispatch_", "outreach_", "offices_", "auth_user")
# Tables a later migration folded into another one (the migration's own test checks each row):
# old table -> the table its rows live in now.
FOLDED_TABLES = {
    "notices_contact": "outreach_endpoint",
    # the office's settings, in offices/ now
    "dispatch_threshold": "offices_officesetting",
    "notices_noticekindsetting": "offices_documentkindsetting",
}


def _old_layout(into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", OLD_LAYOUT_COMMIT], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _manage(code: Path, var: Path, *args: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "YIHONG_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'yihong.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=code, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def _row_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
                  if name.startswith(DATA_TABLES_PREFIXES)]
        return {name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}


@pytest.mark.once
def test_a_database_of_the_old_layout_with_the_demo_migrates_forward_keeping_every_row(tmp_path):
    # given: the old code migrated a database and loaded the demo into it
    old_code = _old_layout(tmp_path / "old")
    var = tmp_path / "var"
    var.mkdir()
    _manage(old_code, var, "migrate", "--noinput", "-v0")
    _manage(old_code, var, "load_demo")
    before = _row_counts(var / "yihong.sqlite3")
    before_portfolio = json.loads(_manage(old_code, var, "portfolio", "--as-of", "2024-12-31", "--json"))
    # when: this layout's migrations run on it
    _manage(ROOT, var, "migrate", "--noinput", "-v0")
    # then: every row is still there, and the portfolio of a past date reads as before
    after = _row_counts(var / "yihong.sqlite3")
    assert before["tracker_project"] == 95
    kept = {table: count for table, count in before.items() if table not in FOLDED_TABLES}
    assert {table: after.get(table) for table in kept} == kept
    for table, into in FOLDED_TABLES.items():
        assert table not in after and (after[into] >= 1 if before.get(table) else into in after), table
    after_portfolio = json.loads(_manage(ROOT, var, "portfolio", "--as-of", "2024-12-31", "--json"))
    for key in ("projects", "started", "completed", "total_investment_wan", "by_state", "by_unit"):
        assert after_portfolio[key] == before_portfolio[key], key
