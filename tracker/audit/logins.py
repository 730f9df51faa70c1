"""Logins and failed logins go to the audit log; a locked-out login gets a Chinese page."""
from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.shortcuts import render

from core.actors import ANONYMOUS
from tracker.choices import AuditAction
from tracker.services import audit_record


def _client_address(request) -> str:
    """The address django-axes throttles: the client's, behind the documented proxy too
    (config.settings.base.client_address_settings)."""
    if request is None:
        return ""
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    return address or request.META.get("REMOTE_ADDR", "")


@receiver(user_logged_in, dispatch_uid="yihong_audit_login")
def record_login(sender, request, user, **kwargs) -> None:
    audit_record(
        action=AuditAction.LOGIN, acting_user=user, object_type="user", object_id=user.pk,
        data={"username": user.get_username(), "ip": _client_address(request)},
    )


@receiver(user_login_failed, dispatch_uid="yihong_audit_login_failed")
def record_failed_login(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:100]
    audit_record(
        action=AuditAction.LOGIN_FAILED, acting_user=ANONYMOUS, actor_name=username or "（未填写用户名）",
        object_type="user", data={"username": username, "ip": _client_address(request)},
    )


def lockout_response(request, credentials, *args, **kwargs):
    minutes = int(float(settings.AXES_COOLOFF_TIME) * 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
