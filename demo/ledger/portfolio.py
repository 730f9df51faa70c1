"""The demo's 95 projects and their history from mid-2023: procedures, weekly reports, monthly plans,
transitions, problems."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.workdays import monday_of
from demo.ledger.people import SEED, _name, demo_users_create
from demo.ledger.problems import problems_create
from demo.ledger.sections import _location_in, _next_month, _sections_create
from tracker import reference_data, services
from tracker.choices import AuditAction, ProcedureKind, ProcedureStatus
from tracker.models import (
    AdministrativeUnit,
    AuditEvent,
    Basin,
    Department,
    Domain,
    MonthlyPlan,
    Procedure,
    Project,
    WeeklyReport,
)
from tracker.signals import portfolio_bulk_changed_send

# The 95 projects were designated when the task force was set up (DOMAIN: Who): the demo lists
# them all from then, before any of its history.
LISTED_ON = dt.date(2023, 5, 1)

TOTAL_INVESTMENT_WAN = Decimal("1293700.00")  # about 129.37 亿元 (DOMAIN: The portfolio)

END_2024 = dt.date(2024, 12, 31)

COMPLETED_BY_END_2024 = 62

PROJECTS_PER_UNIT = {
    "yaodu": 11, "houma": 9, "huozhou": 5, "quwo": 7, "yicheng": 7, "xiangfen": 7, "hongtong": 8,
    "guxian": 3, "anze": 3, "fushan": 3, "jixian": 4, "xiangning": 4, "daning": 4, "xixian": 4,
    "yonghe": 4, "puxian": 3, "fenxi": 3, "kaifaqu": 6,
}

PROJECTS_PER_DOMAIN = {"ecology": 22, "water": 25, "urban": 14, "housing": 20, "natural_resources": 8,
                       "commerce": 6}

# The real projects named in the press (DOMAIN: The portfolio): (unit, domain, name, investment 万元, scale).
REAL_PROJECTS = [
    ("houma", "water", "汾河侯马段综合治理工程", Decimal("68600"), "治理河道约21公里，涉及2个乡镇14个村"),
    ("kaifaqu", "urban", "临汾经济开发区甘亭污水处理厂", Decimal("41200"),
     "占地40.66亩，服务甘亭镇20个村、曲亭镇5个村及甘亭工业园区"),
    ("houma", "ecology", "汾河流域汾河干流及浍河侯马段区域水环境综合治理项目", Decimal("52300"),
     "农村水环境治理：黑臭水体整治、生态塘、生态渠建设"),
    ("xiangning", "housing", "乡宁县城区第二污水处理厂", Decimal("21800"), "新建污水处理厂一座及配套管网"),
    ("daning", "ecology", "大宁污水处理厂尾水人工湿地", Decimal("9600"), "建设尾水人工湿地，提升出水水质"),
    ("yonghe", "housing", "永和污水厂提质增效", Decimal("7800"), "污水处理厂提标改造及管网提质增效"),
    ("jixian", "ecology", "吉县污水厂尾水人工湿地", Decimal("8900"), "建设尾水人工湿地及生态缓冲带"),
]

NAME_PATTERNS = {
    "ecology": ["{c}农村黑臭水体治理工程", "{c}入河排污口规范化整治工程", "{c}人工湿地水质净化工程",
                "{r}{c}段生态缓冲带建设工程", "{c}农村生活污水治理工程"],
    "water": ["{r}{c}段河道综合治理工程", "{c}水土保持综合治理工程", "{c}灌区节水配套改造工程",
              "{c}饮用水水源地保护工程", "{c}中小河流治理工程"],
    "urban": ["{c}城区污水处理厂提标改造工程", "{c}城区雨污分流改造工程", "{c}城区污水管网完善工程"],
    "housing": ["{c}乡镇污水处理设施建设工程", "{c}老旧小区雨污管网改造工程", "{c}城镇污水处理厂扩容工程"],
    "natural_resources": ["{c}历史遗留矿山生态修复工程", "{c}沿河国土绿化工程", "{c}湿地保护修复工程"],
    "commerce": ["{c}工业园区污水集中处理设施工程", "{c}开发区中水回用工程"],
}

OWNER_PATTERNS = {
    "ecology": "{c}生态环境分局", "water": "{c}水利局", "urban": "{c}城市管理局", "housing": "{c}住房和城乡建设局",
    "natural_resources": "{c}自然资源局", "commerce": "{c}商务局",
}

UNIT_BASIN = {
    "xiangning": "黄河干流", "daning": "黄河干流", "yonghe": "黄河干流", "jixian": "黄河干流",
    "xixian": "昕水河", "puxian": "昕水河", "yicheng": "浍河", "quwo": "浍河", "anze": "沁河",
}


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def demo_date() -> dt.date:
    return dt.date.fromisoformat(settings.YIHONG_DEMO_DATE)


@dataclass
class PlannedHistory:
    """What happens to one demo project over time (dates in the field)."""

    actual_start: dt.date
    completion: dt.date | None  # None: not completed by the demo date
    acceptance: dt.date | None
    suspended: dt.date | None = None
    resumed: dt.date | None = None
    stalls_from: dt.date | None = None  # progress stops rising from this date
    final_progress: Decimal = Decimal("100")


def _load_reference() -> None:
    polygons = reference_data.county_polygons()
    for order, (code, name, short, kind) in enumerate(reference_data.UNITS, start=1):
        if code == "kaifaqu":
            lon, lat = reference_data.DEVELOPMENT_ZONE_LABEL
        else:
            lon, lat = (Decimal(str(v)).quantize(Decimal("0.000001")) for v in polygons[name]["cp"])
        AdministrativeUnit.objects.update_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "kind": kind, "display_order": order,
                      "label_longitude": lon, "label_latitude": lat},
        )
    for order, (code, name, short) in enumerate(reference_data.DEPARTMENTS, start=1):
        Department.objects.update_or_create(code=code,
                                            defaults={"name": name, "short_name": short,
                                                      "display_order": order})
    for order, (code, name, department) in enumerate(reference_data.DOMAINS, start=1):
        Domain.objects.update_or_create(
            code=code,
            defaults={"name": name, "display_order": order,
                      "lead_department": Department.objects.get(code=department)},
        )
    for order, name in enumerate(reference_data.BASINS, start=1):
        Basin.objects.update_or_create(name=name, defaults={"display_order": order})


def _project_specs(rng: random.Random) -> list[dict[str, Any]]:
    """95 (unit, domain, name, investment, scale) specs with the published counts."""
    units = {u.code: u for u in AdministrativeUnit.objects.all()}
    slots_by_unit = {code: count for code, count in PROJECTS_PER_UNIT.items()}
    domain_left = dict(PROJECTS_PER_DOMAIN)
    specs: list[dict[str, Any]] = []
    for unit_code, domain_code, name, investment, scale in REAL_PROJECTS:
        specs.append({"unit": unit_code, "domain": domain_code, "name": name, "investment": investment,
                      "scale": scale})
        slots_by_unit[unit_code] -= 1
        domain_left[domain_code] -= 1
    domain_pool = [code for code, count in domain_left.items() for _ in range(count)]
    rng.shuffle(domain_pool)
    used_names = {spec["name"] for spec in specs}
    for unit_code, count in slots_by_unit.items():
        unit = units[unit_code]
        river = UNIT_BASIN.get(unit_code, "汾河")
        for _ in range(count):
            domain_code = domain_pool.pop()
            patterns = NAME_PATTERNS[domain_code]
            for attempt in range(20):
                name = rng.choice(patterns).format(c=unit.name, r=river.removesuffix("干流"))
                if attempt >= len(patterns):
                    name = name.replace("工程", f"（{'一二三四五'[attempt % 5]}期）工程")
                if name not in used_names:
                    break
            used_names.add(name)
            specs.append({"unit": unit_code, "domain": domain_code, "name": name, "investment": None,
                          "scale": f"{name.removeprefix(unit.name)}，详见可研批复"})
    # Investments: the real ones are fixed; the rest share the remainder of the published total.
    fixed = sum(spec["investment"] for spec in specs if spec["investment"] is not None)
    free = [spec for spec in specs if spec["investment"] is None]
    weights = [Decimal(str(round(rng.lognormvariate(0, 0.8), 4))) for _ in free]
    remainder = TOTAL_INVESTMENT_WAN - fixed
    total_weight = sum(weights)
    for spec, weight in zip(free, weights, strict=True):
        spec["investment"] = _quantize(remainder * weight / total_weight)
    drift = TOTAL_INVESTMENT_WAN - sum(spec["investment"] for spec in specs)
    max(free, key=lambda spec: spec["investment"])["investment"] += drift
    # Ledger order: by unit in the city's order, then the real projects first.
    order = {code: i for i, (code, *_rest) in enumerate(reference_data.UNITS)}
    specs.sort(key=lambda spec: (order[spec["unit"]], spec["investment"] is None, spec["name"]))
    return specs


def _histories(specs: list[dict], rng: random.Random, until: dt.date) -> list[PlannedHistory]:
    """Decide each project's dates so the published end-2024 figures hold exactly."""
    count = len(specs)
    slow_unit = "guxian"
    indices = list(range(count))
    rng.shuffle(indices)
    # The slow county keeps two projects open into 2025, so R5 (no progress for a month) has a subject.
    slow = [i for i in indices if specs[i]["unit"] == slow_unit][:2]
    indices = [i for i in indices if i not in slow] + slow
    completed_2024 = set(indices[:COMPLETED_BY_END_2024])
    rest = indices[COMPLETED_BY_END_2024:]
    # Of the 33 finishing in 2025: the slow county's projects stay open; a few stall or stop.
    open_2025 = [i for i in rest if specs[i]["unit"] == slow_unit]
    others = [i for i in rest if specs[i]["unit"] != slow_unit]
    open_2025 += others[:11]
    suspended_now = set(others[11:14]) if len(others) > 14 else set()
    winter_break = set(others[14:16])
    histories: list[PlannedHistory] = []
    for i in range(count):
        start = _add_days(dt.date(2023, 7, 1), rng.randint(0, 420))
        start = min(start, dt.date(2024, 11, 15))
        if i in completed_2024:
            start = min(start, dt.date(2024, 3, 31))
            completion = max(_add_days(start, rng.randint(120, 420)), _add_days(start, 120))
            completion = min(completion, dt.date(2024, 12, rng.randint(1, 28)))
            acceptance = _add_days(completion, rng.randint(30, 240))
            history = PlannedHistory(start, completion, acceptance if acceptance <= until else None)
        elif i in open_2025 or i in suspended_now:
            history = PlannedHistory(start, None, None, final_progress=Decimal(rng.randint(45, 88)))
            if specs[i]["unit"] == slow_unit:
                history.stalls_from = until - dt.timedelta(days=rng.randint(50, 75))
            elif i in suspended_now:
                history.suspended = until - dt.timedelta(days=rng.randint(20, 60))
                history.stalls_from = history.suspended
            elif rng.random() < 0.4:
                history.stalls_from = until - dt.timedelta(days=rng.randint(35, 60))
        else:
            completion = dt.date(2025, rng.randint(3, 8), rng.randint(1, 28))
            completion = min(completion, until - dt.timedelta(days=7))
            acceptance = _add_days(completion, rng.randint(20, 90))
            history = PlannedHistory(start, completion, acceptance if acceptance <= until else None)
            if i in winter_break:
                history.suspended = dt.date(2024, 12, 10)
                history.resumed = dt.date(2025, 3, 5)
        histories.append(history)
    return histories


