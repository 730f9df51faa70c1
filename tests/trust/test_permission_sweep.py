"""The permission sweep: every route × every role × own/other object × every HTTP method.

The expected answer for each (role, route, own/other) is declared once, in ROUTES below. A
route the project defines without an entry here fails the sweep, so a new page cannot ship
without deciding who may reach it.

Roles: anonymous, office leader, clerk, ecology-only clerk, city leader, department liaison
(市水利局), and county liaisons of two different units (侯马市 = "own" unit, 尧都区 = another).
"Own" objects belong to 侯马市 and the water domain; "other" objects to 尧都区 outside it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "leader", "clerk", "clerk_eco", "cityleader", "dept_water", "county_houma",
         "county_yaodu"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

# What each kind of answer may look like.
OK = "ok"  # the page or file is served (2xx, or a redirect after a successful POST)
DENIED = "denied"  # 403, or 404 where not even the existence of the object is revealed
LOGIN = "login"  # redirect to the login page
NOT_ALLOWED = "not_allowed"  # 405 for a method the route does not take (or 403 before it)


@dataclass
class Route:
    """Who may reach a route: the roles allowed on own objects and on others' objects."""

    methods: tuple[str, ...] = ("GET",)
    own: frozenset[str] = frozenset()
    other: frozenset[str] | None = None  # None: same as own (routes with no object)
    kwargs: Callable[[SweepObjects, str], dict] | None = None  # (objects, "own"/"other") → URL kwargs
    public: bool = False
    lands_on_login: bool = False  # success itself ends on the login page (logout)
    skip_reason: str = ""  # a route swept elsewhere (the admin, say); must say where
    extra: dict = field(default_factory=dict)


EVERYONE = frozenset(ROLES) - {"anonymous"}
OFFICE = frozenset({"leader", "clerk", "clerk_eco"})
LEADERS = frozenset({"leader"})


# ------------------------------------------------------------------------------------------
# The objects swept. "Own" objects belong to 侯马市 and the water domain (市水利局 leads);
# "other" objects to 尧都区 in the ecology domain (市生态环境局 leads). Notices and
# attachments are made only for the routes that need them.
# ------------------------------------------------------------------------------------------
OWN_PROJECT, OTHER_PROJECT = "LF-2023-018", "LF-2023-002"


class SweepObjects:
    """The own/other object behind each route, created on first use inside the test's transaction."""

    def __init__(self, role: str):
        self.role = role
        self._cache: dict = {}

    def _once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def project(self, whose: str):
        from tracker.models import Project

        return Project.objects.get(code=OWN_PROJECT if whose == "own" else OTHER_PROJECT)

    def problem(self, whose: str):
        return self._once(("problem", whose), lambda: self.project(whose).problems.order_by("pk").first())

    def notice(self, whose: str):
        return self._once(("notice", whose), lambda: _issued_letter(whose))

    def attachment(self, whose: str):
        return self._once(("attachment", whose), lambda: _answer_attachment(self.notice(whose), whose))

    def import_token(self, whose: str):
        """An upload by the requesting user ("own") or by someone else ("other")."""
        owner = self.role if whose == "own" and self.role != "anonymous" else (
            "clerk" if self.role != "clerk" else "leader")
        return self._once(("import", whose), lambda: _upload_folder(owner))


def _issued_letter(whose: str):
    from demo.notices import email_endpoints_from_demo_users
    from notices import services
    from notices.models import NoticeKind
    from tracker.models import AdministrativeUnit, Department

    email_endpoints_from_demo_users()
    clerk, leader = _user("clerk"), _user("leader")
    unit = AdministrativeUnit.objects.get(code="houma" if whose == "own" else "yaodu")
    departments = [Department.objects.get(code="water_bureau")] if whose == "own" else []
    notice = services.notice_draft_create(
        kind=NoticeKind.SUPERVISION, title=f"关于{unit.name}工程进度滞后的督办函", recipient_units=[unit],
        recipient_departments=departments,
        context={"reason": "权限巡检", "items": [], "requirements": "请于反馈期限前报送整改情况。"},
        source_key=f"sweep:{whose}", acting_user=clerk,
    )
    services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)
    return services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)


