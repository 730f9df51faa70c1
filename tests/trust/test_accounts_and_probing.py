"""Users change their own password, an administrator resets one, and the
answer for another unit's project is the same as for an id that does not exist."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from tracker.models import AuditEvent, Project

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fenhe-Qingshui-2025"


def test_a_county_liaison_changes_its_own_password_from_the_nav(client, county_liaison):
    from demo.ledger.people import DEMO_PASSWORD

    # given
    client.force_login(county_liaison)
    home = client.get(reverse("dashboard:dashboard")).content.decode()
    page = client.get(reverse("password_change"))
    # when
    response = client.post(reverse("password_change"), {
        "old_password": DEMO_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then: the nav links the page, the page is Chinese, the password changed and is on record
    assert reverse("password_change") in home
    assert page.status_code == 200 and "修改密码" in page.content.decode() and "原密码" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    county_liaison.refresh_from_db()
    assert county_liaison.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(actor=county_liaison, object_type="user", reason="修改本人登录密码").exists()
    assert "密码已修改" in client.get(reverse("password_change_done")).content.decode()


def test_a_wrong_old_password_changes_nothing_and_says_why_in_chinese(client, county_liaison):
    from demo.ledger.people import DEMO_PASSWORD

    # given
    client.force_login(county_liaison)
    # when
    response = client.post(reverse("password_change"), {
        "old_password": "not-the-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then
    assert response.status_code == 200 and "原密码" in response.content.decode()
    county_liaison.refresh_from_db()
    assert county_liaison.check_password(DEMO_PASSWORD)


def test_an_administrator_resets_a_password_in_the_admin_and_a_clerk_cannot(client, clerk, county_liaison):
    # given
    url = reverse("admin:auth_user_password_change", args=[county_liaison.pk])
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    # when: a clerk tries, then the system administrator
    client.force_login(clerk)
    refused = client.post(url, data)
    client.force_login(get_user_model().objects.get(username="admin"))
    reset = client.post(url, data)
    # then
    assert refused.status_code == 403
    assert reset.status_code == 302, reset.content.decode()[:2000]
    county_liaison.refresh_from_db()
    assert county_liaison.check_password(NEW_PASSWORD)


def test_an_administrator_resets_a_password_from_the_command_line(county_liaison, monkeypatch):
    # given: the administrator types the new password twice
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    # when
    call_command("changepassword", county_liaison.username)
    # then
    county_liaison.refresh_from_db()
    assert county_liaison.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("path", ["/projects/{id}/", "/projects/{id}/report/"])
def test_another_units_project_answers_exactly_like_a_missing_one(client, county_liaison, path):
    # given: another county's project and an id that does not exist
    other = Project.objects.exclude(unit=county_liaison.staff_profile.unit).order_by("pk").first()
    missing = Project.objects.order_by("-pk").first().pk + 1000
    client.force_login(county_liaison)
    # when
    theirs = client.get(path.format(id=other.pk))
    nothing = client.get(path.format(id=missing))
    # then: the same page, but for the form's per-request CSRF token
    assert theirs.status_code == nothing.status_code == 404
    assert _without_csrf(theirs.content.decode()) == _without_csrf(nothing.content.decode())


def _without_csrf(page: str) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
