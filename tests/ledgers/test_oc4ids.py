"""The OC4IDS export validates against the published 0.9.5 package schema (resolved offline)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from django.core.management import call_command
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from ledgers.oc4ids import STATUS, oc4ids_package
from tracker.choices import ProjectState
from tracker.models import Project

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "oc4ids"
PROJECT_SCHEMA_URL = "https://standard.open-contracting.org/infrastructure/schema/0__9__5/project-schema.json"


def _validator() -> Draft4Validator:
    package_schema = json.loads((SCHEMA_DIR / "project-package-schema.json").read_text(encoding="utf-8"))
    project_schema = json.loads((SCHEMA_DIR / "project-schema.json").read_text(encoding="utf-8"))
    # The package schema's $ref points at the published URL: resolve it to the local copy.
    registry = Registry().with_resource(PROJECT_SCHEMA_URL,
                                        Resource.from_contents(project_schema, default_specification=DRAFT4))
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


def _errors(package: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(package)]


def test_demo_portfolio_package_is_valid_oc4ids(demo_ledger):
    # given the 95-project demo portfolio
    # when exported
    package = oc4ids_package()
    # then it validates against the package schema and the project schema it references
    assert _errors(package) == []
    assert len(package["projects"]) == 95


def test_validator_catches_a_broken_package(demo_ledger):
    # given a package whose first project has a status OC4IDS does not know
    package = oc4ids_package()
    package["projects"][0]["status"] = "前期"
    # then the schema check fails (the test above can fail)
    assert any("status" in error for error in _errors(package))


def test_every_life_cycle_state_maps_to_a_code_of_the_status_codelist():
    codes = {row["Code"] for row in csv.DictReader((SCHEMA_DIR / "projectStatus.csv").open(encoding="utf-8"))}
    assert set(STATUS) == set(ProjectState)
    assert set(STATUS.values()) <= codes


def test_project_carries_location_procedures_progress_and_problems(demo_ledger):
    # given a project with problems and procedures
    project = Project.objects.filter(problems__isnull=False).distinct().first()
    # when
    item = next(p for p in oc4ids_package()["projects"] if p["identifiers"][0]["id"] == project.code)
    # then
    assert item["status"] == STATUS[ProjectState(project.state)]
    assert item["locations"][0]["geometry"]["coordinates"] == [float(project.longitude),
                                                                float(project.latitude)]
    assert item["budget"]["amount"] == {"amount": int(project.total_investment * 10000), "currency": "CNY"}
    assert {m["type"] for m in item["milestones"]} >= {"approval", "delivery"}
    assert {m["id"] for m in item["metrics"]} == {"physicalProgress", "financialProgress"}
    assert len([d for d in item["documents"] if d["id"].startswith("problem-")]) == project.problems.count()
    assert item["publicAuthority"]["name"] == project.owner_name


def test_export_oc4ids_command_writes_a_valid_file(demo_ledger, tmp_path):
    path = tmp_path / "oc4ids.json"
    call_command("export_oc4ids", "-o", str(path), skip_checks=True)
    assert _errors(json.loads(path.read_text(encoding="utf-8"))) == []

