"""The audit log for office leaders: read and export, never edit."""
from __future__ import annotations

import csv
import datetime as dt
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.spreadsheet_cells import cell_value_safe
from tracker.audit.display import audit_rows_describe, state_label
from tracker.choices import AuditAction
from tracker.models import AdministrativeUnit
from tracker.selectors import audit_event_list


class AuditFilterForm(forms.Form):
    user = forms.CharField(label="操作人", required=False, max_length=100)
    unit = forms.ChoiceField(label="县(市、区)", required=False)
    project = forms.CharField(label="项目编号或名称", required=False, max_length=100)
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "全部")] + list(AuditAction.choices))
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [
            ("", "全部"), *AdministrativeUnit.objects.values_list("code", "name")
        ]


class _Echo:
    def write(self, value):
        return value


def _filters(request) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, {k: v for k, v in form.cleaned_data.items() if v}
    return form, {}


@login_required
@require_GET
def audit_log(request):
    form, filters = _filters(request)
    events = audit_event_list(user=request.user, filters=filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    page.object_list = audit_rows_describe(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
@require_GET
def audit_log_export(request) -> StreamingHttpResponse:
    _form, filters = _filters(request)
    events = audit_event_list(user=request.user, filters=filters)
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"  # BOM so that Excel opens the Chinese text as UTF-8
        yield writer.writerow(["时间", "操作人", "操作", "项目编号", "项目名称", "县(市、区)", "原状态", "新状态", "生效日期", "原因/说明"])
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow([cell_value_safe(value) for value in [
                timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_name,
                event.get_action_display(),
                event.project.code if event.project else "",
                event.project.name if event.project else "",
                event.unit.name if event.unit else "",
                state_label(event, event.from_state),
                state_label(event, event.to_state),
                event.effective_on.isoformat() if event.effective_on else "",
                event.reason,
            ]])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    filename = f"审计日志_{dt.date.today():%Y%m%d}.csv"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
