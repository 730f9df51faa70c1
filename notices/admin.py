"""Admin for notices (Chinese). Issued notices are read-only: content never changes after issue.
Office staff read here; drafts are written by the composers and services, kind settings (who
signs: `auto_issue`; offices.DocumentKindSetting, registered here where the kinds are named) are
changed by an office leader only and audited old → new. The office's contact is one of
the office's settings (offices.OfficeSetting, its admin in dispatch.admin)."""
from django import forms
from django.contrib import admin

from notices.models import (
    AnswerAttachment,
    Delivery,
    Notice,
    NoticeAnswer,
    NoticeFormat,
    NoticeKind,
    NumberCounter,
)
from offices.models import DocumentKindSetting
from tracker.audit.admin_edits import (
    AuditedModelAdmin,
    LeaderEditsMixin,
    SystemAdminEditsMixin,
)


class DocumentKindSettingForm(forms.ModelForm):
    """The kinds and formats are notices' (offices stores them as plain text): offered by name."""

    kind = forms.ChoiceField(label="公文种类", choices=NoticeKind.choices)
    notice_format = forms.ChoiceField(label="版式", choices=NoticeFormat.choices)

    class Meta:
        model = DocumentKindSetting
        fields = ["kind", "number_prefix", "notice_format", "auto_issue", "answer_required",
                  "acknowledge_workdays", "answer_workdays", "review_required"]


@admin.register(DocumentKindSetting)
class DocumentKindSettingAdmin(LeaderEditsMixin, AuditedModelAdmin):
    """Who signs each kind (`auto_issue`) is a leader's setting, audited old → new."""

    form = DocumentKindSettingForm
    list_display = ("kind_name", "number_prefix", "format_name", "auto_issue", "answer_required",
                    "acknowledge_workdays", "answer_workdays", "review_required")

    @admin.display(description="公文种类", ordering="kind")
    def kind_name(self, obj: DocumentKindSetting) -> str:
        return obj.get_kind_display()

    @admin.display(description="版式", ordering="notice_format")
    def format_name(self, obj: DocumentKindSetting) -> str:
        formats = dict(NoticeFormat.choices)
        return formats.get(obj.notice_format, obj.notice_format)


@admin.register(NumberCounter)
class NumberCounterAdmin(admin.ModelAdmin):
    list_display = ("number_prefix", "year", "last_number")
    readonly_fields = ("number_prefix", "year", "last_number")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a number is used by issuing only; changing the counter would break the sequence

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("recipient_name", "status", "sent_at", "read_at", "acknowledged_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(SystemAdminEditsMixin, admin.ModelAdmin):
    list_display = ("number", "kind", "title", "state", "issued_at", "answer_deadline")
    list_filter = ("kind", "state")
    search_fields = ("number", "title")
    inlines = [DeliveryInline]
    readonly_fields = ("state", "number", "number_prefix", "number_year", "number_sequence", "pdf", "sha256",
                       "issued_at", "issued_on", "signed_by", "closed_at", "acknowledge_deadline",
                       "answer_deadline")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_issued or obj is not None and obj.state == "voided":
            return [f.name for f in self.model._meta.fields] + ["recipient_units", "recipient_departments"]
        return self.readonly_fields

    def has_add_permission(self, request):
        # Notices are drafted by the composers and the dispatch rules through notices.services,
        # which number, audit and deliver them; the admin only corrects drafts.
        return False

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_issued)


class AnswerAttachmentInline(admin.TabularInline):
    model = AnswerAttachment
    extra = 0
    readonly_fields = ("original_name", "file_type", "size")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NoticeAnswer)
class NoticeAnswerAdmin(admin.ModelAdmin):
    list_display = ("notice", "delivery", "status", "submitted_at", "reviewed_at")
    list_filter = ("status",)
    inlines = [AnswerAttachmentInline]
    readonly_fields = ("notice", "delivery", "text", "submitted_by", "submitted_at", "status",
                       "review_reason", "reviewed_by", "reviewed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # answers are submitted and reviewed on the notice's page (notices.services)

    def has_delete_permission(self, request, obj=None):
        return False
