"""The city leader's 批示 on an escalated problem (a form on the project page and on the
escalated problems' list)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.refusals import flash_refusal
from tracker import permissions, services
from tracker.models import Problem


@login_required
@require_POST
def problem_instruct(request, problem_id: int):
    problem = Problem.objects.select_related("project").filter(pk=problem_id).first()
    if problem is None or not permissions.can_view_project(request.user, problem.project):
        raise Http404("问题不存在或您无权查看")  # the same answer either way: an id's existence is not told
    permissions.require(
        permissions.can_instruct(request.user, problem), "只有市领导可以对提请市政府协调的问题作出批示"
    )
    try:
        services.problem_instruct(
            problem_id=problem.pk, acting_user=request.user, text=request.POST.get("text", ""))
    except ValidationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, "批示已送专班办和责任单位，并列入下一期周调度报告")
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False)
    if back and safe:
        return redirect(back)
    return redirect(f"{reverse('tracker:project', args=[problem.project_id])}#problem-{problem.pk}")
