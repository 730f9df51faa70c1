"""The portfolio as an OC4IDS 0.9.5 project package (Open Contracting for Infrastructure Data Standard).

Mapping decisions (codelists in tracker/data/oc4ids/, Apache-2.0):
- status: 前期 → preparation; 开工 and 停工 → implementation (a winter or problem stop is still
  the implementation phase); 完工 → completion; 达效 → maintenance. 达效 means "in operation and
  achieving its intended effect" (DOMAIN: The life cycle), which is OC4IDS's maintenance phase
  ("the day-to-day running of the assets … also called operation"), a better fit than
  completion, which OC4IDS reserves for handover and close-out.
- budget and money: the ledgers' 万元 converted to yuan (× 10,000), currency CNY.
- locations: the project's point as GeoJSON [longitude, latitude] (WGS84), plus the county as
  a description; a project without coordinates gets the county only.
- parties: the project owner (项目单位) is the public authority that tenders and contracts;
  the city lead department and the task-force office are administrative entities.
- sector: by domain (DOMAIN_SECTORS); type: rehabilitation for ecological and river work,
  construction for plants and networks (DOMAIN_TYPES).
- milestones: each procedure (手续) is an `approval` milestone, `met` on its 办结 date,
  `scheduled` while open; 无需办理 is left out. The planned start and completion are
  `delivery` milestones.
- metrics: physicalProgress (形象进度, percent) and financialProgress (累计完成投资 and 资金到位
  in CNY), each observation for the week of the latest weekly report.
- problems: OC4IDS 0.9.5 has no field for issues or risks at project level; each problem is
  published as a document of type `physicalProgressReport` whose description says what it is,
  its escalation level, since when, and whether it is resolved.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from tracker.choices import ProcedureStatus, ProjectState
from tracker.models import Problem, Procedure, Project

OC4IDS_VERSION = "0.9"  # the package's "major.minor" (schema 0.9.5)
PROJECT_ID_PREFIX = "oc4ids-lf"  # a stable local prefix: "oc4ids-lf-<project code>"
PUBLISHER = "临汾市“一泓清水入黄河”生态保护工程专班办公室"
OFFICE_PARTY_ID = "linfen-yihong-office"
WAN = Decimal(10000)

STATUS = {
    ProjectState.PREPARATION: "preparation",
    ProjectState.UNDER_CONSTRUCTION: "implementation",
    ProjectState.SUSPENDED: "implementation",
    ProjectState.COMPLETED: "completion",
    ProjectState.EFFECTIVE: "maintenance",
}
DOMAIN_SECTORS = {
    "ecology": ["naturalResources"],
    "water": ["waterAndWaste", "naturalResources.floodProtection"],
    "urban": ["waterAndWaste"],
    "housing": ["waterAndWaste", "socialHousing"],
    "natural_resources": ["naturalResources"],
    "commerce": ["economy"],
}
DOMAIN_TYPES = {"ecology": "rehabilitation", "water": "rehabilitation", "natural_resources": "rehabilitation"}


def _yuan(wan: Decimal) -> dict:
    amount = (wan * WAN).quantize(Decimal("1"))
    return {"amount": int(amount), "currency": "CNY"}


def _datetime(day: dt.date | None) -> str | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=timezone.get_current_timezone()).isoformat()


def _drop_empty(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _project(project: Project, updated: dt.datetime) -> dict:
    owner_id = f"owner-{project.code}"
    department_id = f"department-{project.lead_department.code}"
    parties = [
        _drop_empty({
            "id": owner_id, "name": project.owner_name, "roles": ["publicAuthority"],
            "contactPoint": _drop_empty({"name": project.owner_contact, "telephone": project.owner_phone}),
        }),
        {"id": department_id, "name": project.lead_department.name, "roles": ["administrativeEntity"]},
        {"id": OFFICE_PARTY_ID, "name": PUBLISHER, "roles": ["administrativeEntity"]},
    ]
    location: dict = {"id": "1", "description": f"山西省临汾市{project.unit.name}"}
    if project.longitude is not None and project.latitude is not None:
        location["geometry"] = {"type": "Point",
                                "coordinates": [float(project.longitude), float(project.latitude)]}

    milestones = [
        _drop_empty({"id": "planned-start", "title": "计划开工", "type": "delivery",
                     "dueDate": _datetime(project.planned_start), "dateMet": _datetime(project.actual_start),
                     "status": "met" if project.actual_start else "scheduled"}),
        _drop_empty({"id": "planned-completion", "title": "计划完工", "type": "delivery",
                     "dueDate": _datetime(project.planned_completion),
                     "dateMet": _datetime(project.actual_completion),
                     "status": "met" if project.actual_completion else "scheduled"}),
    ]
    for procedure in project.procedures.all():
        if procedure.status == ProcedureStatus.NOT_REQUIRED:
            continue
        done = procedure.status == ProcedureStatus.DONE
        milestones.append(_drop_empty({
            "id": f"procedure-{procedure.kind}",
            "title": procedure.get_kind_display(),
            "type": "approval",
            "code": procedure.kind,
            "description": "；".join(
                x for x in (procedure.get_status_display(), procedure.approving_body, procedure.note) if x
            ),
            "dateMet": _datetime(procedure.completed_on) if done else None,
            "dateModified": _datetime(procedure.updated_at.date()) if procedure.updated_at else None,
            "status": "met" if done else "scheduled",
        }))

    reports = list(project.weekly_reports.all())
    latest = reports[0] if reports else None
    if latest is not None:
        period = {"startDate": _datetime(latest.week_start),
                  "endDate": _datetime(latest.week_start + dt.timedelta(days=6))}
        progress, completed, funds = (latest.progress_percent, latest.completed_investment,
                                      latest.funds_in_place)
    else:
        period = None
        progress, completed, funds = (project.progress_percent, project.completed_investment,
                                      project.funds_in_place)
    metrics = [
        {"id": "physicalProgress", "title": "形象进度", "observations": [_drop_empty({
            "id": "physicalProgress-latest", "period": period, "measure": float(progress),
            "unit": {"name": "percent"}})]},
        {"id": "financialProgress", "title": "投资完成与资金到位", "observations": [
            _drop_empty({"id": "completedInvestment-latest", "period": period, "value": _yuan(completed),
                         "notes": "累计完成投资"}),
            _drop_empty({"id": "fundsInPlace-latest", "period": period, "value": _yuan(funds),
                         "notes": "资金到位"}),
        ]},
    ]
    documents = []
    for problem in project.problems.all():
        resolved_on = problem.resolved_on
        resolution = "已于" + resolved_on.isoformat() + "解决" if resolved_on else "未解决"
        text = (f"{problem.description}（类别：{problem.get_category_display()}；"
                f"协调层级：{problem.get_level_display()}，自{problem.level_since:%Y-%m-%d}起；{resolution}）")
        documents.append(_drop_empty({
            "id": f"problem-{problem.pk}", "documentType": "physicalProgressReport", "title": "存在问题",
            "description": text, "datePublished": _datetime(problem.raised_on),
            "dateModified": _datetime(problem.resolved_on or problem.level_since), "language": "zh",
        }))

    return _drop_empty({
        "id": f"{PROJECT_ID_PREFIX}-{project.code}",
        "updated": updated.isoformat(),
        "language": "zh",
        "identifiers": [{"id": project.code, "scheme": "临汾市一泓清水入黄河工程台账项目编号"}],
        "title": project.name,
        "description": project.content_scale,
        "status": STATUS[ProjectState(project.state)],
        "type": DOMAIN_TYPES.get(project.domain.code, "construction"),
        "sector": DOMAIN_SECTORS.get(project.domain.code, ["naturalResources"]),
        "publicAuthority": {"id": owner_id, "name": project.owner_name},
        "parties": parties,
        "budget": {"description": "总投资", "amount": _yuan(project.total_investment)},
        "period": {"startDate": _datetime(project.planned_start),
                   "endDate": _datetime(project.planned_completion)},
        "locations": [location],
        "milestones": milestones,
        "metrics": metrics,
        "documents": documents,
    })


def oc4ids_package(*, projects=None, uri: str = "", published: dt.datetime | None = None) -> dict:
    """The OC4IDS project package of the given projects (all of them by default)."""
    published = published or timezone.now()
    projects = (projects if projects is not None else Project.objects.all()).select_related(
        "unit", "domain", "lead_department"
    ).prefetch_related(
        Prefetch("procedures", queryset=Procedure.objects.order_by("kind")),
        Prefetch("problems", queryset=Problem.objects.order_by("raised_on", "id")),
        "weekly_reports",
    ).order_by("map_number")
    items = []
    for project in projects:
        # weekly_reports are ordered newest first by the model's Meta.
        items.append(_project(project, project.updated_at or published))
    return {
        "uri": uri or f"urn:yihong:oc4ids:{published:%Y%m%d}",
        "publishedDate": published.isoformat(),
        "publisher": {"name": PUBLISHER},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "version": OC4IDS_VERSION,
        "projects": items,
    }
