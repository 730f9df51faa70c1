"""The master ledger (工程总台账) import: new projects and field changes; never a stage."""
from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from core.actors import is_system
from ledgers.importing.rows import (
    MASTER_FIELDS,
    MASTER_FIGURES,
    WRITE_BATCH,
    FieldChange,
    ImportPreview,
    ProgressCallback,
    RowChange,
    Sheet,
    StageDifference,
    _RowReader,
    _show,
    _state_from_label,
    transitions_between,
)
from ledgers.importing.staleness import stale_rows_mark
from ledgers.parsing import (
    CellError,
    NameIndex,
    parse_amount,
    parse_date,
    parse_percent,
    parse_text,
)
from tracker import permissions
from tracker.audit.records import audit_event_build
from tracker.choices import AuditAction, ProjectState, Role
from tracker.guards import date_order_problems
from tracker.models import AdministrativeUnit, AuditEvent, Department, Domain, Project

DATE_FIELDS = ("planned_start", "planned_completion", "planned_effective", "actual_start",
               "actual_completion", "accepted_on")


def _master_row_changes(preview: ImportPreview, sheet: Sheet, acting_user, *, lock: bool) -> None:
    units = NameIndex(AdministrativeUnit.objects.all(), label="县(市、区)")
    departments = NameIndex(Department.objects.all(), label="牵头部门")
    domains = NameIndex(Domain.objects.all(), label="领域")
    codes = [parse_text(row.value("项目编号")) if _safe_text(row.value("项目编号")) else "" for row in sheet.rows]
    existing_qs = Project.objects.filter(code__in=[c for c in codes if c]).select_related(
        "unit", "lead_department", "domain"
    )
    if lock:
        existing_qs = existing_qs.select_for_update()
    existing = {p.code: p for p in existing_qs}
    staff = is_system(acting_user) or permissions.is_office_staff(acting_user)
    clerk_scope = None
    if not is_system(acting_user) and permissions.role_of(acting_user) == Role.CLERK:
        profile = acting_user.staff_profile
        clerk_scope = (set(profile.assigned_domains.values_list("id", flat=True)),
                       set(profile.assigned_units.values_list("id", flat=True)))
    used_numbers = set(Project.objects.values_list("map_number", flat=True))
    next_number = (Project.objects.aggregate(top=Max("map_number"))["top"] or 0) + 1
    seen_codes: dict[str, int] = {}
    creates: list[RowChange] = []

    for row in sheet.rows:
        preview.rows_read += 1
        read = _RowReader(row, preview.errors)
        code = read.get("项目编号", parse_text, required=True)
        if code and code in seen_codes:
            read._fail("项目编号", f"项目编号“{code}”与第{seen_codes[code]}行重复")
        elif code:
            seen_codes[code] = row.number
        values = {
            "name": read.get("项目名称", parse_text, required=True),
            "owner_name": read.get("项目单位", parse_text, required=True),
            "content_scale": read.get("建设内容及规模", parse_text) or "",
            "total_investment": read.get("总投资(万元)", parse_amount, required=True),
            "planned_start": read.get("计划开工日期", parse_date, required=True),
            "planned_completion": read.get("计划完工日期", parse_date, required=True),
            "remarks": read.get("备注", parse_text) or "",
        }
        for column, index, key in (("县(市、区)", units, "unit"), ("牵头部门", departments, "lead_department"),
                                   ("领域", domains, "domain")):
            try:
                values[key] = index.get(row.value(column))
            except CellError as error:
                read._fail(column, error.message)
        if (values["planned_start"] and values["planned_completion"]
                and values["planned_completion"] < values["planned_start"]):
            read._fail("计划完工日期", "计划完工日期早于计划开工日期")
        figures = {name: read.get(column, parse_percent if name == "progress_percent" else parse_amount)
                   for column, name in MASTER_FIGURES.items()}
        stage_text = read.get("当前阶段", parse_text)
        sheet_state = None
        if stage_text:
            sheet_state = _state_from_label(stage_text)
            if sheet_state is None:
                read._fail("当前阶段", f"未知的阶段“{stage_text}”，应为：{'、'.join(ProjectState.labels)}")
        number_text = row.value("序号")
        if read.failed or not code:
            continue

        project = existing.get(code)
        if project is None:
            if not staff:
                read._fail("项目编号", "只有专班办人员可以新增项目")
                continue
            number = None
            if isinstance(number_text, (int, float)) and float(number_text).is_integer():
                number = int(number_text)
            elif isinstance(number_text, str) and number_text.strip().isdigit():
                number = int(number_text.strip())
            if number is None or number in used_numbers:
                number = next_number
                while number in used_numbers:
                    number += 1
            used_numbers.add(number)
            next_number = max(next_number, number + 1)
            new = Project(code=code, map_number=number, target_year=values["planned_completion"].year,
                          **values)
            try:
                # Field checks only (lengths, digits, blanks): the related rows were just looked up
                # and the money/progress constraints already checked by the parsers, and the
                # per-row queries of a full_clean() would cost ~25 s on a 10,000-row ledger.
                new.clean_fields(exclude=["state", "effect_evidence", "unit", "lead_department", "domain",
                                          "basin"])
            except ValidationError as invalid:
                for field_name, messages in invalid.message_dict.items():
                    column = next((c for c, f in MASTER_FIELDS.items() if f == field_name), "")
                    for message in messages:
                        read._fail(column, message)
                continue
            row_change = RowChange(row.number, code, values["name"], "create", values=values, project=new)
            row_change.changes = [FieldChange(column, "", _show(values[name]))
                                  for column, name in MASTER_FIELDS.items() if column in sheet.columns]
            creates.append(row_change)
            preview.row_changes.append(row_change)
            if sheet_state and sheet_state != ProjectState.PREPARATION:
                preview.stage_differences.append(StageDifference(
                    row.number, code, values["name"], ProjectState.PREPARATION, sheet_state,
                    transitions_between(ProjectState.PREPARATION, sheet_state)))
            if any(figures.values()):
                preview.notes.append(f"第{row.number}行 {code}：新项目的形象进度、投资和资金到位请通过周调度填报")
            continue

        changes = []
        for column, name in MASTER_FIELDS.items():
            if column not in sheet.columns:
                values.pop(name, None)
                continue
            read.check_length(column, values[name], Project, name)
            old = getattr(project, name)
            if old != values[name]:
                changes.append(FieldChange(column, _show(old), _show(values[name])))
        # The sheet's planned dates against the project's other dates (计划完工 ≤ 计划达效 …).
        dated = SimpleNamespace(**{field: values.get(field, getattr(project, field))
                                   for field in DATE_FIELDS})
        for message in date_order_problems(dated):
            read._fail("计划完工日期", message)
        if read.failed:
            continue
        # Same rule as permissions.can_edit_project, with the clerk's scope read once for the
        # whole sheet; an unchanged row of someone else's project is no edit and passes.
        if changes and not is_system(acting_user):
            allowed = staff and (
                clerk_scope is None
                or ((not clerk_scope[0] or project.domain_id in clerk_scope[0])
                    and (not clerk_scope[1] or project.unit_id in clerk_scope[1]))
            )
            if not allowed:
                read._fail("项目编号", f"您没有修改项目“{code}”的权限（分管范围以外）")
                continue
        row_change = RowChange(row.number, code, values["name"], "update" if changes else "unchanged",
                       changes=changes, values=values, project=project)
        preview.row_changes.append(row_change)
        if sheet_state and sheet_state != project.state:
            preview.stage_differences.append(StageDifference(
                row.number, code, project.name, project.state, sheet_state,
                transitions_between(project.state, sheet_state)))
        differing = [column for column, name in MASTER_FIGURES.items()
                     if figures[name] is not None and figures[name] != getattr(project, name)]
        if differing:
            preview.notes.append(
                f"第{row.number}行 {code}：{'、'.join(differing)}与周调度数据不一致，总台账导入不修改这些数据，请以周调度填报为准"
            )


