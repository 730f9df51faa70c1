"""Behind the documented proxy (deploy/README.md: nginx in front of
gunicorn), django-axes throttles the client's address, not the proxy's, and the audit log
records the client's address."""
from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from config.settings.base import client_address_settings
from tests.factories import UserFactory
from tracker.choices import AuditAction, Role
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # nginx on the same host, as deploy/README.md configures it
PASSWORD = "Leader-pass-2025"
ONE_PROXY = client_address_settings(1)


def _login_through_proxy(client, *, forwarded_for: str, username: str, password: str):
    return client.post(
        reverse("login"), {"username": username, "password": password},
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.fixture
def office_leader():
    leader = UserFactory(username="proxy-leader", role=Role.OFFICE_LEADER)
    leader.set_password(PASSWORD)
    leader.save()
    return leader


@override_settings(AXES_FAILURE_LIMIT=5, **ONE_PROXY)
def test_attacker_locked_out_behind_proxy_cannot_lock_the_leader_out_from_another_address(client,
                                                                                          office_leader):
    # given an attacker fails five times for the leader's account, through the proxy, even
    # sending X-Forwarded-For headers of its own
    for n in range(5):
        _login_through_proxy(client, forwarded_for=f"192.0.2.{n}, 203.0.113.66",
                             username="proxy-leader", password="guess")
    locked = _login_through_proxy(client, forwarded_for="203.0.113.66", username="proxy-leader",
                                  password=PASSWORD)
    # when the leader logs in from the office, through the same proxy
    client.logout()
    response = _login_through_proxy(client, forwarded_for="198.51.100.20", username="proxy-leader",
                                    password=PASSWORD)
    # then the attacker's address is locked, the leader's is not
    assert locked.status_code == 429
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(office_leader.pk)


@override_settings(**ONE_PROXY)
def test_audit_log_records_the_client_address_behind_the_proxy(client, office_leader):
    # when
    _login_through_proxy(client, forwarded_for="203.0.113.66", username="proxy-leader", password="guess")
    _login_through_proxy(client, forwarded_for="10.20.30.40, 198.51.100.20", username="proxy-leader",
                         password=PASSWORD)
    # then the address the proxy saw is recorded, never the proxy's, never one the client made up
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).latest("id")
    login = AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=office_leader).latest("id")
    assert failed.data["ip"] == "203.0.113.66"
    assert login.data["ip"] == "198.51.100.20"


def test_without_a_proxy_the_forwarded_header_is_ignored(client, office_leader):
    # given the embedded default (no proxy in front): a client cannot choose its address
    client.post(reverse("login"), {"username": "proxy-leader", "password": "guess"},
                REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1")
    # then
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).latest("id")
    assert failed.data["ip"] == "198.51.100.7"