def _answer_attachment(notice, whose: str):
    from notices import services

    liaison = _user("county_houma" if whose == "own" else "county_yaodu")
    services.notice_acknowledge(notice_id=notice.pk, acting_user=liaison)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    answer = services.notice_answer(notice_id=notice.pk, acting_user=liaison, text="已整改",
                                    files=[services.UploadedAttachment(name="整改报告.pdf", content=pdf)])
    return answer.attachments.get()


def _upload_folder(owner: str) -> str:
    import json
    import secrets
    from pathlib import Path

    from django.conf import settings

    token = secrets.token_hex(24)
    folder = Path(settings.MEDIA_ROOT) / "ledger_imports" / token
    folder.mkdir(parents=True)
    (folder / "upload.bin").write_bytes(b"not a spreadsheet")
    (folder / "result.json").write_text(json.dumps({"created": 0, "updated": 0}), encoding="utf-8")
    (folder / "meta.json").write_text(json.dumps({
        "user_id": _user(owner).pk, "kind": "weekly", "file_name": "周调度.xlsx", "week": None,
        "uploaded_at": "2025-03-03T09:00:00+08:00"}), encoding="utf-8")
    return token


def project_kwargs(objects: SweepObjects, whose: str) -> dict:
    return {"project_id": objects.project(whose).pk}


def problem_kwargs(objects: SweepObjects, whose: str) -> dict:
    return {"problem_id": objects.problem(whose).pk}


def city_problem_kwargs(objects: SweepObjects, whose: str) -> dict:
    """A problem at the 市政府 level (the only ones a 市领导 may instruct on)."""
    from tracker.models import Problem

    problem = objects.problem(whose)
    Problem.objects.filter(pk=problem.pk).update(level="city", status="open")
    return {"problem_id": problem.pk}


def notice_kwargs(objects: SweepObjects, whose: str) -> dict:
    return {"notice_id": objects.notice(whose).pk}


def attachment_kwargs(objects: SweepObjects, whose: str) -> dict:
    return {"attachment_id": objects.attachment(whose).pk}


def token_kwargs(objects: SweepObjects, whose: str) -> dict:
    return {"token": objects.import_token(whose)}


# Who may reach what, by role.
ALL_OFFICE_AND_READERS = frozenset({"leader", "clerk", "clerk_eco", "cityleader"})
OWN_PROJECT_READERS = ALL_OFFICE_AND_READERS | {"dept_water", "county_houma"}
OTHER_PROJECT_READERS = ALL_OFFICE_AND_READERS | {"county_yaodu"}
# clerk_eco works on the ecology domain only: the other (ecology) project, not the own (water) one.
OWN_REPORTERS = frozenset({"leader", "clerk", "dept_water", "county_houma"})
OTHER_REPORTERS = frozenset({"leader", "clerk", "clerk_eco", "county_yaodu"})
OWN_EDITORS = frozenset({"leader", "clerk"})
OTHER_EDITORS = frozenset({"leader", "clerk", "clerk_eco"})
OWN_NOTICE_READERS = OFFICE | {"dept_water", "county_houma"}
OTHER_NOTICE_READERS = OFFICE | {"county_yaodu"}
UPLOADERS = OFFICE | {"dept_water", "county_houma", "county_yaodu"}
NOBODY = frozenset()

