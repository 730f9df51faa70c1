"""The permission sweep of the admin: every admin URL × every role × every HTTP method.

The admin is for system administrators. Office staff and leaders read there; what they may still
change goes through a service with the web's checks (projects in their scope, thresholds and
kind settings by a leader, site visits). Everything else is changed by a superuser only.

Each registered model's changelist, add, change, delete and history views are requested for one
object of that model, and every other named admin URL (index, app lists, custom views, export,
password pages, …) is declared in SITE_URLS; a model or URL missing from the tables fails.
Every request runs in a savepoint rolled back after it, so a delete does not change the next case.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, reverse

from tests.trust.test_permission_sweep import METHODS, ROLES, _answer_attachment, _issued_letter, _user

pytestmark = pytest.mark.django_db

ADMIN_ROLES = [*ROLES, "superuser"]  # the sweep's roles and the system administrator ("admin")
STAFF = frozenset({"leader", "clerk", "clerk_eco", "superuser"})  # is_staff: the admin opens for them
SUPER = frozenset({"superuser"})
LEAD = frozenset({"leader", "superuser"})
NOBODY: frozenset[str] = frozenset()

OK, DENIED, LOGIN, NOT_ALLOWED = "ok", "denied", "login", "not_allowed"


@dataclass(frozen=True)
class ModelRule:
    """Who reaches each view of a model's admin (for the swept object)."""

    view: frozenset[str]  # changelist, history, and the change form read-only
    add: frozenset[str]
    change: frozenset[str]  # POST to the change form
    delete: frozenset[str]


READ_ONLY = ModelRule(view=STAFF, add=NOBODY, change=NOBODY, delete=NOBODY)
SUPERUSER_EDITS = ModelRule(view=STAFF, add=SUPER, change=SUPER, delete=SUPER)
SUPERUSER_ONLY = ModelRule(view=SUPER, add=SUPER, change=SUPER, delete=SUPER)
AXES = ModelRule(view=SUPER, add=NOBODY, change=SUPER, delete=SUPER)

MODELS: dict[str, ModelRule] = {
    "auth.group": SUPERUSER_ONLY,
    "auth.user": SUPERUSER_ONLY,
    "axes.accessattempt": AXES,
    "axes.accesslog": AXES,
    "axes.accessfailurelog": AXES,
    # the own project (侯马市, water domain): clerk_eco (ecology only) reads it and changes nothing
    "tracker.project": ModelRule(view=STAFF, add=STAFF, change=frozenset({"leader", "clerk", "superuser"}),
                                 delete=SUPER),
    "tracker.procedure": SUPERUSER_EDITS,
    "tracker.problem": SUPERUSER_EDITS,
    "tracker.monthlyplan": SUPERUSER_EDITS,
    "tracker.monitoringsection": SUPERUSER_EDITS,
    "tracker.sectionreading": SUPERUSER_EDITS,
    "tracker.administrativeunit": SUPERUSER_EDITS,
    "tracker.department": SUPERUSER_EDITS,
    "tracker.domain": SUPERUSER_EDITS,
    "tracker.basin": SUPERUSER_EDITS,
    "tracker.staffprofile": SUPERUSER_EDITS,  # finding 1: roles and scopes
    "tracker.weeklyreport": READ_ONLY,
    "tracker.rollbackrequest": READ_ONLY,
    "tracker.auditevent": ModelRule(view=LEAD, add=NOBODY, change=NOBODY, delete=NOBODY),  # finding 2
    "offices.documentkindsetting": ModelRule(view=STAFF, add=SUPER, change=LEAD, delete=SUPER),  # finding 3
    # 办理规则, 调度阈值, 公文联系人: a leader sets them (through the owning app's service); none is deleted
    "offices.officesetting": ModelRule(view=STAFF, add=LEAD, change=LEAD, delete=NOBODY),
    "notices.numbercounter": READ_ONLY,
    "notices.notice": ModelRule(view=STAFF, add=NOBODY, change=SUPER, delete=NOBODY),  # an issued letter
    "notices.noticeanswer": READ_ONLY,
    "dispatch.rulefiring": READ_ONLY,
    "dispatch.sitevisittask": ModelRule(view=STAFF, add=NOBODY, change=STAFF, delete=NOBODY),
    "dispatch.jobrun": READ_ONLY,
}
MODEL_VIEWS = ("changelist", "add", "change", "delete", "history")


