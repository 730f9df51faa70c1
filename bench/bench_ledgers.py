"""Ledger import/export speed on a synthetic 10,000-project ledger.

Run by hand:  .venv/bin/python bench/bench_ledgers.py [--projects 10000]

Uses a throwaway SQLite database under /tmp (migrated, with the 95-project demo loaded), then:
1. builds a 10,000-row master ledger (.xlsx) of new projects typed the way clerks type them,
   and imports it (preview + confirm, one transaction) — target ≤ 30 s;
2. exports the master ledger of the whole portfolio (10,095 projects) — target ≤ 10 s;
3. imports a 95-project weekly sheet (every demo project reported) — target ≤ 2 s;
and prints the process's peak memory (ru_maxrss) — target ≤ 500 MB.
Set DATABASE_URL to run against PostgreSQL instead.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
from core.actors import SYSTEM  # noqa: E402

DB_PATH = Path(f"/tmp/yihong-bench-ledgers-{os.getpid()}.sqlite3")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DB_PATH}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("YIHONG_DEMO_DATE", "2025-09-30")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from demo.ledger import demo_ledger_load  # noqa: E402
from ledgers.exporting import (  # noqa: E402
    MASTER_HEADERS,
    LedgerFilters,
    ledger_build,
    ledger_xlsx,
    weekly_template,
)
from ledgers.importing import ledger_import_confirm, ledger_import_preview  # noqa: E402
from tracker.models import AdministrativeUnit, Domain, Project  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_master(count: int) -> bytes:
    units = [u.short_name for u in AdministrativeUnit.objects.all()]
    domains = list(Domain.objects.select_related("lead_department"))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["临汾市“一泓清水入黄河”生态保护工程总台账（合成压测数据）"])
    sheet.append(MASTER_HEADERS)
    for n in range(count):
        domain = domains[n % len(domains)]
        sheet.append([
            None, f"BENCH-{n:05d}", f"合成项目{n:05d}号生态治理工程", units[n % len(units)], domain.lead_department.name,
            domain.name, f"合成项目单位{n % 300}", "河道治理2公里，生态塘1处", f"{1000 + n % 9000:,}.50万元",
            "2026年3月", f"2027/{n % 12 + 1}/15", "前期", None, None, None, "", "合成数据",
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def weekly_sheet(week: dt.date, codes: set[str]) -> bytes:
    """Every demo project's row of its unit's template, filled in (95 rows)."""
    rows_by_unit = []
    for unit in AdministrativeUnit.objects.all():
        table = weekly_template(user=None, unit=unit, week=week)
        rows_by_unit.extend(row for row in table.rows if row[0] in codes)
    progress = dict(Project.objects.values_list("code", "progress_percent"))
    for row in rows_by_unit:
        row[2:5] = [f"{progress[row[0]]}%", "1,000", "900万元"]
    table.rows = rows_by_unit
    return ledger_xlsx(table)


def timed(label: str, target: float, function):
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    verdict = "OK" if seconds <= target else "SLOW"
    print(f"{label:<44} {seconds:7.2f} s   (target ≤ {target:g} s) {verdict}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=10_000)
    options = parser.parse_args()
    try:
        print(f"database: {os.environ['DATABASE_URL']}")
        call_command("migrate", verbosity=0)
        demo_ledger_load()
        print(f"demo loaded: {Project.objects.count()} projects; peak so far {peak_mb():.0f} MB")

        data = timed(f"build synthetic master sheet ({options.projects} rows)", 60,
                     lambda: synthetic_master(options.projects))
        print(f"  sheet size {len(data) / 1024 / 1024:.1f} MB")
        preview = timed("preview master import", 30,
                        lambda: ledger_import_preview(kind="master", data=data, acting_user=SYSTEM))
        assert preview.ok, preview.errors[:5]
        result = timed("import master (confirm, one transaction)", 30,
                       lambda: ledger_import_confirm(kind="master", data=data, acting_user=SYSTEM,
                                                     file_name="bench.xlsx"))
        print(f"  created {result.created} projects; total now {Project.objects.count()}")

        def export():
            return ledger_xlsx(ledger_build(kind="master", user=None, filters=LedgerFilters()))

        exported = timed(f"export master ledger ({Project.objects.count()} projects)", 10, export)
        print(f"  file size {len(exported) / 1024 / 1024:.1f} MB")
        again = timed("re-import the export (preview, zero changes)", 30,
                      lambda: ledger_import_preview(kind="master", data=exported, acting_user=SYSTEM))
        print(f"  changes on re-import: created {again.created}, updated {again.updated}, "
              f"unchanged {again.unchanged}")

        week = dt.date(2025, 10, 6)
        demo_codes = set(Project.objects.exclude(code__startswith="BENCH-").values_list("code", flat=True))
        sheet = weekly_sheet(week, demo_codes)
        weekly = timed("import 95-project weekly sheet", 2,
                       lambda: ledger_import_confirm(kind="weekly", data=sheet, acting_user=SYSTEM,
                                                     week=week))
        print(f"  reports created {weekly.created} (demo projects {len(demo_codes)})")
        peak = peak_mb()
        print(f"{'peak memory (ru_maxrss)':<44} {peak:7.0f} MB (target ≤ 500 MB) "
              f"{'OK' if peak <= 500 else 'HIGH'}")
    finally:
        if DB_PATH.exists() and os.environ["DATABASE_URL"].endswith(str(DB_PATH)):
            DB_PATH.unlink()


if __name__ == "__main__":
    main()
