"""Every change made in the admin lands in the audit log, in the same transaction.

The admin's change and delete views already run inside `transaction.atomic`, so an audit row
written from `save_model`/`delete_model` commits or rolls back with the change it records.
Admins whose edits go through a service (projects, thresholds, site visits) audit there instead.
"""
from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from tracker import services
from tracker.models import AuditAction


def _plain(value):
    """A JSON-safe rendering of a form value (model instances by their label)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "all") and callable(value.all):  # a queryset from a many-to-many field
        return [str(item) for item in value.all()]
    return str(value)


def formset_audit(request, formset) -> None:
    """Save an inline formset and record each row it added, changed or deleted."""
    instances = formset.save()
    for obj in formset.deleted_objects:
        _record(request, obj, operation="删除", changes={})
    for obj in instances:
        form = next((f for f in formset.forms if f.instance is obj), None)
        changes = {field: _plain(form.cleaned_data.get(field)) for field in form.changed_data} if form else {}
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
        super().save_model(request, obj, form, change)
        changes = {field: _plain(form.cleaned_data.get(field)) for field in form.changed_data}
        self._audit(request, obj, operation="修改" if change else "新增", changes=changes)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Many-to-many fields are saved here, after save_model: record their final values too.
        m2m = {field: _plain(form.cleaned_data.get(field)) for field in form.changed_data
               if field in {f.name for f in form.instance._meta.many_to_many}}
        if m2m:
            self._audit(request, form.instance, operation="修改关联", changes=m2m)

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