@dataclass(frozen=True)
class SiteUrl:
    """Another named admin URL: who reaches it, with which methods (others: 405)."""

    roles: frozenset[str]
    methods: tuple[str, ...] = tuple(METHODS)
    args: str = ""  # "project", "user": the swept object whose pk the URL takes
    query: str = ""
    public: bool = False  # not behind the admin's login (its own login and logout pages)


EVERY_ADMIN_ROLE = frozenset(ADMIN_ROLES)
SITE_URLS: dict[str, SiteUrl] = {
    "index": SiteUrl(STAFF),
    "login": SiteUrl(EVERY_ADMIN_ROLE, methods=("GET", "POST", "PUT"), public=True),
    "logout": SiteUrl(EVERY_ADMIN_ROLE, methods=("POST",), public=True),
    "password_change": SiteUrl(STAFF, methods=("GET", "POST", "PUT")),
    "password_change_done": SiteUrl(STAFF, methods=("GET",)),
    "jsi18n": SiteUrl(STAFF, methods=("GET",)),
    "autocomplete": SiteUrl(STAFF, methods=("GET",),
                            query="app_label=tracker&model_name=procedure&field_name=project&term=LF"),
    "view_on_site": SiteUrl(NOBODY, args="view_on_site"),  # no model has a public page to jump to
    "app_list:auth": SiteUrl(SUPER),
    "app_list:axes": SiteUrl(SUPER),
    "app_list:offices": SiteUrl(STAFF),
    "app_list:tracker": SiteUrl(STAFF),
    "app_list:notices": SiteUrl(STAFF),
    "app_list:dispatch": SiteUrl(STAFF),
    "tracker_project_transition": SiteUrl(MODELS["tracker.project"].change, args="project"),
    "tracker_project_export": SiteUrl(STAFF),
    "tracker_weeklyreport_export": SiteUrl(STAFF),
    "auth_user_password_change": SiteUrl(SUPER, args="user"),
}


# --- the objects swept ---------------------------------------------------------------------------


