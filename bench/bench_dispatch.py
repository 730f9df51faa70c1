"""The daily scan over 10,000 and 100,000 synthetic projects.

Run by hand: `.venv/bin/python bench/bench_dispatch.py [10000 100000]`. Each size gets a
throwaway SQLite database in /tmp with 18 units, the projects spread over them, 8 weekly reports
per project (the scan reads the last 4), a start transition in the audit log for the started
ones, 7 procedures for those still in preparation, and a few open problems. Most projects are
on plan; about 0.2 % lag, so the firings are realistic in number.

It prints, per size: the time and the number of queries of the scan alone (facts and rules
for R3–R6, no writes), and of the whole daily job (with the firings, their letters and the
site-visit tasks). The scan's query count must not grow with the number of projects; the
whole job's grows with the number of firings only.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from dispatch import jobs

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from scratch_databases import run_per_size  # noqa: E402

from core.actors import SYSTEM  # noqa: E402

SIZES = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
SCAN_DATE = dt.date(2025, 6, 3)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def build(size: int) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tracker.choices import AuditAction, ProcedureKind, ProjectState, Role
    from tracker.models import (
        AdministrativeUnit,
        AuditEvent,
        Department,
        Domain,
        Problem,
        Procedure,
        Project,
        StaffProfile,
        WeeklyReport,
    )

    rng = random.Random(size)
    units = AdministrativeUnit.objects.bulk_create(
        AdministrativeUnit(code=f"u{i}", name=f"单位{i}", short_name=f"单{i}", kind="county", display_order=i)
        for i in range(18)
    )
    departments = Department.objects.bulk_create(
        Department(code=f"d{i}", name=f"部门{i}", short_name=f"部{i}", display_order=i) for i in range(6)
    )
    domains = Domain.objects.bulk_create(
        Domain(code=f"m{i}", name=f"领域{i}", lead_department=departments[i], display_order=i)
        for i in range(6)
    )
    clerk = get_user_model().objects.create(username="clerk")
    StaffProfile.objects.create(user=clerk, role=Role.CLERK, full_name="工作人员")
    now = timezone.now()
    projects = []
    for i in range(size):
        lagging = rng.random() < 0.002
        preparing = rng.random() < 0.05
        start = SCAN_DATE - dt.timedelta(days=rng.randint(60, 400))
        completion = SCAN_DATE + dt.timedelta(days=rng.randint(10 if lagging else 45, 500))
        elapsed = (SCAN_DATE - start).days / (completion - start).days
        progress = (
            Decimal("0")
            if preparing
            else Decimal(str(round(min(99, elapsed * 100 * (0.3 if lagging else 1)), 2)))
        )
        domain = i % 6
        projects.append(
            Project(
                code=f"B{i:06d}",
                map_number=i + 1,
                name=f"合成项目{i}",
                unit=units[i % 18],
                lead_department=departments[domain],
                domain=domains[domain],
                owner_name="项目单位",
                total_investment=Decimal("1000.00"),
                planned_start=start if not preparing else SCAN_DATE + dt.timedelta(days=20),
                planned_completion=completion,
                actual_start=None if preparing else start,
                progress_percent=progress,
                target_year=2025,
                remarks="lagging" if lagging else "",
                state=ProjectState.PREPARATION if preparing else ProjectState.UNDER_CONSTRUCTION,
            )
        )
    Project.objects.bulk_create(projects, batch_size=5000)
    projects = list(
        Project.objects.order_by("id").only("id", "progress_percent", "actual_start", "state", "remarks")
    )
    reports, events, procedures = [], [], []
    monday = SCAN_DATE - dt.timedelta(days=SCAN_DATE.weekday())
    for project in projects:
        # On-plan projects rise 2 points a week; the lagging ones (30 % of plan) half a point.
        step = Decimal("0.5") if project.remarks == "lagging" else Decimal("2")
        for back in range(8):
            week = monday - dt.timedelta(days=7 * back)
            value = max(Decimal("0"), project.progress_percent - Decimal(back) * step).quantize(
                Decimal("0.01")
            )
            reports.append(
                WeeklyReport(
                    project_id=project.id,
                    week_start=week,
                    progress_percent=value,
                    completed_investment=Decimal("0"),
                    funds_in_place=Decimal("0"),
                    reported_at=now,
                )
            )
        if project.state == ProjectState.UNDER_CONSTRUCTION:
            events.append(
                AuditEvent(
                    action=AuditAction.PROJECT_TRANSITION,
                    occurred_at=now,
                    effective_on=project.actual_start,
                    actor_name="系统",
                    project_id=project.id,
                    from_state="preparation",
                    to_state="under_construction",
                )
            )
        else:
            procedures += [
                Procedure(project_id=project.id, kind=kind, status="in_progress")
                for kind in ProcedureKind.values
            ]
        if len(reports) > 50_000:
            WeeklyReport.objects.bulk_create(reports, batch_size=5000)
            reports = []
    WeeklyReport.objects.bulk_create(reports, batch_size=5000)
    AuditEvent.objects.bulk_create(events, batch_size=5000)
    Procedure.objects.bulk_create(procedures, batch_size=5000)
    Problem.objects.bulk_create(
        Problem(
            project_id=projects[i].id,
            description="用地手续办理缓慢",
            category="land",
            level="office",
            level_since=SCAN_DATE - dt.timedelta(days=30),
            raised_on=SCAN_DATE - dt.timedelta(days=30),
        )
        for i in range(0, len(projects), max(1, len(projects) // 50))
    )


def measure(size: int) -> None:
    from django.db import connection

    from dispatch import rules, selectors, services
    from offices.keys import SettingGroup
    from offices.selectors import office_settings

    def scan():
        thresholds = office_settings(group=SettingGroup.THRESHOLDS)
        facts = selectors.scan_facts(on_date=SCAN_DATE, thresholds=thresholds)
        findings = rules.r3_supervisions(projects=facts, on_date=SCAN_DATE, thresholds=thresholds)
        findings += rules.r4_site_visits(projects=facts, on_date=SCAN_DATE, thresholds=thresholds)
        month = rules.month_start(SCAN_DATE) - dt.timedelta(days=1)
        findings += rules.r5_summons(
            activity=selectors.unit_month_activity(month=month), month=month, thresholds=thresholds
        )
        findings += services.listed_supervision_findings(on_date=SCAN_DATE, thresholds=thresholds)
        selectors.overdue_problems(on_date=SCAN_DATE, working_days=10)
        return findings

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        findings = scan()
        scan_seconds = time.perf_counter() - started
    print(
        f"{size:>7} projects  scan only : {scan_seconds:6.2f} s, {counter.count:3d} queries, "
        f"{len(findings)} findings"
    )
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        outcome = jobs.job_run_for_date(job="daily", on_date=SCAN_DATE, acting_user=SYSTEM)
        job_seconds = time.perf_counter() - started
    print(
        f"{size:>7} projects  daily job : {job_seconds:6.2f} s, {counter.count:5d} queries, "
        f"{len(outcome.firings)} firings (letters, site visits, escalations)"
    )


def main() -> None:
    run_per_size("dispatch", SIZES, build, measure)


if __name__ == "__main__":
    main()
