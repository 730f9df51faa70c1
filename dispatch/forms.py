"""Forms of the calendar's pages. They check the shape of the input; dispatch.services decides."""
from __future__ import annotations

from decimal import Decimal

from django import forms

from dispatch.selectors import ThresholdRow


class ThresholdsForm(forms.Form):
    """One number per threshold, prefilled with the current value."""

    def __init__(self, *args, rows: list[ThresholdRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[row.key] = forms.DecimalField(
                label=row.label, max_digits=8, decimal_places=2, min_value=Decimal("0"),
                initial=row.value_text,
                error_messages={
                    "required": f"请填写“{row.label}”",
                    "invalid": f"“{row.label}”应为数字",
                    "min_value": f"“{row.label}”不能为负数",
                    "max_digits": f"“{row.label}”数值过大",
                    "max_decimal_places": f"“{row.label}”最多两位小数",
                    "max_whole_digits": f"“{row.label}”数值过大",
                },
            )

    def changed_values(self) -> dict[str, Decimal]:
        """{key: new value} for the thresholds whose value differs from the current one."""
        return {
            row.key: self.cleaned_data[row.key]
            for row in self.rows
            if self.cleaned_data[row.key] != row.value
        }

    def bound_rows(self):
        return [(row, self[row.key]) for row in self.rows]
