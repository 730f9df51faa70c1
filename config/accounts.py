"""A user changes their own password (Django's PasswordChangeView, Chinese pages, on record in the
audit log). An administrator resets someone else's in the admin (/admin/auth/user/<id>/password/,
superusers only) or with `manage.py changepassword <username>`."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import transaction
from django.urls import reverse_lazy

from tracker.choices import AuditAction
from tracker.services import audit_record


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(action=AuditAction.OTHER, acting_user=self.request.user, object_type="user",
                         object_id=self.request.user.pk, reason="修改本人登录密码")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_changed.html"
