"""Forms of the web pages. They check the shape of the input; the rules live in tracker.services."""
from __future__ import annotations

from decimal import Decimal

from django import forms

from tracker.models import ProblemCategory

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class WeeklyReportForm(forms.Form):
    week_start = forms.DateField(label="周（任一日期，按所在周一记）", widget=forms.DateInput(attrs={"type": "date"}))
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
    reporter_name = forms.CharField(label="填报人", max_length=50, required=False)
    reporter_phone = forms.CharField(label="联系电话", max_length=30, required=False)


class UnitWeeklyRowForm(forms.Form):
    """One project's row on a county liaison's "this week, all my projects" page."""

    project_id = forms.IntegerField(widget=forms.HiddenInput)
    progress_percent = forms.DecimalField(
        label="形象进度(%)", max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"),
        required=False, error_messages={"min_value": "形象进度不能小于0", "max_value": "形象进度不能大于100"},
    )
    completed_investment = forms.DecimalField(label="累计完成投资(万元)", **MONEY, required=False)
    funds_in_place = forms.DecimalField(label="资金到位(万元)", **MONEY, required=False)
    problem_note = forms.CharField(label="存在问题", max_length=500, required=False)
    decrease_note = forms.CharField(label="进度回调说明", max_length=500, required=False)

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
    effective_on = forms.DateField(label="发生日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="原因/说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label="佐证材料", required=False)


class ProblemRaiseForm(forms.Form):
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 2}),
                                  error_messages={"required": "请填写问题描述"})
    category = forms.ChoiceField(label="类别", choices=ProblemCategory.choices)


class ProblemEscalateForm(forms.Form):
    reason = forms.CharField(label="升级原因", error_messages={"required": "请填写升级原因"})
    responsible_leader = forms.CharField(label="责任市领导", max_length=50, required=False)


class ProblemResolveForm(forms.Form):
    resolution = forms.CharField(label="解决情况", error_messages={"required": "请填写解决情况"})