def _swept_objects() -> dict:
    """One object per registered model, the one a clerk would aim at where it matters (its own
    profile, the own project); made here where the demo has none."""
    import datetime as dt

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from demo.notices import email_endpoints_from_demo_users
    from dispatch.models import JobRun, RuleFiring, SiteVisitTask
    from notices.models import NumberCounter
    from notices.services.arrangements import office_contact_set
    from offices.keys import LetterContactKey
    from offices.models import DocumentKindSetting, OfficeSetting
    from tracker import models as t

    email_endpoints_from_demo_users()
    clerk, leader = _user("clerk"), _user("leader")
    project = t.Project.objects.get(code="LF-2023-018")
    notice = _issued_letter("own")
    answer = _answer_attachment(notice, "own").answer
    office_contact_set(acting_user=leader, name="刘志强", phone="0357-2010002")
    axes_fields = {"user_agent": "巡检", "ip_address": "127.0.0.1", "username": "clerk", "http_accept": "*/*",
                   "path_info": "/accounts/login/"}
    firing = RuleFiring.objects.create(rule="sweep", subject=f"project:{project.pk}", period="2025-09",
                                       fired_on=dt.date(2025, 9, 29), facts="权限巡检", project=project,
                                       unit=project.unit)
    rollback = t.RollbackRequest(project=project, transition="reopen", from_state=project.state,
                                 project_version=project.version, reason="权限巡检", requested_by=clerk,
                                 requested_at=timezone.now())
    rollback.evidence.save("验收意见.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    rollback.save()
    problem = project.problems.order_by("pk").first() or t.Problem.objects.create(
        project=project, description="权限巡检问题", category=t.Problem._meta.get_field("category").choices[0][0],
        raised_on=dt.date(2025, 9, 1), raised_by=clerk)
    plan = project.monthly_plans.order_by("pk").first() or t.MonthlyPlan.objects.create(
        project=project, month=dt.date(2025, 10, 1), planned_progress_percent=50)
    return {
        "auth.group": Group.objects.order_by("pk").first(),
        "auth.user": clerk,
        "axes.accessattempt": AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1,
                                                          **axes_fields),
        "axes.accesslog": AccessLog.objects.create(**axes_fields),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**axes_fields),
        "tracker.project": project,
        "tracker.procedure": project.procedures.order_by("pk").first(),
        "tracker.problem": problem,
        "tracker.monthlyplan": plan,
        "tracker.monitoringsection": t.MonitoringSection.objects.order_by("pk").first(),
        "tracker.sectionreading": t.SectionReading.objects.order_by("pk").first(),
        "tracker.administrativeunit": project.unit,
        "tracker.department": project.lead_department,
        "tracker.domain": project.domain,
        "tracker.basin": t.Basin.objects.order_by("pk").first(),
        "tracker.staffprofile": clerk.staff_profile,
        "tracker.weeklyreport": project.weekly_reports.order_by("pk").first(),
        "tracker.rollbackrequest": rollback,
        "tracker.auditevent": t.AuditEvent.objects.order_by("-pk").first(),
        "offices.documentkindsetting": DocumentKindSetting.objects.get(kind=notice.kind),
        "offices.officesetting": OfficeSetting.objects.get(key=LetterContactKey.PHONE),
        "notices.numbercounter": NumberCounter.objects.order_by("pk").first(),
        "notices.notice": notice,
        "notices.noticeanswer": answer,
        "dispatch.rulefiring": firing,
        "dispatch.sitevisittask": SiteVisitTask.objects.create(
            firing=firing, project=project, visit_on=dt.date(2025, 10, 9), reason="权限巡检"),
        "dispatch.jobrun": JobRun.objects.create(job="sweep", run_date=dt.date(2025, 9, 29)),
    }


# --- the tables against the admin itself ---------------------------------------------------------


def _label(model) -> str:
    return model._meta.label_lower


def _named_admin_urls() -> set[str]:
    """Every named URL of the admin site, app lists by app."""
    names = set()
    for entry in admin.site.get_urls():
        patterns = entry.url_patterns if isinstance(entry, URLResolver) else [entry]
        for pattern in patterns:
            if isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)
    names.discard("app_list")
    return names | {f"app_list:{label}" for label in {m._meta.app_label for m in admin.site._registry}}


def _model_url_names() -> set[str]:
    return {f"{model._meta.app_label}_{model._meta.model_name}_{view}"
            for model in admin.site._registry for view in MODEL_VIEWS}


def test_every_admin_model_and_url_has_an_entry_in_the_tables():
    registered = {_label(model) for model in admin.site._registry}
    assert registered - set(MODELS) == set(), "这些后台模型没有在权限表中声明"
    assert set(MODELS) - registered == set(), "权限表中的这些后台模型已不存在"
    others = _named_admin_urls() - _model_url_names()
    assert others - set(SITE_URLS) == set(), "这些后台地址没有在权限表中声明"
    assert set(SITE_URLS) - others == set(), "权限表中的这些后台地址已不存在"


# --- the sweep -----------------------------------------------------------------------------------


def _classify(response) -> str:
    code = response.status_code
    if code in (301, 302, 303) and "/admin/login/" in response.get("Location", ""):
        return LOGIN
    if code in (403, 404):
        return DENIED
    if code == 405:
        return NOT_ALLOWED
    if code < 400 or code in (400, 409):
        return OK
    return f"error {code}"


def _expected(role: str, allowed: frozenset[str], method: str, methods=tuple(METHODS),
              public=False) -> set[str]:
    if role not in STAFF and not public:
        return {LOGIN}  # the admin sends everyone but staff to its login page, whatever the method
    if method not in methods:
        # The admin's own login and logout pages send a visitor who is not staff on to the login
        # page whatever the method; nothing is read or written there.
        return {NOT_ALLOWED, OK, LOGIN} if public and role not in STAFF else {NOT_ALLOWED}
    return {OK} if role in allowed else {DENIED}