# ------------------------------------------------------------------------------------------
# THE TABLE. Every named route of the project has exactly one entry.
# ------------------------------------------------------------------------------------------
ROUTES: dict[str, Route] = {
    # --- accounts, health, audit
    "login": Route(methods=("GET", "POST"), public=True),
    "logout": Route(methods=("POST",), own=EVERYONE, lands_on_login=True),
    "healthz": Route(public=True),  # anonymous callers learn only ok / not ok (tests/deploy/test_health.py)
    "password_change": Route(methods=("GET", "POST"), own=EVERYONE),  # one's own password
    "password_change_done": Route(own=EVERYONE),
    "audit:log": Route(own=LEADERS),
    "audit:export": Route(own=LEADERS),
    # --- portfolio pages
    "home": Route(own=EVERYONE),
    "dashboard:dashboard": Route(own=EVERYONE),
    "dashboard:data": Route(own=EVERYONE),  # the maps' JSON, scoped like the page
    "dashboard:ledger": Route(own=EVERYONE),
    "dashboard:search": Route(own=EVERYONE),
    "dashboard:escalated_problems": Route(own=EVERYONE),
    "dashboard:leader_home": Route(own=LEADERS),
    "dashboard:unit_home": Route(methods=("GET", "POST"), own=frozenset({"county_houma", "county_yaodu"})),
    "dashboard:office_home": Route(own=frozenset({"clerk", "clerk_eco"})),
    "dashboard:department_home": Route(own=frozenset({"dept_water"})),
    "dashboard:city_home": Route(own=frozenset({"cityleader"})),
    "dispatch:site_visits": Route(own=OFFICE),
    "tracker:project": Route(own=OWN_PROJECT_READERS, other=OTHER_PROJECT_READERS, kwargs=project_kwargs),
    "tracker:weekly_report": Route(methods=("GET", "POST"), own=OWN_REPORTERS, other=OTHER_REPORTERS,
                                   kwargs=project_kwargs),
    "tracker:transition": Route(methods=("POST",), own=OWN_EDITORS, other=OTHER_EDITORS,
                                kwargs=project_kwargs),
    "tracker:problem_raise": Route(methods=("POST",), own=OWN_REPORTERS, other=OTHER_REPORTERS,
                                   kwargs=project_kwargs),
    "tracker:problem_escalate": Route(methods=("POST",), own=OFFICE, other=OFFICE, kwargs=problem_kwargs),
    "tracker:problem_instruct": Route(methods=("POST",), own=frozenset({"cityleader"}),
                                      other=frozenset({"cityleader"}), kwargs=city_problem_kwargs),
    "tracker:problem_resolve": Route(methods=("POST",), own=OWN_EDITORS, other=OTHER_EDITORS,
                                     kwargs=problem_kwargs),
    # --- notices (the own letter goes to 侯马市 and 市水利局, the other to 尧都区)
    "notices:list": Route(own=EVERYONE),  # liaisons are sent on to their inbox
    "notices:inbox": Route(own=EVERYONE),
    "notices:detail": Route(own=OWN_NOTICE_READERS, other=OTHER_NOTICE_READERS, kwargs=notice_kwargs),
    "notices:pdf": Route(own=OWN_NOTICE_READERS, other=OTHER_NOTICE_READERS, kwargs=notice_kwargs),
    "notices:acknowledge": Route(methods=("POST",), own=frozenset({"dept_water", "county_houma"}),
                                 other=frozenset({"county_yaodu"}), kwargs=notice_kwargs),
    "notices:answer": Route(methods=("POST",), own=frozenset({"dept_water", "county_houma"}),
                            other=frozenset({"county_yaodu"}), kwargs=notice_kwargs),
    "notices:close": Route(methods=("POST",), own=OFFICE, other=OFFICE, kwargs=notice_kwargs),
    "notices:return": Route(methods=("POST",), own=OFFICE, other=OFFICE, kwargs=notice_kwargs),
    "notices:sign": Route(methods=("POST",), own=LEADERS, other=LEADERS, kwargs=notice_kwargs),
    "notices:void": Route(methods=("POST",), own=OFFICE, other=OFFICE, kwargs=notice_kwargs),
    "notices:attachment": Route(own=OFFICE | {"county_houma"}, other=OFFICE | {"county_yaodu"},
                                kwargs=attachment_kwargs),
    # --- ledgers
    "ledgers:index": Route(own=EVERYONE),
    "ledgers:download": Route(own=ALL_OFFICE_AND_READERS | {"dept_water"}, kwargs=lambda objects, whose: {
        "kind": "master"}),
    "ledgers:weekly_template": Route(own=UPLOADERS),  # 400 without a unit: reached
    "ledgers:oc4ids": Route(own=ALL_OFFICE_AND_READERS),
    "ledgers:upload": Route(methods=("POST",), own=UPLOADERS),  # 400 for the empty form: reached
    # An upload belongs to the user who made it; nobody else reaches it.
    "ledgers:preview": Route(own=UPLOADERS, other=NOBODY, kwargs=token_kwargs),
    "ledgers:confirm": Route(methods=("POST",), own=UPLOADERS, other=NOBODY, kwargs=token_kwargs),
    "ledgers:progress": Route(own=UPLOADERS, other=NOBODY, kwargs=token_kwargs),
    "ledgers:result": Route(own=UPLOADERS, other=NOBODY, kwargs=token_kwargs),
    # --- routes added with later pages go below this line
    # --- role pages: project edits, rollback requests and approvals, rule thresholds
    "tracker:procedure_update": Route(methods=("POST",), own=OWN_EDITORS, other=OTHER_EDITORS,
                                      kwargs=project_kwargs),
    "tracker:monthly_plan_save": Route(methods=("POST",), own=OWN_EDITORS, other=OTHER_EDITORS,
                                       kwargs=project_kwargs),
    "tracker:rollback_request": Route(methods=("POST",), own=OWN_EDITORS, other=OTHER_EDITORS,
                                      kwargs=project_kwargs),
    # A pending request on the own/other project; only an office leader decides either.
    "tracker:rollback_approve": Route(
        methods=("POST",), own=LEADERS, other=LEADERS,
        kwargs=lambda objects, whose: {"request_id": _sweep_rollback(objects, whose)},
    ),
    "tracker:rollback_reject": Route(
        methods=("POST",), own=LEADERS, other=LEADERS,
        kwargs=lambda objects, whose: {"request_id": _sweep_rollback(objects, whose)},
    ),
    "tracker:rollback_evidence": Route(
        own=OFFICE, other=OFFICE,
        kwargs=lambda objects, whose: {"request_id": _sweep_rollback(objects, whose)},
    ),
    "dispatch:thresholds": Route(methods=("GET", "POST"), own=LEADERS),
    # --- end of the role pages' block
    # --- a procedure's 批复文件, for whoever reads the project
    "tracker:procedure_approval_file": Route(own=OWN_PROJECT_READERS, other=OTHER_PROJECT_READERS,
                                             kwargs=lambda objects, whose: {
                                                 "procedure_id": _sweep_approval(objects, whose)}),
    "dispatch:office_settings": Route(methods=("POST",), own=LEADERS),
    # --- a transition's evidence (开工令, 达效佐证 …), for whoever reads the project
    "tracker:audit_evidence": Route(
        own=OWN_PROJECT_READERS, other=OTHER_PROJECT_READERS,
        kwargs=lambda objects, whose: {"event_id": _sweep_evidence(objects, whose)},
    ),
    # --- outreach: the leader configures the channels, the office reads what was sent
    "outreach:channels": Route(methods=("GET", "POST"), own=LEADERS),
    "outreach:endpoint_toggle": Route(methods=("POST",), own=LEADERS,
                                      kwargs=lambda objects, whose: {"endpoint_id": _sweep_endpoint()}),
    "outreach:outbox": Route(own=OFFICE),
    # A message's own link (its receipt): whoever is logged in is forwarded to the item, whose page
    # decides; only the message's recipient marks it read (tests/outreach/test_receipts.py).
    "outreach:open": Route(own=EVERYONE, other=EVERYONE,
                           kwargs=lambda objects, whose: {"token": _sweep_message_token(objects, whose)}),
    # --- 拟稿 → 核稿 → 签发 (drafts are the office's; the leader signs and sets the kinds)
    "notices:new": Route(methods=("GET", "POST"), own=OFFICE),
    "notices:desk": Route(own=OFFICE),
    "notices:sign_batch": Route(methods=("POST",), own=LEADERS),
    "notices:kinds": Route(methods=("GET", "POST"), own=LEADERS),
    "notices:edit": Route(methods=("GET", "POST"), own=OFFICE, other=OFFICE,
                          kwargs=lambda objects, whose: {"notice_id": _sweep_draft(objects, whose)}),
    "notices:submit": Route(methods=("POST",), own=OFFICE, other=OFFICE,
                            kwargs=lambda objects, whose: {"notice_id": _sweep_draft(objects, whose)}),
    "notices:review": Route(methods=("POST",), own=OFFICE, other=OFFICE,
                            kwargs=lambda objects, whose: {"notice_id": _sweep_draft(objects, whose)}),
    "notices:send_back": Route(methods=("POST",), own=LEADERS, other=LEADERS,
                               kwargs=lambda objects, whose: {"notice_id": _sweep_draft(objects, whose)}),
    "notices:preview": Route(own=OFFICE, other=OFFICE,
                             kwargs=lambda objects, whose: {"notice_id": _sweep_draft(objects, whose)}),
    "notices:file": Route(own=OWN_NOTICE_READERS, other=OTHER_NOTICE_READERS,
                          kwargs=lambda objects, whose: {"file_id": _sweep_letter_file(objects, whose)}),
}


