"""The calendar's pages: the rule thresholds (seen and changed by the office leader) and the
site-visit tasks (现场督导) the rules created.

Every change goes through dispatch.services.threshold_set, which checks the role and writes the
audit row (threshold.change) in the same transaction as the change.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch import selectors, services
from dispatch.forms import StartGateForm, ThresholdsForm
from dispatch.models import SiteVisitTask
from offices.keys import HandlingRuleKey, StartGateMode
from offices.selectors import office_setting
from tracker import permissions
from tracker.services import handling_rule_set


@login_required
@require_http_methods(["GET", "POST"])
def thresholds(request):
    permissions.require(permissions.is_office_leader(request.user), "调度阈值仅供专班办领导查看和调整")
    rows = selectors.threshold_rows()
    form = ThresholdsForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        changed = form.changed_values()
        if not changed:
            messages.info(request, "阈值没有变化，未作修改")
            return redirect("dispatch:thresholds")
        try:
            # All of the form's changes or none, checked together (yellow below red).
            services.thresholds_set(changes=changed, acting_user=request.user)
        except ValidationError as error:
            for message in getattr(error, "messages", [str(error)]):
                form.add_error(None, message)
        else:
            labels = "、".join(row.label.split("：", 1)[-1] for row in rows if row.key in changed)
            messages.success(request, f"已调整 {len(changed)} 项阈值（{labels}），修改已记入审计日志")
            return redirect("dispatch:thresholds")
    return render(request, "dispatch/thresholds.html", {
        "form": form, "rows": form.bound_rows(),
        "start_gate_form": StartGateForm(
            initial={"mode": office_setting(HandlingRuleKey.START_EARLIER_PROCEDURES)}),
    })


@login_required
@require_POST
def office_settings(request):
    """The leader's choice for 开工 with unsettled earlier procedures: refuse, or warn and record."""
    permissions.require(permissions.is_office_leader(request.user), "只有专班办领导可以调整办理规则")
    form = StartGateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("dispatch:thresholds")
    try:
        handling_rule_set(key=HandlingRuleKey.START_EARLIER_PROCEDURES, value=form.cleaned_data["mode"],
                          acting_user=request.user)
    except ValidationError as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    else:
        label = StartGateMode(form.cleaned_data["mode"]).label
        messages.success(request, f"已设置：前期手续未办结时{label}，修改已记入审计日志")
    return redirect("dispatch:thresholds")


@login_required
@require_GET
def site_visits(request):
    permissions.require(permissions.is_office_staff(request.user), "现场督导任务仅供专班办人员查看")
    tasks = SiteVisitTask.objects.select_related("project", "owner").order_by("status", "visit_on")
    return render(request, "dispatch/site_visits.html", {"tasks": tasks})
