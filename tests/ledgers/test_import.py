"""Importing ledgers: previews, all-or-nothing writes, the stage rule, the round trip, each refusal."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from ledgers.exporting import (
    MASTER_HEADERS,
    WEEKLY_HEADERS,
    LedgerFilters,
    ledger_build,
    ledger_csv,
    ledger_xlsx,
    weekly_template,
)
from ledgers.importing import LedgerImportRefused, ledger_import_confirm, ledger_import_preview
from tests.ledgers.sheets import sheet_rows, with_cached_formula, xlsx_bytes, xlsx_edit
from tracker.choices import AuditAction, ProjectState
from tracker.models import AdministrativeUnit, AuditEvent, Project, WeeklyReport

TODAY = dt.datetime(2025, 10, 8, 10, 0)  # a Wednesday after the demo date
WEEK = dt.date(2025, 10, 6)


def _counts() -> tuple[int, int, int]:
    return Project.objects.count(), WeeklyReport.objects.count(), AuditEvent.objects.count()


def _master_export(user=None) -> bytes:
    return ledger_xlsx(ledger_build(kind="master", user=user, filters=LedgerFilters()))


def _row_of(data: bytes, code: str) -> int:
    for number, row in enumerate(sheet_rows(data), start=1):
        if code in row:
            return number
    raise AssertionError(code)


def _master_row(**overrides) -> list:
    values = {
        "序号": None, "项目编号": "LF-2025-901", "项目名称": "浍河曲沃段生态修复工程", "县(市、区)": "曲沃",
        "牵头部门": "市生态环境局", "领域": "生态", "项目单位": "曲沃县生态环境局", "建设内容及规模": "生态修复5公里",
        "总投资(万元)": "1,200.5万元", "计划开工日期": "2025年11月", "计划完工日期": "2026/6/30", "当前阶段": "前期",
        "形象进度(%)": None, "累计完成投资(万元)": None, "资金到位(万元)": None, "存在问题": "", "备注": "",
    }
    values.update(overrides)
    return [values[h] for h in MASTER_HEADERS]


# --- round trip ------------------------------------------------------------------------------

@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("writer", [ledger_xlsx, ledger_csv], ids=["xlsx", "csv"])
def test_exported_master_ledger_reimports_with_zero_changes(demo_ledger, clerk, writer):
    # given the master ledger as exported today
    data = writer(ledger_build(kind="master", user=clerk, filters=LedgerFilters()))
    # when it is imported back
    preview = ledger_import_preview(kind="master", data=data, acting_user=clerk)
    # then nothing would change, and no stage differs
    assert preview.ok, preview.errors
    assert (preview.created, preview.updated, preview.unchanged) == (0, 0, 95)
    assert preview.stage_differences == []
    assert preview.notes == []


@time_machine.travel(TODAY, tick=False)
def test_confirming_an_unchanged_master_ledger_writes_only_the_import_audit_row(demo_ledger, clerk):
    # given
    data = _master_export(clerk)
    versions = dict(Project.objects.values_list("code", "version"))
    # when
    preview = ledger_import_confirm(kind="master", data=data, acting_user=clerk, file_name="总台账.xlsx")
    # then
    assert preview.updated == 0
    assert dict(Project.objects.values_list("code", "version")) == versions
    event = AuditEvent.objects.filter(action=AuditAction.LEDGER_IMPORT).get()
    assert event.data["file_name"] == "总台账.xlsx"
    assert event.actor == clerk


@time_machine.travel(TODAY, tick=False)
def test_exported_weekly_ledger_reimports_with_zero_changes(demo_ledger, clerk):
    # given last week's dispatch ledger
    data = ledger_xlsx(ledger_build(kind="weekly", user=clerk,
                                    filters=LedgerFilters(as_of=dt.date(2025, 9, 29))))
    # when imported back (the week is read from the title row)
    preview = ledger_import_preview(kind="weekly", data=data, acting_user=clerk)
    # then
    assert preview.ok, preview.errors
    assert preview.week_start == dt.date(2025, 9, 29)
    assert preview.created == preview.updated == 0
    assert preview.unchanged == WeeklyReport.objects.filter(week_start=dt.date(2025, 9, 29)).count()


# --- master: changes, creation, the stage rule --------------------------------------------

@time_machine.travel(TODAY, tick=False)
def test_master_import_previews_field_changes_then_confirms_them_with_audit(demo_ledger, clerk):
    # given an exported ledger where a clerk changed an investment (typed messily) and the unit (short name)
    data = _master_export(clerk)
    project = Project.objects.get(code="LF-2023-002")
    row = _row_of(data, "LF-2023-002")
    edited = xlsx_edit(data, {(row, "总投资(万元)"): "１２,３４５.６ 万元", (row, "备注"): " 已调整概算 "})
    before = _counts()
    # when previewed
    preview = ledger_import_preview(kind="master", data=edited, acting_user=clerk)
    # then the change is listed field by field, and nothing is written yet
    assert preview.ok, preview.errors
    assert preview.updated == 1
    changes = {c.column: (c.old, c.new) for c in preview.changed_rows[0].changes}
    assert changes["总投资(万元)"] == (f"{project.total_investment:,.2f}", "12,345.60")
    assert changes["备注"] == (project.remarks, "已调整概算")
    assert _counts() == before
    # when confirmed
    ledger_import_confirm(kind="master", data=edited, acting_user=clerk)
    # then the project changed, its version rose, and the edit and the import are audited
    project.refresh_from_db()
    assert project.total_investment == Decimal("12345.60")
    assert project.remarks == "已调整概算"
    edit = AuditEvent.objects.get(action=AuditAction.PROJECT_EDIT, project=project)
    assert "总投资(万元)" in edit.data["changes"]
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_IMPORT).count() == 1


@time_machine.travel(TODAY, tick=False)
def test_master_import_creates_a_new_project_in_preparation(demo_ledger, clerk):
    # given a sheet with two title rows and a new project typed the way clerks do
    data = xlsx_bytes([MASTER_HEADERS, _master_row()], title_rows=["临汾市“一泓清水入黄河”生态保护工程总台账", "（截至2025年10月8日）"])
    # when
    preview = ledger_import_confirm(kind="master", data=data, acting_user=clerk)
    # then
    assert preview.created == 1
    project = Project.objects.get(code="LF-2025-901")
    assert project.unit == AdministrativeUnit.objects.get(name="曲沃县")
    assert project.total_investment == Decimal("1200.50")
    assert project.planned_start == dt.date(2025, 11, 1)
    assert project.state == ProjectState.PREPARATION
    assert project.map_number == 96
    assert AuditEvent.objects.filter(action=AuditAction.PROJECT_CREATE, project=project).count() == 1


@time_machine.travel(TODAY, tick=False)
def test_master_import_never_writes_the_stage_and_lists_the_transitions_to_make(demo_ledger, clerk):
    # given a project under construction that the sheet calls 达效
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    data = _master_export(clerk)
    edited = xlsx_edit(data, {(_row_of(data, project.code), "当前阶段"): "达效"})
    # when imported
    preview = ledger_import_confirm(kind="master", data=edited, acting_user=clerk)
    # then the state is untouched and the way there is listed
    project.refresh_from_db()
    assert project.state == ProjectState.UNDER_CONSTRUCTION
    assert len(preview.stage_differences) == 1
    assert preview.stage_differences[0].transitions == ["完工", "达效"]
    assert "请通过阶段变更办理：完工→达效" in str(preview.stage_differences[0])


@time_machine.travel(TODAY, tick=False)
def test_master_figures_that_differ_are_noted_not_written(demo_ledger, clerk):
    project = Project.objects.get(code="LF-2023-002")
    data = _master_export(clerk)
    edited = xlsx_edit(data, {(_row_of(data, project.code), "形象进度(%)"): "99%"})
    preview = ledger_import_confirm(kind="master", data=edited, acting_user=clerk)
    project.refresh_from_db()
    assert project.progress_percent != Decimal("99")
    assert any("形象进度(%)与周调度数据不一致" in note for note in preview.notes)


# --- refusals: every bad row listed, nothing written ---------------------------------------

@time_machine.travel(TODAY, tick=False)
def test_bad_master_rows_are_all_listed_and_nothing_is_written(demo_ledger, clerk):
    # given one good new project and several bad rows
    rows = [
        MASTER_HEADERS,
        _master_row(),
        _master_row(项目编号="LF-2025-902", **{"县(市、区)": "太原"}),
        _master_row(项目编号="LF-2025-903", **{"总投资(万元)": "-5"}),
        _master_row(项目编号="LF-2025-904", **{"形象进度(%)": "120"}),
        _master_row(项目编号="LF-2025-905", **{"计划开工日期": "#REF!"}),
        _master_row(项目编号="LF-2025-906", **{"资金到位(万元)": "#DIV/0!"}),
    ]
    before = _counts()
    # when
    with pytest.raises(LedgerImportRefused) as refused:
        ledger_import_confirm(kind="master", data=xlsx_bytes(rows), acting_user=clerk)
    # then every bad row is named with its column and reason, and nothing was written
    messages = [str(e) for e in refused.value.preview.errors]
    assert messages == [
        "第3行“县(市、区)”列：未知的县(市、区)“太原”",
        "第4行“总投资(万元)”列：金额不能为负数（填写值：-5）",
        "第5行“形象进度(%)”列：百分比不能超过100%（填写值：120）",
        "第6行“计划开工日期”列：单元格为Excel错误值“#REF!”，请检查公式或引用",
        "第7行“资金到位(万元)”列：单元格为Excel错误值“#DIV/0!”，请检查公式或引用",
    ]
    assert _counts() == before
    assert not Project.objects.filter(code="LF-2025-901").exists()


@time_machine.travel(TODAY, tick=False)
def test_header_missing_a_required_column_is_refused(demo_ledger, clerk):
    headers = [h for h in MASTER_HEADERS if h != "牵头部门"]
    data = xlsx_bytes([headers,
                       [v for h, v in zip(MASTER_HEADERS, _master_row(), strict=True) if h != "牵头部门"]])
    preview = ledger_import_preview(kind="master", data=data, acting_user=clerk)
    assert [str(e) for e in preview.errors] == ["第1行表头缺少必填列：牵头部门"]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100, "不是xlsx、xls或csv"),
        (b"%PDF-1.7\n\x00\x01binary", "不是xlsx、xls或csv"),
        (b"x" * (10 * 1024 * 1024 + 1), "超过10MB"),
    ],
    ids=["png-named-xlsx", "pdf", "too-big"],
)
def test_files_that_are_not_ledgers_are_refused(demo_ledger, clerk, data, reason):
    before = _counts()
    with pytest.raises(LedgerImportRefused) as refused:
        ledger_import_confirm(kind="master", data=data, acting_user=clerk, file_name="台账.xlsx")
    assert reason in refused.value.preview.errors[0].message
    assert _counts() == before


@time_machine.travel(TODAY, tick=False)
def test_a_formula_cell_is_read_by_its_computed_value(demo_ledger, clerk):
    # given a new project whose total investment is a formula Excel computed as 1500
    data = xlsx_bytes([MASTER_HEADERS, _master_row(**{"总投资(万元)": 0})])
    column = "ABCDEFGHIJKLMNOPQ"[MASTER_HEADERS.index("总投资(万元)")]
    data = with_cached_formula(data, f"{column}2", "1000+500", "1500")
    # when
    ledger_import_confirm(kind="master", data=data, acting_user=clerk)
    # then
    assert Project.objects.get(code="LF-2025-901").total_investment == Decimal("1500.00")


def test_city_leader_cannot_import_the_master_ledger(demo_ledger, city_leader):
    with pytest.raises(PermissionDenied):
        ledger_import_preview(kind="master", data=_master_export(), acting_user=city_leader)


# --- weekly sheets -------------------------------------------------------------------------

def _weekly_sheet(unit_code: str, user, fill: dict[str, list]) -> bytes:
    """The unit's blank template for WEEK with some rows filled:
    {code: [progress, completed, funds, *notes]}."""
    table = weekly_template(user=user, unit=AdministrativeUnit.objects.get(code=unit_code), week=WEEK)
    for row in table.rows:
        if row[0] in fill:
            values = fill[row[0]]
            row[2:2 + len(values)] = values
    return ledger_xlsx(table)


@time_machine.travel(TODAY, tick=False)
def test_county_weekly_sheet_creates_the_weeks_reports_and_updates_figures(demo_ledger, county_liaison):
    # given 侯马's template with two projects filled in (messy forms), the rest left blank
    project = Project.objects.get(code="LF-2023-018")
    data = _weekly_sheet("houma", county_liaison, {
        "LF-2023-018": ["75%", "1,234.5万元", "1000", "用地手续已批", "", "张三", "13900000000"],
        "LF-2023-019": [0.7, 800, 700],
    })
    # when
    preview = ledger_import_confirm(kind="weekly", data=data, acting_user=county_liaison)
    # then the week came from the title, two reports were created and the others are "not reported"
    assert preview.week_start == WEEK
    assert preview.created == 2
    assert preview.not_reported == Project.objects.filter(unit__code="houma").count() - 2
    report = WeeklyReport.objects.get(project=project, week_start=WEEK)
    assert (report.progress_percent, report.completed_investment, report.funds_in_place) == (
        Decimal("75.00"), Decimal("1234.50"), Decimal("1000.00"))
    assert report.reporter_name == "张三"
    assert report.reported_by == county_liaison
    project.refresh_from_db()
    assert project.progress_percent == Decimal("75.00")
    other_report = WeeklyReport.objects.get(project__code="LF-2023-019", week_start=WEEK)
    assert other_report.progress_percent == Decimal("70.00")
    assert AuditEvent.objects.filter(action=AuditAction.WEEKLY_REPORT, effective_on=WEEK).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_IMPORT, unit__code="houma").count() == 1


@time_machine.travel(TODAY, tick=False)
def test_weekly_progress_lower_than_last_week_needs_a_note(demo_ledger, county_liaison):
    # given a project at 69.80% last week reported at 60% without a note, another with a note
    data = _weekly_sheet("houma", county_liaison, {
        "LF-2023-018": ["60", "100", "100"],
        "LF-2023-019": ["10", "100", "100", "", "", "", "", "设计变更，重新核定工程量"],
    })
    before = _counts()
    # when
    with pytest.raises(LedgerImportRefused) as refused:
        ledger_import_confirm(kind="weekly", data=data, acting_user=county_liaison)
    # then only the row without a note is refused, and nothing at all was written
    errors = refused.value.preview.errors
    assert len(errors) == 1
    assert errors[0].column == "本周形象进度(%)"
    assert "低于上周（69.80%）" in errors[0].message
    assert _counts() == before


@time_machine.travel(TODAY, tick=False)
def test_weekly_sheet_refuses_unknown_codes_and_other_units_projects(demo_ledger, county_liaison):
    # given the 侯马 liaison's sheet holding a 尧都 project and a code that does not exist
    rows = [WEEKLY_HEADERS, ["LF-2023-002", "", "50", "1", "1"], ["LF-9999-001", "", "50", "1", "1"],
            ["LF-2023-018", "", "101", "1", "-1"]]
    before = _counts()
    # when
    preview = ledger_import_preview(kind="weekly", data=xlsx_bytes(rows), acting_user=county_liaison,
                                    week=WEEK)
    # then
    assert [str(e) for e in preview.errors] == [
        "第2行“项目编号”列：项目“LF-2023-002”不属于本单位的项目，无权填报",
        "第3行“项目编号”列：未知的项目编号“LF-9999-001”",
        "第4行“本周形象进度(%)”列：百分比不能超过100%（填写值：101）",
        "第4行“资金到位(万元)”列：金额不能为负数（填写值：-1）",
    ]
    assert _counts() == before


# --- the command ---------------------------------------------------------------------------

@time_machine.travel(TODAY, tick=False)
def test_import_command_prints_row_errors_and_exits_non_zero(demo_ledger, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx_bytes([MASTER_HEADERS, _master_row(**{"县(市、区)": "太原"})]))
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_ledger", "master", str(path), stderr=stderr, skip_checks=True)
    assert "第2行“县(市、区)”列：未知的县(市、区)“太原”" in stderr.getvalue()


@time_machine.travel(TODAY, tick=False)
def test_import_command_dry_run_writes_nothing(demo_ledger, tmp_path):
    path = tmp_path / "new.xlsx"
    path.write_bytes(xlsx_bytes([MASTER_HEADERS, _master_row()]))
    stdout = io.StringIO()
    call_command("import_ledger", "master", str(path), "--dry-run", stdout=stdout, skip_checks=True)
    assert "新增1个" in stdout.getvalue()
    assert not Project.objects.filter(code="LF-2025-901").exists()
    call_command("import_ledger", "master", str(path), stdout=stdout, skip_checks=True)
    assert Project.objects.filter(code="LF-2025-901").exists()


@time_machine.travel(TODAY, tick=False)
def test_long_import_reports_progress_batch_by_batch(demo_ledger, clerk):
    # given 1,200 new projects (three write batches)
    rows = [MASTER_HEADERS] + [_master_row(项目编号=f"LF-2026-{n:04d}") for n in range(1200)]
    calls: list[tuple[int, int]] = []
    # when
    preview = ledger_import_confirm(kind="master", data=xlsx_bytes(rows), acting_user=clerk,
                                    progress=lambda done, total: calls.append((done, total)))
    # then
    assert preview.created == 1200
    assert calls == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]
    created = AuditEvent.objects.filter(action=AuditAction.PROJECT_CREATE,
                                        project__code__startswith="LF-2026-")
    assert created.count() == 1200


@time_machine.travel(TODAY, tick=False)
def test_a_good_sheet_under_a_wrong_file_name_is_refused(demo_ledger, clerk):
    data = xlsx_bytes([MASTER_HEADERS, _master_row()])
    with pytest.raises(LedgerImportRefused) as refused:
        ledger_import_confirm(kind="master", data=data, acting_user=clerk, file_name="台账.pdf")
    assert str(refused.value.preview.errors[0]) == "文件“台账.pdf”不是xlsx、xls或csv格式，请上传Excel或csv台账"
    assert not Project.objects.filter(code="LF-2025-901").exists()


@time_machine.travel(TODAY, tick=False)
def test_an_old_xls_weekly_sheet_is_imported(demo_ledger, county_liaison):
    import xlwt

    # given the weekly sheet saved by an old Excel as .xls, a title row above the header
    book = xlwt.Workbook()
    sheet = book.add_sheet("周调度")
    sheet.write(0, 0, "侯马市周调度表（2025年10月6日至2025年10月12日）")
    for column, header in enumerate(WEEKLY_HEADERS):
        sheet.write(1, column, header)
    for column, value in enumerate(["LF-2023-018", "", 72.5, 1500, "1,400.00"]):
        sheet.write(2, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    # when
    preview = ledger_import_confirm(kind="weekly", data=buffer.getvalue(), acting_user=county_liaison,
                                    file_name="周调度.xls")
    # then
    assert preview.week_start == WEEK
    report = WeeklyReport.objects.get(project__code="LF-2023-018", week_start=WEEK)
    assert (report.progress_percent, report.funds_in_place) == (Decimal("72.50"), Decimal("1400.00"))


@time_machine.travel(TODAY, tick=False)
def test_ecology_clerk_may_reimport_the_whole_ledger_but_change_only_ecology_projects(demo_ledger, clerk_eco):
    # given the whole master ledger, with one ecology and one water project edited
    data = _master_export(clerk_eco)
    ecology = Project.objects.filter(domain__code="ecology").first()
    water = Project.objects.filter(domain__code="water").first()
    edited = xlsx_edit(data,
                       {(_row_of(data, ecology.code), "备注"): "生态改", (_row_of(data, water.code), "备注"): "水利改"})
    # when
    preview = ledger_import_preview(kind="master", data=edited, acting_user=clerk_eco)
    # then only the water edit is refused; the unchanged rows outside the clerk's domain pass
    assert [str(e) for e in preview.errors] == [
        f"第{_row_of(data, water.code)}行“项目编号”列：您没有修改项目“{water.code}”的权限（分管范围以外）"
    ]