def _planned_dates(history: PlannedHistory, rng: random.Random) -> tuple[dt.date, dt.date]:
    planned_start = _add_days(history.actual_start, -rng.randint(0, 45))
    if history.completion is not None:
        planned_completion = _add_days(history.completion, rng.randint(-30, 60))
    else:
        # Open projects were due by October 2025 (DOMAIN: 完工达效 by end of October 2025);
        # some are already past it.
        planned_completion = dt.date(2025, rng.choice([6, 7, 8, 9, 10, 10, 10]),
                                     30 if rng.random() < 0.5 else 15)
    planned_completion = max(planned_completion, _add_days(planned_start, 90))
    return planned_start, planned_completion


def _progress_on(day: dt.date, history: PlannedHistory, until: dt.date) -> Decimal:
    """Monotonic progress curve between the start and the completion (or the demo date)."""
    end = history.completion or until
    if day <= history.actual_start:
        return Decimal("0")
    if history.completion and day >= history.completion:
        return Decimal("100")
    frozen_day = day
    if history.stalls_from and day > history.stalls_from:
        frozen_day = history.stalls_from
    if history.suspended and day > history.suspended and (history.resumed is None or day < history.resumed):
        frozen_day = history.suspended
    span = max((end - history.actual_start).days, 1)
    share = Decimal((frozen_day - history.actual_start).days) / Decimal(span)
    target = history.final_progress if history.completion is None else Decimal("100")
    # Progress follows an S-curve: slow start, fast middle, slow finish.
    share = min(share, Decimal(1))
    curve = share * share * (3 - 2 * share)
    value = (target * curve).quantize(Decimal("0.1"))
    if history.completion is not None:
        value = min(value, Decimal("99.5"))
    return value