def _master_preview(preview: ImportPreview, sheet: Sheet, acting_user, *, lock: bool) -> None:
    """The rows' changes, then the rows that would undo an edit made after the file's export."""
    _master_row_changes(preview, sheet, acting_user, lock=lock)
    stale_rows_mark(preview, sheet)


def _safe_text(value) -> bool:
    try:
        parse_text(value)
    except CellError:
        return False
    return True


def _master_write(preview: ImportPreview, acting_user, progress: ProgressCallback | None) -> list[AuditEvent]:
    now = timezone.now()
    creates = [row_change for row_change in preview.row_changes if row_change.action == "create"]
    updates = [row_change for row_change in preview.row_changes if row_change.action == "update"]
    total = len(creates) + len(updates)
    for start in range(0, len(creates), WRITE_BATCH):
        Project.objects.bulk_create([row_change.project for row_change in creates[start:start + WRITE_BATCH]])
        if progress:
            progress(min(start + WRITE_BATCH, len(creates)), total)
    created = {p.code: p
               for p in Project.objects.filter(code__in=[row_change.code for row_change in creates])}
    events = []
    for row_change in creates:
        project = created[row_change.code]
        row_change.project = project
        events.append(audit_event_build(
            acting_user=acting_user, action=AuditAction.PROJECT_CREATE, occurred_at=now, 
            project=project, unit_id=project.unit_id, object_type="project", object_id=str(project.pk),
            data={"code": project.code, "name": project.name, "source": "ledger_import"},
        ))
    changed_fields: set[str] = {"version", "updated_at"}
    for row_change in updates:
        project = row_change.project
        assert project is not None  # an update names the project it changes
        for name, value in row_change.values.items():
            if getattr(project, name) != value:
                changed_fields.add(name)
                setattr(project, name, value)
        project.version += 1
        project.updated_at = now
        events.append(audit_event_build(
            acting_user=acting_user, action=AuditAction.PROJECT_EDIT, occurred_at=now, 
            project=project, unit_id=project.unit_id, object_type="project", object_id=str(project.pk),
            data={"changes": {c.column: [c.old, c.new] for c in row_change.changes},
                  "source": "ledger_import"},
        ))
    for start in range(0, len(updates), WRITE_BATCH):
        Project.objects.bulk_update([row_change.project for row_change in updates[start:start + WRITE_BATCH]],
                                    sorted(changed_fields))
        if progress:
            progress(len(creates) + min(start + WRITE_BATCH, len(updates)), total)
    return events