def _sweep_draft(objects: SweepObjects, whose: str) -> int:
    """A hand-written draft to 侯马市 ("own") or 尧都区 ("other")."""
    def make():
        from notices.services import hand_drafting
        from tracker.models import AdministrativeUnit

        unit = AdministrativeUnit.objects.get(code="houma" if whose == "own" else "yaodu")
        return hand_drafting.notice_hand_draft(acting_user=_user("clerk"), data=hand_drafting.DraftInput(
            kind="general_notice", title=f"关于{unit.name}报送材料的通知", body="请按时报送。", unit_ids=[unit.pk])).pk

    return objects._once(("draft", whose), make)


def _sweep_letter_file(objects: SweepObjects, whose: str) -> int:
    """A file the office attached to the issued own/other letter."""
    def make():
        from django.core.files.base import ContentFile

        from notices.models import NoticeFile

        return NoticeFile.objects.create(notice=objects.notice(whose), title="工程清单", original_name="清单.pdf",
                                         size=9, file=ContentFile(b"%PDF-1.4\n", name="清单.pdf")).pk

    return objects._once(("letter_file", whose), make)


def _sweep_endpoint() -> int:
    """A 企业微信 robot of 侯马市 (its key's environment variable need not be set)."""
    from outreach.models import Endpoint
    from tracker.models import AdministrativeUnit

    endpoint, _ = Endpoint.objects.get_or_create(
        channel="wecom", scope="unit", unit=AdministrativeUnit.objects.get(code="houma"), label="侯马市工作群",
        defaults={"token_env": "YIHONG_WECOM_KEY_HOUMA"},
    )
    return endpoint.pk


