"""Forms of the web pages. They check the shape of the input; the rules live in tracker.services."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypedDict

from django import forms
from django.utils import timezone

from tracker.choices import ProblemCategory, ProcedureKind, ProcedureStatus


class MoneyShape(TypedDict):
    """A form's DecimalField for 万元: two places, never negative."""

    max_digits: int
    decimal_places: int
    min_value: Decimal


MONEY: MoneyShape = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


def _week_field() -> forms.DateField:
    # An ISO format: a browser's date input shows nothing for a localised "2025/09/29".
    return forms.DateField(label="周（任一日期，按所在周一记）",
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"required": "请选择填报周", "invalid": "日期格式不正确，应为 YYYY-MM-DD"})


def week_start_check(day: dt.date) -> dt.date:
    """A week from 2000 up to the current one: a later week's report would become the project's
    latest figures ahead of time, and a typo (2205-03-03) would hide every real week after it."""
    today = timezone.localdate()
    if day.year < 2000:
        raise forms.ValidationError("周调度日期不能早于2000年")
    if day > today + dt.timedelta(days=6 - today.weekday()):
        raise forms.ValidationError("不能填报本周之后的周调度数据")
    return day


class WeeklyFiguresForm(forms.Form):
    """The figures of one project's week, the same for a county's and a department's report
    (one form, 手续 included). Required-ness is set by the subclasses."""

    figures_required = True

    progress_percent = forms.DecimalField(
        label="本周形象进度(%)", max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"),
        error_messages={"min_value": "形象进度不能小于0", "max_value": "形象进度不能大于100"},
    )
    completed_investment = forms.DecimalField(
        label="累计完成投资(万元)", **MONEY, error_messages={"min_value": "累计完成投资不能为负数"}
    )
    funds_in_place = forms.DecimalField(label="资金到位(万元)", **MONEY, error_messages={"min_value": "资金到位不能为负数"})
    procedure_note = forms.CharField(label="手续办理进展", max_length=500, required=False)
    problem_note = forms.CharField(label="存在问题", max_length=500, required=False)
    decrease_note = forms.CharField(label="进度回调说明（进度低于上周时必填）", max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("progress_percent", "completed_investment", "funds_in_place"):
            self.fields[name].required = self.figures_required


class WeeklyReportForm(WeeklyFiguresForm):
    """A project's week, reported on its own page (any role that may report)."""

    week_start = _week_field()
    reporter_name = forms.CharField(label="填报人", max_length=50, required=False)
    reporter_phone = forms.CharField(label="联系电话", max_length=30, required=False)

    # Shown to the Office only: a week closed to the units is corrected with a reason.
    correction_reason = forms.CharField(label="更正原因（更正已截止的周时必填）", max_length=500, required=False)

    field_order = ["week_start", "progress_percent", "completed_investment", "funds_in_place",
                   "procedure_note", "problem_note", "decrease_note", "reporter_name", "reporter_phone",
                   "correction_reason"]

    def __init__(self, *args, office: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not office:
            del self.fields["correction_reason"]

    def clean_week_start(self):
        return week_start_check(self.cleaned_data["week_start"])


class UnitWeeklyHeaderForm(forms.Form):
    """What a county's "all my projects" report says once: the week (the current one when left
    empty) and who reports it."""

    week_start = _week_field()
    week_start.required = False
    reporter_name = forms.CharField(label="填报人", max_length=50, required=False)
    reporter_phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def clean_week_start(self):
        day = self.cleaned_data["week_start"]
        return week_start_check(day) if day is not None else None


class UnitWeeklyRowForm(WeeklyFiguresForm):
    """One project's row on a county liaison's "this week, all my projects" page: the same
    figures as WeeklyReportForm, left empty for a project not reported this week."""

    figures_required = False
    project_id = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["progress_percent"].label = "形象进度(%)"
        self.fields["decrease_note"].label = "进度回调说明"

    def clean(self):
        data = super().clean()
        figures = [data.get("progress_percent"), data.get("completed_investment"), data.get("funds_in_place")]
        if any(value is not None for value in figures) and any(value is None for value in figures):
            raise forms.ValidationError("形象进度、累计完成投资、资金到位须同时填写（不填则本周不报）")
        return data

    @property
    def is_filled(self) -> bool:
        return self.cleaned_data.get("progress_percent") is not None


class TransitionForm(forms.Form):
    transition = forms.CharField(widget=forms.HiddenInput)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    effective_on = forms.DateField(label="发生日期", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="原因/说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label="佐证材料", required=False)


class ProblemRaiseForm(forms.Form):
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 2}),
                                  error_messages={"required": "请填写问题描述"})
    category = forms.ChoiceField(label="类别", choices=ProblemCategory.choices)
    responsible_unit = forms.CharField(label="责任单位", max_length=64, required=False,
                                       help_text="不填则为项目所在县(市、区)")
    due_on = forms.DateField(label="办理时限", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                             error_messages={"invalid": "办理时限格式不正确，应为 YYYY-MM-DD"})