@transaction.atomic
def demo_ledger_load(*, until: dt.date | None = None) -> dict:
    """Build the demo ledger once; a second call returns at once and changes nothing."""
    until = until or demo_date()
    _load_reference()
    users = demo_users_create()
    from demo.notices import office_contact_demo_set  # the office's contact on its letters

    office_contact_demo_set()
    if Project.objects.filter(code="LF-2023-001").exists():
        return {"created": False, "projects": Project.objects.count(), "users": users}
    rng = random.Random(SEED)
    clerk = get_user_model().objects.get(username="clerk")
    specs = _project_specs(rng)
    histories = _histories(specs, rng, until)
    units = {u.code: u for u in AdministrativeUnit.objects.all()}
    domains = {d.code: d for d in Domain.objects.select_related("lead_department")}
    basins = {b.name: b for b in Basin.objects.all()}

    projects: list[Project] = []
    for number, (spec, history) in enumerate(zip(specs, histories, strict=True), start=1):
        unit = units[spec["unit"]]
        domain = domains[spec["domain"]]
        planned_start, planned_completion = _planned_dates(history, rng)
        lon, lat = _location_in(unit, rng)
        owner = OWNER_PATTERNS[spec["domain"]].format(c=unit.name)
        project = Project(
            code=f"LF-2023-{number:03d}",
            map_number=number,
            name=spec["name"],
            unit=unit,
            lead_department=domain.lead_department,
            domain=domain,
            basin=basins[UNIT_BASIN.get(spec["unit"], "汾河")],
            owner_name=owner,
            owner_contact=_name(rng),
            owner_phone=f"139{rng.randint(10000000, 99999999)}",
            content_scale=spec["scale"],
            total_investment=spec["investment"],
            annual_planned_investment=_quantize(spec["investment"] * Decimal("0.4")),
            planned_start=planned_start,
            planned_completion=planned_completion,
            planned_effective=_add_days(planned_completion, 90),
            longitude=lon,
            latitude=lat,
            is_provincial=True,
            listed_on=LISTED_ON,
            target_year=planned_completion.year,
        )
        projects.append(project)
    Project.objects.bulk_create(projects)
    projects = list(Project.objects.order_by("map_number"))

    _procedures_create(projects, histories, rng)
    _reports_and_plans_create(projects, histories, rng, until, clerk)
    _transitions_apply(projects, histories, clerk, until)
    problems_create(projects, histories, rng, until, clerk)
    _sections_create(projects, rng, until)
    # Bulk writes send no signals: announce the change to the dashboard's cache ourselves.
    portfolio_bulk_changed_send(sender=__name__)
    return {"created": True, "projects": len(projects), "users": users}