def _login(client, role: str) -> None:
    user = _user("admin" if role == "superuser" else role)
    if user is not None:
        client.force_login(user)


def _stay_logged_in(client, role: str) -> None:
    if role != "anonymous" and not client.session.get("_auth_user_id"):
        _login(client, role)  # a logout ended the session; the next request needs it again


def _send(client, method: str, url: str, data: dict | None = None):
    """One request, rolled back afterwards (a delete or a save leaves the next case unchanged)."""
    with transaction.atomic():
        response = client.generic(method, url, urlencode(data or {}, doseq=True),
                                  content_type="application/x-www-form-urlencoded")
        transaction.set_rollback(True)
    return response


def _model_cases(label: str, rule: ModelRule, obj) -> list[tuple[str, str, frozenset[str], dict]]:
    """(url, method, roles allowed, data) for a model's five views and every method."""
    app, model = label.split(".")
    url = {view: reverse(f"admin:{app}_{model}_{view}",
                         args=[] if view in ("changelist", "add") else [obj.pk])
           for view in MODEL_VIEWS}
    cases = []
    for method in METHODS:
        cases.append((url["changelist"], method, rule.view, {}))
        cases.append((url["add"], method, rule.add, {}))
        cases.append((url["change"], method, rule.change if method == "POST" else rule.view, {}))
        cases.append((url["delete"], method, rule.delete, {"post": "yes"}))
        cases.append((url["history"], method, rule.view, {}))
    return cases


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_admin_model_sweep(client, demo_ledger, role):
    """Every registered model's five views × every method, as this role."""
    objects = _swept_objects()
    _login(client, role)
    mismatches, requests = [], 0
    for label, rule in MODELS.items():
        assert objects[label] is not None, f"{label}: no object to sweep"
        for url, method, allowed, data in _model_cases(label, rule, objects[label]):
            response = _send(client, method, url, data)
            _stay_logged_in(client, role)
            requests += 1
            outcome, expected = _classify(response), _expected(role, allowed, method)
            if outcome not in expected:
                mismatches.append(f"{method} {url} as {role}: got {response.status_code}, "
                                  f"expected {expected}")
    assert requests == len(MODELS) * len(MODEL_VIEWS) * len(METHODS)
    assert mismatches == [], "\n".join(mismatches)


def _site_url(name: str, site: SiteUrl, objects: dict) -> str:
    if name.startswith("app_list:"):
        return reverse("admin:app_list", kwargs={"app_label": name.split(":")[1]})
    if site.args == "view_on_site":
        from django.contrib.contenttypes.models import ContentType

        project = objects["tracker.project"]
        return reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(project).pk, project.pk])
    args = {"project": [objects["tracker.project"].pk], "user": [objects["auth.user"].pk]}.get(site.args, [])
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{site.query}" if site.query else url


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_admin_site_url_sweep(client, demo_ledger, role):
    """Every other named admin URL × every method, as this role."""
    objects = _swept_objects()
    _login(client, role)
    mismatches = []
    for name, site in SITE_URLS.items():
        url = _site_url(name, site, objects)
        for method in METHODS:
            response = _send(client, method, url)
            _stay_logged_in(client, role)
            outcome = _classify(response)
            expected = _expected(role, site.roles, method, site.methods, site.public)
            if outcome not in expected:
                mismatches.append(f"{method} {url} as {role}: got {response.status_code}, "
                                  f"expected {expected}")
    assert mismatches == [], "\n".join(mismatches)


def admin_sweep_figures() -> dict:
    """What the admin sweep covers (printed by the report): URLs, roles, methods, requests."""
    urls = len(MODELS) * len(MODEL_VIEWS) + len(SITE_URLS)
    return {"admin_urls": urls, "roles": len(ADMIN_ROLES), "methods": len(METHODS),
            "requests": urls * len(ADMIN_ROLES) * len(METHODS)}