class ProblemEscalateForm(forms.Form):
    reason = forms.CharField(label="升级原因", error_messages={"required": "请填写升级原因"})
    responsible_leader = forms.CharField(label="责任市领导", max_length=50, required=False)


class ProblemResolveForm(forms.Form):
    resolution = forms.CharField(label="解决情况", error_messages={"required": "请填写解决情况"})


class ProcedureUpdateForm(forms.Form):
    """One procedure (手续) row on the project page."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="手续", choices=ProcedureKind.choices,
                             error_messages={"invalid_choice": "未知的手续类型"})
    status = forms.ChoiceField(label="办理状态", choices=ProcedureStatus.choices,
                               error_messages={"invalid_choice": "未知的办理状态", "required": "请选择办理状态"})
    started_on = forms.DateField(label="启动日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 error_messages={"invalid": "启动日期格式不正确，应为 YYYY-MM-DD"})
    completed_on = forms.DateField(label="办结日期", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   error_messages={"invalid": "办结日期格式不正确，应为 YYYY-MM-DD"})
    approving_body = forms.CharField(label="审批部门", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=500, required=False)
    approval_number = forms.CharField(label="批复文号", max_length=100, required=False)
    approval_date = forms.DateField(label="批复日期", required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}),
                                    error_messages={"invalid": "批复日期格式不正确，应为 YYYY-MM-DD"})
    approval_file = forms.FileField(label="批复文件", required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if data.get("approval_date") is not None and data["approval_date"] > today:
            self.add_error("approval_date", f"批复日期（{data['approval_date']}）不能晚于今天")
        started, completed = data.get("started_on"), data.get("completed_on")
        if data.get("status") == ProcedureStatus.DONE and completed is None:
            self.add_error("completed_on", "手续办结须填写办结日期")
        for label, day in (("启动日期", started), ("办结日期", completed)):
            if day is not None and day > today:
                raise forms.ValidationError(f"{label}（{day}）不能晚于今天")
        if started and completed and completed < started:
            raise forms.ValidationError(f"办结日期（{completed}）不能早于启动日期（{started}）")
        return data


class MonthInput(forms.DateInput):
    input_type = "month"


class MonthField(forms.DateField):
    """A month as "YYYY-MM" (the browser's month picker), kept as the month's first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, dt.date) else day


class MonthlyPlanForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    month = MonthField(label="月份", error_messages={"required": "请选择月份", "invalid": "月份格式不正确，应为 YYYY-MM"})
    planned_progress_percent = forms.DecimalField(
        label="计划形象进度(%)", max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"),
        error_messages={"required": "请填写计划形象进度", "min_value": "计划形象进度不能小于0",
                        "max_value": "计划形象进度不能大于100", "invalid": "计划形象进度应为数字"},
    )
    planned_investment = forms.DecimalField(
        label="计划累计投资(万元)", required=False, **MONEY,
        error_messages={"min_value": "计划累计投资不能为负数", "invalid": "计划累计投资应为数字"},
    )
    milestone = forms.CharField(label="计划节点", max_length=200, required=False)

    def clean_planned_investment(self):
        return self.cleaned_data.get("planned_investment") or Decimal("0")


class RollbackRequestForm(forms.Form):
    transition = forms.CharField(widget=forms.HiddenInput)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写退回原因"})
    evidence = forms.FileField(label="佐证材料", required=False)


class RollbackApproveForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "请刷新页面后再审批"})
    effective_on = forms.DateField(label="退回生效日期", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   error_messages={"invalid": "生效日期格式不正确，应为 YYYY-MM-DD"})
    note = forms.CharField(label="审批意见", max_length=500, required=False)


class RollbackRejectForm(forms.Form):
    reason = forms.CharField(label="驳回理由", max_length=500, error_messages={"required": "请填写驳回理由"})