def _procedures_create(projects: list[Project], histories: list[PlannedHistory], rng: random.Random) -> None:
    rows = []
    bodies = {
        ProcedureKind.PROJECT_APPROVAL: "临汾市发展和改革委员会",
        ProcedureKind.PRELIMINARY_DESIGN: "临汾市行政审批服务管理局",
        ProcedureKind.LAND_USE: "临汾市规划和自然资源局",
        ProcedureKind.PLANNING_PERMIT: "临汾市规划和自然资源局",
        ProcedureKind.ENVIRONMENTAL_IMPACT: "临汾市生态环境局",
        ProcedureKind.TENDERING: "临汾市公共资源交易中心",
        ProcedureKind.CONSTRUCTION_PERMIT: "临汾市行政审批服务管理局",
    }
    for project, history in zip(projects, histories, strict=True):
        day = _add_days(history.actual_start, -rng.randint(150, 240))
        for kind in ProcedureKind:
            not_required = (kind in (ProcedureKind.LAND_USE, ProcedureKind.PLANNING_PERMIT)
                            and rng.random() < 0.3)
            started = day
            day = _add_days(day, rng.randint(10, 30))
            completed = min(day, _add_days(history.actual_start, -1))
            rows.append(
                Procedure(
                    project=project,
                    kind=kind,
                    status=ProcedureStatus.NOT_REQUIRED if not_required else ProcedureStatus.DONE,
                    started_on=None if not_required else started,
                    completed_on=None if not_required else completed,
                    approving_body=bodies[kind],
                )
            )
    Procedure.objects.bulk_create(rows)


