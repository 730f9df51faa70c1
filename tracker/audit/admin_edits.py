"""Every change made in the admin lands in the audit log, in the same transaction.

The admin's change and delete views already run inside `transaction.atomic`, so an audit row
written from `save_model`/`delete_model` commits or rolls back with the change it records.
Admins whose edits go through a service (projects, thresholds, site visits) audit there instead.
Each change is recorded old → new: `data["changes"]` maps a field to `[old, new]`.

The admin is for system administrators: office staff and leaders work in the product's
pages; here they read, and what they may still change goes through a service with the web's
permission and scope checks. `SystemAdminEditsMixin` leaves adds, changes and deletes to a
superuser; `LeaderEditsMixin` lets an office leader change settings that decide who signs.
"""
from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from tracker import services
from tracker.choices import AuditAction
from tracker.permissions import is_office_leader


def _plain(value):
    """A JSON-safe rendering of a form value (model instances by their label)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "all") and callable(value.all):  # a queryset from a many-to-many field
        return [str(item) for item in value.all()]
    return str(value)


def _stored_values(obj, fields) -> dict:
    """The values of `fields` as stored before this save (read afresh; empty for a new object)."""
    stored = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk is not None else None
    if stored is None:
        return {}
    return {field: _plain(getattr(stored, field, None)) for field in fields}


def _old_new(form, fields, before: dict) -> dict:
    return {field: [before.get(field), _plain(form.cleaned_data.get(field))] for field in fields}


def formset_audit(request, formset) -> None:
    """Save an inline formset and record each row it added, changed or deleted (old → new)."""
    before = {id(form): _stored_values(form.instance, form.changed_data)
              for form in formset.forms if form.instance.pk is not None and form.has_changed()}
    instances = formset.save()
    for obj in formset.deleted_objects:
        _record(request, obj, operation="删除", changes={})
    for obj in instances:
        form = next((f for f in formset.forms if f.instance is obj), None)
        changes = _old_new(form, form.changed_data, before.get(id(form), {})) if form else {}
        _record(request, obj, operation="新增" if obj in formset.new_objects else "修改", changes=changes)


def _record(request, obj, *, operation: str, changes: dict) -> None:
    project = getattr(obj, "project", None)
    services.audit_record(
        action=AuditAction.ADMIN_EDIT,
        acting_user=request.user,
        project=project if project is not None and getattr(project, "pk", None) else None,
        object_type=obj._meta.model_name,
        object_id=obj.pk or "",
        reason=f"管理后台{operation}：{obj._meta.verbose_name}“{obj}”",
        data={"operation": operation, "changes": changes},
    )


class AuditedAdminMixin:
    """Record admin adds, changes and deletes as `admin.edit` audit events with the changed fields."""

    def _audit(self, request, obj, *, operation: str, changes: dict | None = None) -> None:
        _record(request, obj, operation=operation, changes=changes or {})

    def save_formset(self, request, form, formset, change):
        formset_audit(request, formset)

    def save_model(self, request, obj, form, change):
        many = {f.name for f in obj._meta.many_to_many}
        fields = [field for field in form.changed_data if field not in many]
        before = _stored_values(obj, fields) if change else {}
        super().save_model(request, obj, form, change)
        self._audit(request, obj, operation="修改" if change else "新增", changes=_old_new(form, fields, before))

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields are saved here, after save_model: record them old → new too.
        many = {f.name for f in form.instance._meta.many_to_many}
        fields = [field for field in form.changed_data if field in many]
        before = _stored_values(form.instance, fields)
        super().save_related(request, form, formsets, change)
        if fields:
            self._audit(request, form.instance, operation="修改关联", changes=_old_new(form, fields, before))

    def delete_model(self, request, obj):
        self._audit(request, obj, operation="删除")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the bulk delete action is not atomic by itself
            for obj in queryset:
                self._audit(request, obj, operation="删除")
            super().delete_queryset(request, queryset)


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass


class ViewOnlyModelAdmin(admin.ModelAdmin):
    """Records that only a service may write (validated and audited there)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SystemAdminEditsMixin:
    """Office staff read these records here; only a system administrator (superuser) adds,
    changes or deletes them. The office's own work on them is done in the product's pages."""

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class LeaderEditsMixin(SystemAdminEditsMixin):
    """Settings an office leader may change (audited); clerks read them; adds and deletes stay
    with a superuser."""

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or is_office_leader(request.user)


class SystemAdminAuditedAdmin(SystemAdminEditsMixin, AuditedModelAdmin):
    pass
