"""Admin for the calendar: thresholds are edited through the audited service; firings, site
visits and job runs are read-only records (a firing is a fact, not a form)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch.models import JobRun, RuleFiring, SiteVisitTask, Threshold
from dispatch.services import site_visit_record, threshold_set
from tracker import permissions


@admin.register(Threshold)
class ThresholdAdmin(admin.ModelAdmin):
    list_display = ["key", "value", "updated_at"]
    fields = ["key", "value"]

    def get_readonly_fields(self, request, obj=None):
        return ["key"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the service, so that every change is audited (threshold.change) in one transaction.
        try:
            saved = threshold_set(key=obj.key, value=obj.value, acting_user=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
            return
        obj.pk = saved.pk

    def has_add_permission(self, request):
        return self._may_set_thresholds(request)

    def has_change_permission(self, request, obj=None):
        # Clerks see the thresholds read-only: only an office leader may set them (the service's rule).
        return self._may_set_thresholds(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @staticmethod
    def _may_set_thresholds(request) -> bool:
        return permissions.is_office_leader(request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RuleFiring)
class RuleFiringAdmin(ReadOnlyAdmin):
    list_display = ["fired_on", "rule", "subject", "period", "unit", "project", "notice_id", "answer_due_on"]
    list_filter = ["rule", "unit"]
    search_fields = ["facts", "subject"]
    date_hierarchy = "fired_on"


@admin.register(SiteVisitTask)
class SiteVisitTaskAdmin(admin.ModelAdmin):
    list_display = ["visit_on", "project", "owner", "status"]
    list_filter = ["status"]
    readonly_fields = ["firing", "project", "visit_on", "status", "reason"]
    fields = ["firing", "project", "owner", "visit_on", "status", "reason", "outcome"]

    def save_model(self, request, obj, form, change):
        # Through the audited service: recording the outcome closes the task.
        try:
            site_visit_record(
                task_id=obj.pk, acting_user=request.user, outcome=obj.outcome, owner_id=obj.owner_id
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["run_date", "job", "status", "attempts", "started_at", "finished_at"]
    list_filter = ["job", "status"]
