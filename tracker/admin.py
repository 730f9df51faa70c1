"""The admin, in Chinese. The project's state is read-only here: it changes only through the
transition form, which calls tracker.services.project_transition (guards, role, audit)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from tracker import services
from tracker.audit.admin_edits import (
    SystemAdminAuditedAdmin,
    SystemAdminEditsMixin,
    ViewOnlyModelAdmin,
    formset_audit,
)
from tracker.models import (
    AdministrativeUnit,
    AuditEvent,
    Basin,
    Department,
    Domain,
    MonitoringSection,
    MonthlyPlan,
    Problem,
    Procedure,
    Project,
    RollbackRequest,
    SectionReading,
    StaffProfile,
    WeeklyReport,
)
from tracker.permissions import can_edit_project, is_office_leader


class TargetYearFilter(admin.SimpleListFilter):
    title = "目标年度"
    parameter_name = "target_year"

    def lookups(self, request, model_admin):
        years = Project.objects.order_by("target_year").values_list("target_year", flat=True).distinct()
        return [(year, f"{year}年") for year in years]

    def queryset(self, request, queryset):
        if self.value():
            field = "target_year" if queryset.model is Project else "project__target_year"
            return queryset.filter(**{field: self.value()})
        return queryset


class ProjectTransitionForm(forms.Form):
    transition = forms.ChoiceField(label="阶段变更")
    effective_on = forms.DateField(
        label="生效日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="开工填实际开工日期，完工填实际完工日期，达效填验收日期",
    )
    reason = forms.CharField(label="原因/说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    effect_note = forms.CharField(label="达效情况（达效时填写）", widget=forms.Textarea(attrs={"rows": 2}),
                                  required=False)
    evidence = forms.FileField(label="佐证材料", required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        available = {t.name for t in project.get_all_state_transitions() if project.state in (t.source, "*")}
        transition_field = self.fields["transition"]
        assert isinstance(transition_field, forms.ChoiceField)
        transition_field.choices = [
            (name, spec.label) for name, spec in services.TRANSITIONS.items() if spec.method in available
        ]


class ProcedureInline(SystemAdminEditsMixin, admin.TabularInline):
    """Read-only for office staff: procedures are edited on the project page (scope-checked)."""

    model = Procedure
    extra = 0


class ProblemInline(SystemAdminEditsMixin, admin.TabularInline):
    """Read-only for office staff; nobody resolves or escalates here (the services do, with the
    resolution's text and date)."""

    model = Problem
    extra = 0
    fields = ["description", "category", "level", "status", "raised_on", "resolved_on"]
    readonly_fields = ["level", "status", "resolved_on"]
    show_change_link = True


class ProjectAdminForm(forms.ModelForm):
    """The change form carries the version it was loaded at: a stale form is refused, never saved
    over another user's edit (services.project_update raises EditConflict)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("expected_version", self.instance.version)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        expected = cleaned.get("expected_version")
        if expected is None or not Project.objects.filter(pk=self.instance.pk, version=expected).exists():
            raise ValidationError(EDIT_CONFLICT_TEXT, code="edit_conflict")
        return cleaned


EDIT_CONFLICT_TEXT = "该项目已被他人修改，请重新打开后再编辑（您的修改未保存）"


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    # Its export button comes from ledgers/admin.py (the spreadsheets are the ledgers app's).
    list_display = [
        "map_number", "code", "name", "unit", "domain", "state_badge", "progress_percent", "total_investment",
        "planned_start", "planned_completion",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["unit", "domain", "state", TargetYearFilter, "lead_department", "is_provincial", "basin"]
    search_fields = ["code", "name", "owner_name"]
    readonly_fields = [
        "state", "version", "actual_start", "actual_completion", "accepted_on", "effect_note",
        "effect_evidence", "progress_percent", "completed_investment", "funds_in_place", "transition_link",
    ]
    inlines = [ProcedureInline, ProblemInline]
    list_per_page = 50
    form = ProjectAdminForm

    @admin.display(description="当前阶段", ordering="state")
    def state_badge(self, obj: Project) -> str:
        return obj.get_state_display()

    @admin.display(description="阶段变更")
    def transition_link(self, obj: Project) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:tracker_project_transition", args=[obj.pk])
        return format_html('<a class="button" href="{}">变更阶段…</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:project_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="tracker_project_transition",
            )
        ] + super().get_urls()

    def transition_view(self, request, project_id: int):
        project = get_object_or_404(Project, pk=project_id)
        if not self.has_change_permission(request, project):  # the web's scope, before the form shows
            raise PermissionDenied
        if request.method == "POST":
            form = ProjectTransitionForm(request.POST, request.FILES, project=project)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.project_transition(
                        project_id=project.pk,
                        transition=data["transition"],
                        acting_user=request.user,
                        reason=data["reason"],
                        effective_on=data["effective_on"],
                        expected_version=data["expected_version"],
                        evidence=data["evidence"],
                        effect_note=data["effect_note"] or None,
                    )
                except (ValidationError, PermissionDenied) as error:
                    for message in getattr(error, "messages", [str(error)]):
                        form.add_error(None, message)
                else:
                    self.message_user(request, "阶段已变更并记录审计日志", messages.SUCCESS)
                    return redirect("admin:tracker_project_change", project.pk)
        else:
            form = ProjectTransitionForm(project=project, initial={"expected_version": project.version})
        context = {
            **self.admin_site.each_context(request),
            "title": f"变更阶段：{project}",
            "project": project,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/tracker/project/transition.html", context)

    def has_change_permission(self, request, obj=None):
        # The web's scope: a clerk assigned to some domains/units changes only those projects.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or request.user.is_superuser or can_edit_project(request.user, obj))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.EditConflict as conflict:  # saved by someone else between check and save
            self.message_user(request, "；".join(conflict.messages), messages.ERROR)
            return redirect(request.path)

    def save_formset(self, request, form, formset, change):
        formset_audit(request, formset)  # procedures and problems edited inline are on record too

    def save_model(self, request, obj, form, change):
        """Adds and edits go through the services: permission, version check and audit."""
        if not change:
            fields = {field: form.cleaned_data[field] for field in form.cleaned_data
                      if field in services.EDITABLE_PROJECT_FIELDS | {"code", "map_number"}}
            created = services.project_create(acting_user=request.user, **fields)
            obj.pk, obj.version = created.pk, created.version
            return
        changes = {field: form.cleaned_data[field] for field in form.changed_data
                   if field in services.EDITABLE_PROJECT_FIELDS}
        services.project_update(project_id=obj.pk, acting_user=request.user,
                                expected_version=form.cleaned_data["expected_version"], changes=changes)


@admin.register(Procedure)
class ProcedureAdmin(SystemAdminAuditedAdmin):
    list_display = ["project", "kind", "status", "started_on", "completed_on", "approving_body"]
    list_filter = ["kind", "status", "project__unit", "project__domain"]
    search_fields = ["project__code", "project__name"]
    autocomplete_fields = ["project"]


@admin.register(WeeklyReport)
class WeeklyReportAdmin(ViewOnlyModelAdmin):
    """Reports come in through the report form and the weekly sheet import, which validate them
    (no lower progress without a note, …) and audit them; here they are read (and exported:
    ledgers/admin.py adds the button)."""

    list_display = ["project", "week_start", "progress_percent", "completed_investment", "funds_in_place",
                    "reporter_name"]
    list_filter = ["week_start", "project__unit", "project__domain", TargetYearFilter]
    search_fields = ["project__code", "project__name"]
    date_hierarchy = "week_start"
    autocomplete_fields = ["project"]
    readonly_fields = ["reported_at", "reported_by"]


@admin.register(MonthlyPlan)
class MonthlyPlanAdmin(SystemAdminAuditedAdmin):
    list_display = ["project", "month", "planned_progress_percent", "planned_investment", "milestone"]
    list_filter = ["month", "project__unit", "project__domain"]
    search_fields = ["project__code", "project__name"]
    autocomplete_fields = ["project"]


@admin.register(Problem)
class ProblemAdmin(SystemAdminAuditedAdmin):
    list_display = ["project", "category", "level", "status", "raised_on", "level_since", "resolved_on"]
    list_filter = ["level", "status", "category", "project__unit", "project__domain"]
    search_fields = ["project__code", "project__name", "description"]
    readonly_fields = ["level", "level_since", "status", "resolved_on"]
    autocomplete_fields = ["project"]


@admin.register(MonitoringSection)
class MonitoringSectionAdmin(SystemAdminAuditedAdmin):
    list_display = ["code", "name", "river", "level", "target_class", "unit"]
    list_filter = ["level", "unit", "river"]
    search_fields = ["code", "name"]
    filter_horizontal = ["projects"]


@admin.register(SectionReading)
class SectionReadingAdmin(SystemAdminAuditedAdmin):
    list_display = ["section", "month", "water_class"]
    list_filter = ["section__level", "water_class", "section"]
    date_hierarchy = "month"


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(SystemAdminAuditedAdmin):
    list_display = ["display_order", "name", "short_name", "kind", "code"]
    search_fields = ["name", "code"]


@admin.register(Department)
class DepartmentAdmin(SystemAdminAuditedAdmin):
    list_display = ["display_order", "name", "short_name", "code"]
    search_fields = ["name"]


@admin.register(Domain)
class DomainAdmin(SystemAdminAuditedAdmin):
    list_display = ["display_order", "name", "lead_department", "code"]


@admin.register(Basin)
class BasinAdmin(SystemAdminAuditedAdmin):
    list_display = ["display_order", "name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(SystemAdminAuditedAdmin):
    """Roles, units and scopes: changed by a system administrator only, each change audited old → new
    (a clerk who could change them could make itself 专班办领导)."""

    list_display = ["user", "full_name", "role", "unit", "department", "phone"]
    list_filter = ["role", "unit", "department"]
    search_fields = ["user__username", "full_name"]
    filter_horizontal = ["assigned_domains", "assigned_units"]


@admin.register(RollbackRequest)
class RollbackRequestAdmin(ViewOnlyModelAdmin):
    """Filed on the project page and decided on the leader's page (tracker.services), never here."""

    list_display = ["requested_at", "project", "transition", "requested_by", "status", "decided_by",
                    "decided_at"]
    list_filter = ["status", "transition", "project__unit"]
    search_fields = ["project__code", "project__name", "reason"]
    list_select_related = ["project", "requested_by", "decided_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: view only, superusers included (never edited or deleted); read by
    office leaders and system administrators only, like /audit/ (login addresses, failed logins)."""

    list_display = ["occurred_at", "actor_name", "action", "project", "unit", "from_state", "to_state",
                    "effective_on"]
    list_filter = ["action", "unit", "occurred_at"]
    search_fields = ["actor_name", "project__code", "project__name", "reason"]
    date_hierarchy = "occurred_at"
    list_select_related = ["project", "unit"]

    def has_view_permission(self, request, obj=None):
        return is_office_leader(request.user) and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return is_office_leader(request.user) and super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