def _sweep_message_token(objects: SweepObjects, whose: str) -> str:
    """The token of the 企业微信 announcement of the own/other letter to its unit."""
    import datetime as dt

    from outreach.models import Endpoint, Message
    from tracker.models import AdministrativeUnit

    def make():
        unit = AdministrativeUnit.objects.get(code="houma" if whose == "own" else "yaodu")
        endpoint, _ = Endpoint.objects.get_or_create(channel="wecom", scope="unit", unit=unit,
                                                     label=f"{unit.name}工作群", defaults={"token_env": "K"})
        notice = objects.notice(whose)
        return Message.objects.create(
            kind="new_letter", subject=f"notice:{notice.pk}", endpoint=endpoint, channel="wecom",
            due_on=dt.date(2025, 9, 30), planned_on=dt.date(2025, 9, 30), notice=notice,
            recipient_name=unit.name, title="【一泓】新公文", text="权限巡检",
            link=f"https://yihong.example.gov.cn/notices/{notice.pk}/",
        ).token

    return objects._once(("message", whose), make)


def _sweep_evidence(objects: SweepObjects, whose: str) -> int:
    """An audit row of the own/other project holding a transition's evidence (a photo of the site)."""
    from django.core.files.base import ContentFile

    from core.actors import SYSTEM
    from tracker.choices import AuditAction
    from tracker.services import audit_record

    def make():
        return audit_record(
            action=AuditAction.PROJECT_TRANSITION, acting_user=SYSTEM, project=objects.project(whose),
            object_type="project", object_id=objects.project(whose).pk, reason="权限巡检",
            evidence=ContentFile(b"\x89PNG\r\n\x1a\n0000", name="现场照片.png"),
        )

    return objects._once(("evidence", whose), make).pk


