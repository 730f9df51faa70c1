"""Every setting the office had, copied into offices' two tables: tracker's rule settings and
dispatch's thresholds as keys of OfficeSetting (a threshold's number as text, two places), the
notices contact row as two keys (联系人, 联系电话; an empty one stays unset), and every per-kind
row of notices as a DocumentKindSetting. The old tables are deleted by the migrations after this
one in tracker, dispatch and notices. Whoever could view or change an old table (a group's or a
user's permission) can do the same with its new home. Reversible: the way back copies the rows
home again (the old permissions were never removed)."""

from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTACT_KEYS = {"contact_name": "letter_contact_name", "contact_phone": "letter_contact_phone"}
TRACKER_KEYS = {"start_earlier_procedures"}
# (app, model) of an old table → the model in offices that holds its rows now.
NEW_HOMES = {
    ("tracker", "officesetting"): "officesetting",
    ("dispatch", "threshold"): "officesetting",
    ("notices", "officesetting"): "officesetting",
    ("notices", "noticekindsetting"): "documentkindsetting",
}
KIND_FIELDS = ("kind", "number_prefix", "notice_format", "auto_issue", "answer_required",
               "acknowledge_workdays", "answer_workdays", "review_required")


def _stamped(Model, old, **values):
    """A new row with the old row's timestamps (auto_now would put today's on it)."""
    row = Model.objects.create(**values)
    Model.objects.filter(pk=row.pk).update(created_at=old.created_at, updated_at=old.updated_at)
    return row


def settings_copy(apps, schema_editor):
    OfficeSetting = apps.get_model("offices", "OfficeSetting")
    DocumentKindSetting = apps.get_model("offices", "DocumentKindSetting")
    for old in apps.get_model("tracker", "OfficeSetting").objects.order_by("pk"):
        _stamped(OfficeSetting, old, key=old.key, value=old.value)
    for old in apps.get_model("dispatch", "Threshold").objects.order_by("pk"):
        _stamped(OfficeSetting, old, key=old.key, value=f"{Decimal(old.value).quantize(Decimal('0.01')):f}")
    contact = apps.get_model("notices", "OfficeSetting").objects.order_by("pk").first()
    if contact is not None:
        for field, key in CONTACT_KEYS.items():
            value = (getattr(contact, field) or "").strip()
            if value:
                _stamped(OfficeSetting, contact, key=key, value=value)
    for old in apps.get_model("notices", "NoticeKindSetting").objects.order_by("pk"):
        _stamped(DocumentKindSetting, old, **{field: getattr(old, field) for field in KIND_FIELDS})


def permissions_copy(apps, schema_editor):
    """Each view/add/change/delete permission on an old table granted to a group or a user is
    granted on the new table too (the new table's permissions are made here, before post_migrate)."""
    offices = apps.get_app_config("offices")
    offices.models_module = True
    create_permissions(offices, apps=apps, verbosity=0)
    offices.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group, User = apps.get_model("auth", "Group"), apps.get_model("auth", "User")
    for (app_label, model), home in NEW_HOMES.items():
        for old in Permission.objects.filter(content_type__app_label=app_label, content_type__model=model):
            action = old.codename.split("_", 1)[0]
            new = Permission.objects.filter(content_type__app_label="offices", content_type__model=home,
                                            codename=f"{action}_{home}").first()
            if new is None:
                continue
            for group in Group.objects.filter(permissions=old):
                group.permissions.add(new)
            for user in User.objects.filter(user_permissions=old):
                user.user_permissions.add(new)


def _restored(Model, row, lookup: dict, **values):
    """The old table's row back (its table may still hold it when only this migration is undone)."""
    old, _ = Model.objects.update_or_create(**lookup, defaults=values)
    Model.objects.filter(pk=old.pk).update(created_at=row.created_at, updated_at=row.updated_at)


def settings_copy_back(apps, schema_editor):
    OfficeSetting = apps.get_model("offices", "OfficeSetting")
    DocumentKindSetting = apps.get_model("offices", "DocumentKindSetting")
    contact = {}
    for row in OfficeSetting.objects.order_by("pk"):
        if row.key in CONTACT_KEYS.values():
            contact[row.key] = row
        elif row.key in TRACKER_KEYS:
            _restored(apps.get_model("tracker", "OfficeSetting"), row, {"key": row.key}, value=row.value)
        else:
            Threshold = apps.get_model("dispatch", "Threshold")
            _restored(Threshold, row, {"key": row.key}, value=Decimal(row.value))
    if contact:
        NoticesSetting = apps.get_model("notices", "OfficeSetting")
        first = NoticesSetting.objects.order_by("pk").first()
        values = {field: contact[key].value if key in contact else "" for field, key in CONTACT_KEYS.items()}
        _restored(NoticesSetting, max(contact.values(), key=lambda row: row.updated_at),
                  {"pk": first.pk if first is not None else None}, **values)
    for row in DocumentKindSetting.objects.order_by("pk"):
        _restored(apps.get_model("notices", "NoticeKindSetting"), row, {"kind": row.kind},
                  **{field: getattr(row, field) for field in KIND_FIELDS if field != "kind"})
    OfficeSetting.objects.all().delete()
    DocumentKindSetting.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("offices", "0001_office_settings_and_document_kind_settings"),
        ("tracker", "0008_start_rules_procedure_approvals_problem_deadlines"),
        ("dispatch", "0002_rule_labels_by_name"),
        ("notices", "0006_contacts_become_outreach_endpoints"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(settings_copy, settings_copy_back),
        migrations.RunPython(permissions_copy, migrations.RunPython.noop),
    ]
