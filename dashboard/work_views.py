"""The landing pages that are nothing but a work queue: the clerk's, the department liaison's
and the city leader's (the county's and the office leader's pages add theirs to what they had)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.queues import queues_for_request
from tracker import permissions
from tracker.choices import Role


def _work_page(request, *, role: str, refusal: str, title: str, intro: str):
    permissions.require(permissions.role_of(request.user) == role, refusal)
    profile = getattr(request.user, "staff_profile", None)
    return render(request, "dashboard/work_home.html", {
        "queues": queues_for_request(request, with_watch_lists=True),
        "title": title, "intro": intro, "profile": profile,
    })


@login_required
@require_GET
def office_home(request):
    """专班办工作人员: letters to check and follow up, late recipients, unreported projects, lights."""
    return _work_page(request, role=Role.CLERK, refusal="该页面仅供专班办工作人员使用", title="专班办工作台",
                      intro="待核稿、待签发、待审核的公文，逾期未签收或未反馈的单位，本周未报和红灯项目。")


@login_required
@require_GET
def department_home(request):
    """市直部门联络员: the department's letters and the weekly report of the projects it leads."""
    profile = getattr(request.user, "staff_profile", None)
    name = profile.department.name if profile is not None and profile.department_id else "本部门"
    return _work_page(request, role=Role.DEPARTMENT_LIAISON, refusal="该页面仅供市直部门联络员使用",
                      title=f"{name}工作台", intro="本部门牵头项目的周调度填报、收文签收和整改反馈。")


@login_required
@require_GET
def city_home(request):
    """市领导: problems lifted to 市政府 awaiting a 批示, the reports sent to 市政府, red lights."""
    return _work_page(request, role=Role.CITY_LEADER, refusal="该页面仅供市领导使用", title="市领导工作台",
                      intro="提请市政府协调、待批示的问题，报市政府的周调度报告和月度通报，红灯项目。")
