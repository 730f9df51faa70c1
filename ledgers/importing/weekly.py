"""The weekly sheet (周调度表) import: one week's figures for every project in it."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone

from core.actors import actor_user, is_system
from core.workdays import monday_of
from ledgers.importing.master import _safe_text
from ledgers.importing.rows import (
    FieldChange,
    ImportPreview,
    ProgressCallback,
    RowChange,
    Sheet,
    _RowReader,
    _show,
)
from ledgers.parsing import (
    parse_amount,
    parse_percent,
    parse_text,
)
from tracker import permissions
from tracker.audit.records import audit_event_build
from tracker.choices import AuditAction, Role
from tracker.models import AuditEvent, Project, WeeklyReport
from tracker.services import actor_display_name
from tracker.services.progress import weekly_report_problems, weekly_report_reporter_role

_WEEK_IN_TITLE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*至")


def _week_from_title(lines: list[str]) -> dt.date | None:
    for line in lines:
        match = _WEEK_IN_TITLE.search(line)
        if match:
            try:
                return monday_of(dt.date(*map(int, match.groups())))
            except ValueError:
                return None
    return None


def _weekly_row_changes(preview: ImportPreview, sheet: Sheet, acting_user, *, week: dt.date,
                        lock: bool) -> None:
    codes = [parse_text(row.value("项目编号")) if _safe_text(row.value("项目编号")) else "" for row in sheet.rows]
    projects_qs = Project.objects.filter(code__in=[c for c in codes if c]).select_related("unit")
    if lock:
        projects_qs = projects_qs.select_for_update()
    projects = {p.code: p for p in projects_qs}
    ids = [p.pk for p in projects.values()]
    this_week = {r.project_id: r for r in WeeklyReport.objects.filter(project_id__in=ids, week_start=week)
                 .select_related("reported_by__staff_profile")}
    today = timezone.localdate()
    previous: dict[int, Decimal] = {}
    for project_id, progress in (
        WeeklyReport.objects.filter(project_id__in=ids, week_start__lt=week)
        .order_by("project_id", "week_start")
        .values_list("project_id", "progress_percent")
    ):
        previous[project_id] = progress  # ordered: the last one kept is the latest before the week
    later = set(WeeklyReport.objects.filter(project_id__in=ids, week_start__gt=week)
                .values_list("project_id", flat=True))
    role = None if is_system(acting_user) else permissions.role_of(acting_user)
    seen_codes: dict[str, int] = {}
    text_fields = {"手续办理进展": "procedure_note", "存在问题": "problem_note", "填报人": "reporter_name",
                   "联系电话": "reporter_phone", "进度回调说明": "decrease_note"}
    figure_fields = {"本周形象进度(%)": "progress_percent", "累计完成投资(万元)": "completed_investment",
                     "资金到位(万元)": "funds_in_place"}

    for row in sheet.rows:
        preview.rows_read += 1
        read = _RowReader(row, preview.errors)
        code = read.get("项目编号", parse_text, required=True)
        if not code:
            continue
        if code in seen_codes:
            read._fail("项目编号", f"项目编号“{code}”与第{seen_codes[code]}行重复")
            continue
        seen_codes[code] = row.number
        project = projects.get(code)
        if project is None:
            read._fail("项目编号", f"未知的项目编号“{code}”")
            continue
        figures = {
            name: read.get(column, parse_percent if name == "progress_percent" else parse_amount)
            for column, name in figure_fields.items()
        }
        report = this_week.get(project.pk)
        texts = {}
        for column, name in text_fields.items():
            if column in sheet.columns:
                texts[name] = read.get(column, parse_text) or ""
            else:  # a sheet without the column leaves what was reported before
                texts[name] = getattr(report, name) if report is not None else ""
        if read.failed:
            continue
        if all(value is None for value in figures.values()):
            preview.row_changes.append(RowChange(row.number, code, project.name, "not_reported",
                                                 project=project))
            continue
        for column, name in figure_fields.items():
            if figures[name] is None:
                read._fail(column, f"{column}不能为空（本行其他数据已填写）")
        for column, name in text_fields.items():
            read.check_length(column, texts[name], WeeklyReport, name)
        if read.failed:
            continue
        if not is_system(acting_user) and not permissions.can_report_progress(acting_user, project):
            scope = "本单位" if role == Role.COUNTY_LIAISON else "您负责"
            read._fail("项目编号", f"项目“{code}”不属于{scope}的项目，无权填报")
            continue
        # The same rules as the web forms (tracker.services.progress): progress falling needs a
        # 进度回调说明, the county owns the figures, a closed week is the Office's to correct.
        problems = weekly_report_problems(
            role=role, week_start=week, today=today, progress=figures["progress_percent"],
            previous_progress=previous.get(project.pk), decrease_note=texts["decrease_note"],
            existing_reporter_role=weekly_report_reporter_role(report), correction_reason="",
        )
        if problems:
            for problem in problems:
                read._fail("本周形象进度(%)", problem)
            continue
        values = {**figures, **texts}
        if not values["reporter_name"]:
            values["reporter_name"] = (report.reporter_name if report is not None
                                       else actor_display_name(acting_user))
        row_change = RowChange(row.number, code, project.name, "create", values=values, project=project,
                               report=report)
        row_change.values["_is_latest"] = project.pk not in later
        labels = {**{v: k for k, v in figure_fields.items()}, **{v: k for k, v in text_fields.items()}}
        if report is None:
            row_change.changes = [FieldChange(labels[n], "", _show(v)) for n, v in values.items()
                            if n in labels and v not in ("", None)]
        else:
            row_change.changes = [
                FieldChange(labels[n], _show(getattr(report, n)), _show(v)) for n, v in values.items()
                if n in labels and getattr(report, n) != v
            ]
            row_change.action = "update" if row_change.changes else "unchanged"
        preview.row_changes.append(row_change)


def _weekly_write(preview: ImportPreview, acting_user, progress: ProgressCallback | None) -> list[AuditEvent]:
    now = timezone.now()
    week = preview.week_start
    assert week is not None  # a weekly sheet with rows to write has its week
    writes = preview.changed_rows
    fields = ["progress_percent", "completed_investment", "funds_in_place", "procedure_note", "problem_note",
              "decrease_note", "reporter_name", "reporter_phone"]
    new_reports, changed_reports, latest_projects = [], [], []
    written: list[Project] = []
    for row_change in writes:
        project = row_change.project
        assert project is not None  # a row to write names its project
        written.append(project)
        values = {name: row_change.values[name] for name in fields}
        if row_change.report is None:
            row_change.report = WeeklyReport(project=project, week_start=week,
                                             reported_by=actor_user(acting_user), reported_at=now,
                                       **values)
            new_reports.append(row_change.report)
        else:
            for name, value in values.items():
                setattr(row_change.report, name, value)
            row_change.report.reported_by = actor_user(acting_user)
            row_change.report.reported_at = now
            row_change.report.updated_at = now
            changed_reports.append(row_change.report)
        if row_change.values["_is_latest"]:
            project.progress_percent = values["progress_percent"]
            project.completed_investment = values["completed_investment"]
            project.funds_in_place = values["funds_in_place"]
            project.version += 1
            project.updated_at = now
            latest_projects.append(project)
    WeeklyReport.objects.bulk_create(new_reports, batch_size=500)
    if changed_reports:
        WeeklyReport.objects.bulk_update(changed_reports,
                                         [*fields, "reported_by", "reported_at", "updated_at"],
                                         batch_size=500)
    if latest_projects:
        Project.objects.bulk_update(
            latest_projects,
            ["progress_percent", "completed_investment", "funds_in_place", "version", "updated_at"],
            batch_size=500,
        )
    ids = {r.project_id: r.pk for r in WeeklyReport.objects.filter(
        week_start=week, project_id__in=[project.pk for project in written])}
    events = []
    for row_change, project in zip(writes, written, strict=True):
        values = row_change.values
        events.append(audit_event_build(
            acting_user=acting_user, action=AuditAction.WEEKLY_REPORT, occurred_at=now, effective_on=week, 
            project=project, unit_id=project.unit_id, object_type="weekly_report",
            object_id=str(ids.get(project.pk, "")), reason=values["decrease_note"],
            data={"week_start": week.isoformat(), "progress_percent": str(values["progress_percent"]),
                  "completed_investment": str(values["completed_investment"]),
                  "funds_in_place": str(values["funds_in_place"]), "created": row_change.action == "create",
                  "source": "ledger_import"},
        ))
    if progress:
        progress(len(writes), len(writes))
    return events
