"""Login throttling, login audit, and the audit log that nobody can edit."""
import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from tracker.choices import AuditAction
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db


def _post_login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.9.8.7")


def test_failed_and_successful_logins_are_audited(client, demo_ledger):
    # when
    _post_login(client, "clerk", "wrong-password")
    response = _post_login(client, "clerk", "Yihong@2025")
    # then
    assert response.status_code == 302
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).latest("id")
    assert failed.actor_name == "clerk"
    assert failed.data["ip"] == "10.9.8.7"
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor__username="clerk").exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_login_with_a_chinese_message(client, demo_ledger):
    # given three failures
    for _ in range(3):
        _post_login(client, "county_houma", "wrong")
    # when even the right password is tried
    response = _post_login(client, "county_houma", "Yihong@2025")
    # then it is refused with the lock-out page
    assert response.status_code == 429
    assert "账号已临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_audit_rows_cannot_be_edited_or_deleted(demo_ledger):
    event = AuditEvent.objects.first()
    event.reason = "篡改"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(reason="篡改")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_audit_admin_is_view_only_even_for_superuser(admin_client, demo_ledger):
    event = AuditEvent.objects.first()
    change = admin_client.post(reverse("admin:tracker_auditevent_change", args=[event.pk]), {"reason": "x"})
    delete = admin_client.post(reverse("admin:tracker_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert change.status_code == 403
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, reason=event.reason).exists()


def test_leader_filters_and_exports_the_audit_log(client, leader):
    # given
    client.force_login(leader)
    # when
    page = client.get(reverse("audit:log"), {"action": AuditAction.PROJECT_TRANSITION, "unit": "houma"})
    export = client.get(reverse("audit:export"), {"action": AuditAction.PROJECT_TRANSITION, "unit": "houma"})
    # then
    assert page.status_code == 200
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("时间,操作人,操作")
    assert len(lines) > 1
    assert all("侯马市" in line for line in lines[1:])
    assert export["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("username", ["clerk", "cityleader", "county_houma", "dept_water"])
def test_audit_log_is_for_office_leaders_only(client, demo_ledger, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403