def _sweep_rollback(objects: SweepObjects, whose: str) -> int:
    """A pending rollback request on the own/other project, filed by the clerk (made directly: the
    sweep is about who reaches the route, not about the project's state)."""
    from django.core.files.base import ContentFile

    from tracker.models import RollbackRequest

    def make():
        project = objects.project(whose)
        rollback = RollbackRequest(
            project=project, transition="reopen", from_state=project.state, project_version=project.version,
            reason="权限巡检", requested_by=_user("clerk"), requested_at="2025-09-29T09:00:00+08:00",
        )
        rollback.evidence.save("验收意见.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        rollback.save()
        return rollback

    return objects._once(("rollback", whose), make).pk


def _sweep_approval(objects: SweepObjects, whose: str) -> int:
    """A procedure of the own/other project holding a 批复文件."""
    from django.core.files.base import ContentFile

    from tracker.models import Procedure

    def make():
        procedure, _ = Procedure.objects.get_or_create(project=objects.project(whose),
                                                       kind="project_approval")
        procedure.approval_file.save("批复.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
        return procedure

    return objects._once(("approval", whose), make).pk


def _collect(patterns, prefix: str = "", namespace: str | None = None) -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            if ns == "admin":
                continue  # the admin has its own login and permission system (swept below)
            found += _collect(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}:{entry.name}" if namespace else entry.name, entry))
    return found


def project_routes() -> dict[str, URLPattern]:
    return dict(_collect(get_resolver().url_patterns))


def test_every_route_has_an_entry_in_the_table():
    missing = sorted(set(project_routes()) - set(ROUTES))
    stale = sorted(set(ROUTES) - set(project_routes()))
    assert not missing, f"这些路由没有在权限表中声明：{missing}"
    assert not stale, f"权限表中的这些路由已不存在：{stale}"


def _user(username):
    if username == "anonymous":
        return None
    return get_user_model().objects.get(username=username)


def _classify(response) -> str:
    code = response.status_code
    if code in (301, 302, 303) and "/accounts/login/" in response.get("Location", ""):
        return LOGIN
    if code in (403, 404):
        return DENIED
    if code == 405:
        return NOT_ALLOWED
    if code < 400:
        return OK
    if code in (400, 409):
        return OK  # the route was reached; the (empty or bad) input was refused
    return f"error {code}"


def _expected(route: Route, role: str, whose: str, method: str) -> set[str]:
    if method not in route.methods:
        return {NOT_ALLOWED, DENIED, LOGIN} if role == "anonymous" else {NOT_ALLOWED, DENIED}
    if route.public:
        return {OK}
    if role == "anonymous":
        return {LOGIN}
    allowed = route.own if whose == "own" or route.other is None else route.other
    if role not in allowed:
        return {DENIED}
    return {OK, LOGIN} if route.lands_on_login else {OK}


def sweep_cases():
    """Every route × role, for the user's own objects and, where the route takes an object,
    another unit's: a route without an object has no "other" case, so none is generated (every
    generated case asserts)."""
    for name in sorted(ROUTES):
        for role in ROLES:
            for whose in ("own", "other") if ROUTES[name].kwargs else ("own",):
                yield name, role, whose


@pytest.mark.parametrize("name,role,whose", list(sweep_cases()))
def test_permission_sweep(client, demo_ledger, name, role, whose):
    route = ROUTES[name]
    if route.skip_reason:
        pytest.fail(f"{name}: {route.skip_reason}")  # never silently skipped
    user = _user(role)
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=route.kwargs(SweepObjects(role), whose) if route.kwargs else None)
    for method in METHODS:
        response = client.generic(method, url, **route.extra)
        outcome = _classify(response)
        expected = _expected(route, role, whose, method)
        assert outcome in expected, (f"{method} {url} as {role} ({whose}): got {response.status_code}, "
                                     f"expected {expected}")
        if user is not None and not client.session.get("_auth_user_id"):
            client.force_login(user)  # logout ended the session; the next method needs it again


# The admin's own sweep — every admin URL (each model's changelist/add/change/delete/history and
# every other named admin URL) × every role (and the superuser) × every method, against its own
# expected-outcome table — is tests/trust/test_admin_sweep.py.