def _reports_and_plans_create(projects, histories, rng, until, clerk) -> None:
    reports: list[WeeklyReport] = []
    audits: list[AuditEvent] = []
    plans: list[MonthlyPlan] = []
    last_week = monday_of(until)
    now = timezone.now()
    # A few active projects did not report in the last week: the weekly job's 催报 targets.
    active = [i for i, h in enumerate(histories) if h.completion is None]
    missing_last_week = set(active[::4])
    for index, (project, history) in enumerate(zip(projects, histories, strict=True)):
        week = monday_of(history.actual_start) + dt.timedelta(days=7)
        end = min(history.completion or until, until)
        end_week = monday_of(end)
        funds_lead = Decimal(str(round(rng.uniform(1.0, 1.12), 3)))
        while week <= end_week:
            if week == last_week and index in missing_last_week:
                break
            progress = _progress_on(week + dt.timedelta(days=4), history, until)
            if history.completion and week == end_week:
                progress = Decimal("100")
            completed = _quantize(project.total_investment * progress / 100 * Decimal("0.96"))
            funds = min(_quantize(completed * funds_lead), project.total_investment)
            reported_at = timezone.make_aware(
                dt.datetime.combine(week + dt.timedelta(days=4), dt.time(16, 30))
            )
            reports.append(
                WeeklyReport(
                    project=project, week_start=week, progress_percent=progress,
                    completed_investment=completed, funds_in_place=funds, reporter_name=project.owner_contact,
                    reporter_phone=project.owner_phone, reported_at=reported_at,
                    problem_note="" if not history.stalls_from or week < history.stalls_from else "进度停滞，待协调",
                )
            )
            audits.append(
                AuditEvent(
                    action=AuditAction.WEEKLY_REPORT, occurred_at=min(reported_at, now), effective_on=week,
                    actor=None, actor_name=project.owner_contact, project=project, unit_id=project.unit_id,
                    object_type="weekly_report",
                    data={"week_start": week.isoformat(), "progress_percent": str(progress), "demo": True},
                )
            )
            week += dt.timedelta(days=7)
        if reports and reports[-1].project is project:
            last = reports[-1]
            project.progress_percent = last.progress_percent
            project.completed_investment = last.completed_investment
            project.funds_in_place = last.funds_in_place
        month = _month_start(project.planned_start)
        span = max((project.planned_completion - project.planned_start).days, 1)
        while month <= _month_start(project.planned_completion):
            month_end = _next_month(month) - dt.timedelta(days=1)
            share = min(max((month_end - project.planned_start).days / span, 0), 1)
            planned = Decimal(str(round(share * 100, 1)))
            plans.append(
                MonthlyPlan(
                    project=project, month=month, planned_progress_percent=planned,
                    planned_investment=_quantize(project.total_investment * planned / 100),
                    milestone=("完工" if planned >= 100
                               else "开工" if month == _month_start(project.planned_start) else ""),
                )
            )
            month = _next_month(month)
    WeeklyReport.objects.bulk_create(reports, batch_size=2000)
    AuditEvent.objects.bulk_create(audits, batch_size=2000)
    MonthlyPlan.objects.bulk_create(plans, batch_size=2000)
    Project.objects.bulk_update(projects, ["progress_percent", "completed_investment", "funds_in_place"])


def _evidence(project: Project) -> ContentFile:
    text = f"{project.name}竣工验收及达效评估报告（演示材料）\n".encode()
    return ContentFile(b"%PDF-1.4\n% demo evidence\n" + text, name=f"{project.code}-acceptance.pdf")


def _start_order(project: Project) -> ContentFile:
    """The 开工令 every 开工 rests on (evidence is required)."""
    text = f"{project.name}开工令（演示材料）\n".encode()
    return ContentFile(b"%PDF-1.4\n% demo start order\n" + text, name=f"{project.code}-start-order.pdf")


def _transitions_apply(projects, histories, clerk, until) -> None:
    """Replay each project's life cycle through the real service (guards and audit included)."""
    leader = get_user_model().objects.get(username="leader")
    for project, history in zip(projects, histories, strict=True):
        services.project_transition(
            project_id=project.pk, transition="start", acting_user=clerk, effective_on=history.actual_start,
            reason="施工许可已办结，项目开工", evidence=_start_order(project),
        )
        if history.suspended:
            services.project_transition(
                project_id=project.pk, transition="suspend", acting_user=clerk,
                effective_on=history.suspended, reason="冬季停工" if history.resumed else "征地补偿未落实，施工暂停",
            )
        if history.resumed:
            services.project_transition(
                project_id=project.pk, transition="resume", acting_user=clerk, effective_on=history.resumed,
                reason="气温回升，恢复施工",
            )
        if history.completion:
            services.project_transition(
                project_id=project.pk, transition="complete", acting_user=clerk,
                effective_on=history.completion, reason="主体工程完工",
            )
        if history.acceptance:
            services.project_transition(
                project_id=project.pk, transition="make_effective", acting_user=leader,
                effective_on=history.acceptance, reason="通过竣工验收，运行达效",
                effect_note="出水水质稳定达到设计标准，运行正常", evidence=_evidence(project),
            )
