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

ROLES = ["anonymous", "leader", "clerk", "clerk_eco", "cityleader", "dept_water", "county_houma", "county_yaodu"]
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
    kwargs: Callable[[str], dict] | None = None  # "own"/"other" → URL kwargs
    public: bool = False
    skip_reason: str = ""  # a route swept elsewhere (the admin, say); must say where
    extra: dict = field(default_factory=dict)


EVERYONE = frozenset(ROLES) - {"anonymous"}
OFFICE = frozenset({"leader", "clerk", "clerk_eco"})
LEADERS = frozenset({"leader"})


# ------------------------------------------------------------------------------------------
# THE TABLE. Every named route of the project has exactly one entry.
# ------------------------------------------------------------------------------------------
ROUTES: dict[str, Route] = {
    "login": Route(methods=("GET", "POST"), public=True),
    "logout": Route(methods=("POST",), own=EVERYONE),
    "audit:log": Route(own=LEADERS),
    "audit:export": Route(own=LEADERS),
}


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
    if code == 400:
        return OK  # the route was reached; the (empty) input was refused
    return f"error {code}"


def _expected(route: Route, role: str, whose: str, method: str) -> set[str]:
    if method not in route.methods:
        return {NOT_ALLOWED, DENIED, LOGIN} if role == "anonymous" else {NOT_ALLOWED, DENIED}
    if route.public:
        return {OK}
    if role == "anonymous":
        return {LOGIN}
    allowed = route.own if whose == "own" or route.other is None else route.other
    return {OK} if role in allowed else {DENIED}


def sweep_cases():
    for name in sorted(ROUTES):
        for role in ROLES:
            for whose in ("own", "other"):
                yield name, role, whose


@pytest.mark.parametrize("name,role,whose", list(sweep_cases()))
def test_permission_sweep(client, demo_ledger, name, role, whose):
    route = ROUTES[name]
    if route.skip_reason:
        pytest.fail(f"{name}: {route.skip_reason}")  # never silently skipped
    if route.kwargs is None and whose == "other":
        return  # a route without an object has no "other" case; the "own" case covers it
    user = _user(role)
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=route.kwargs(whose) if route.kwargs else None)
    for method in METHODS:
        response = client.generic(method, url, **route.extra)
        outcome = _classify(response)
        expected = _expected(route, role, whose, method)
        assert outcome in expected, f"{method} {url} as {role} ({whose}): got {response.status_code}, expected {expected}"
        if user is not None and not client.session.get("_auth_user_id"):
            client.force_login(user)  # logout ended the session; the next method needs it again


def _admin_urls() -> list[str]:
    return [reverse("admin:index"), reverse("admin:tracker_project_changelist"),
            reverse("admin:tracker_auditevent_changelist")]


@pytest.mark.parametrize("role", ROLES)
def test_admin_is_for_office_staff_only(client, demo_ledger, role):
    user = _user(role)
    if user is not None:
        client.force_login(user)
    for url in _admin_urls():
        response = client.get(url)
        if role in OFFICE:
            assert response.status_code == 200, f"{role} {url}"
        else:
            assert response.status_code == 302 and "/admin/login/" in response["Location"], f"{role} {url}"

