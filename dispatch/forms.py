"""Forms of the calendar's pages. They check the shape of the input; dispatch.services decides."""
from __future__ import annotations

from decimal import Decimal

from django import forms

from dispatch.selectors import ThresholdRow
from offices.keys import (
    SETTINGS,
    WHOLE_NUMBER_THRESHOLDS,
    HandlingRuleKey,
    StartGateMode,
    threshold_order_problems,
)


class ThresholdsForm(forms.Form):
    """One number per threshold, prefilled with the current value."""

    def __init__(self, *args, rows: list[ThresholdRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            whole = row.key in WHOLE_NUMBER_THRESHOLDS
            self.fields[row.key] = forms.DecimalField(
                label=row.label, max_digits=8, decimal_places=2, min_value=Decimal("0"),
                initial=row.value_text,
                # The browser's spinner steps by whole units where the threshold counts something.
                widget=forms.NumberInput(attrs={"step": "1" if whole else "0.01",
                                                "min": "1" if whole else "0"}),
                error_messages={
                    "required": f"请填写“{row.label}”",
                    "invalid": f"“{row.label}”应为数字",
                    "min_value": f"“{row.label}”不能为负数",
                    "max_digits": f"“{row.label}”数值过大",
                    "max_decimal_places": f"“{row.label}”最多两位小数",
                    "max_whole_digits": f"“{row.label}”数值过大",
                },
            )

    def clean(self):
        """Whole numbers where a threshold counts, yellow below red: each error on its own field."""
        data = super().clean()
        for row in self.rows:
            value = data.get(row.key)
            problem = SETTINGS[row.key].value_problem(value) if value is not None else None
            if problem:
                self.add_error(row.key, problem)
        values = {row.key: data.get(row.key, row.value) for row in self.rows}
        if all(value is not None for value in values.values()):
            for key, message in threshold_order_problems(values).items():
                self.add_error(key, message)
        return data

    def changed_values(self) -> dict[str, Decimal]:
        """{key: new value} for the thresholds whose value differs from the current one."""
        return {
            row.key: self.cleaned_data[row.key]
            for row in self.rows
            if self.cleaned_data[row.key] != row.value
        }

    def bound_rows(self):
        return [(row, self[row.key]) for row in self.rows]


class StartGateForm(forms.Form):
    """Whether 开工 with unsettled earlier procedures is refused or only warned about."""

    mode = forms.ChoiceField(label=HandlingRuleKey.START_EARLIER_PROCEDURES.label,
                             choices=StartGateMode.choices, widget=forms.RadioSelect,
                             error_messages={"invalid_choice": "请选择处理方式"})
