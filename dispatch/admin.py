"""Admin for the calendar: the office's keyed settings (offices.OfficeSetting: 办理规则, 调度阈值,
公文联系人) are edited through the audited service of the app each belongs to; firings, site
visits and job runs are read-only records (a firing is a fact, not a form).

The settings' admin is registered here, the lowest app that reaches all three services
(tracker's rules, dispatch's thresholds, notices' contact)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch.models import JobRun, RuleFiring, SiteVisitTask
from dispatch.services import site_visit_record, threshold_set
from notices.services import letter_contact_item_set
from offices.keys import SETTINGS, SettingGroup, SettingType, setting_value_clean
from offices.models import OfficeSetting
from tracker import permissions
from tracker.services import handling_rule_set

# Who writes each group: the service of the app that owns its meaning, audited there.
SETTING_WRITERS = {
    SettingGroup.HANDLING_RULES: handling_rule_set,
    SettingGroup.THRESHOLDS: threshold_set,
    SettingGroup.LETTER_CONTACT: letter_contact_item_set,
}


class OfficeSettingForm(forms.ModelForm):
    """A value checked as its key's registry says (a number for a threshold, a choice for a rule),
    the error on the field rather than after the save."""

    value = forms.CharField(label="取值", max_length=200, required=False,
                            help_text="阈值填数字；办理规则选一项；联系人、联系电话填文字")

    class Meta:
        model = OfficeSetting
        fields = ["key", "value"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spec = SETTINGS.get(self.instance.key) if self.instance.pk else None
        if spec is not None and spec.value_type == SettingType.CHOICE and spec.choices is not None:
            self.fields["value"] = forms.ChoiceField(label="取值", choices=spec.choices.choices)

    def clean(self):
        data = super().clean()
        key = data.get("key") or self.instance.key
        if key:
            try:
                data["typed_value"] = setting_value_clean(key, data.get("value"))
            except ValidationError as error:
                self.add_error("value", error)
        return data


@admin.register(OfficeSetting)
class OfficeSettingAdmin(admin.ModelAdmin):
    form = OfficeSettingForm
    list_display = ["setting_name", "group_name", "value_shown", "updated_at"]

    @admin.display(description="设置项", ordering="key")
    def setting_name(self, obj: OfficeSetting) -> str:
        return obj.get_key_display()

    @admin.display(description="类别")
    def group_name(self, obj: OfficeSetting) -> str:
        return obj.group_label

    @admin.display(description="取值")
    def value_shown(self, obj: OfficeSetting) -> str:
        spec = SETTINGS.get(obj.key)
        return spec.value_display(obj.typed_value) if spec is not None else obj.value

    def get_readonly_fields(self, request, obj=None):
        return ["key"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the owning app's service, so that every change is audited in one transaction.
        writer = SETTING_WRITERS[SETTINGS[obj.key].group]
        try:
            writer(key=obj.key, value=form.cleaned_data["typed_value"], acting_user=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
            return
        obj.pk = OfficeSetting.objects.values_list("pk", flat=True).get(key=obj.key)

    def has_add_permission(self, request):
        return self._may_set(request)

    def has_change_permission(self, request, obj=None):
        # Clerks see the settings read-only: only an office leader may set them (the services' rule).
        return self._may_set(request)

    def has_delete_permission(self, request, obj=None):
        return False  # a setting goes back to its default by setting the default, audited

    @staticmethod
    def _may_set(request) -> bool:
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
