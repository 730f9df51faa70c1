"""The office's rule settings (tracker.models.OfficeSetting): read by the guards' callers,
changed only by an office leader, every change audited."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from core.actors import is_system
from tracker import permissions
from tracker.audit.records import audit_record
from tracker.choices import AuditAction, OfficeSettingKey, StartGateMode
from tracker.models import OfficeSetting

# Each setting's allowed values and its default: a new office warns, it does not refuse, until
# its leader decides which.
OFFICE_SETTING_CHOICES: dict[str, type[models.TextChoices]] = {
    OfficeSettingKey.START_EARLIER_PROCEDURES: StartGateMode,
}
OFFICE_SETTING_DEFAULTS: dict[str, str] = {OfficeSettingKey.START_EARLIER_PROCEDURES: StartGateMode.WARN}


def office_setting_get(key: str) -> str:
    row = OfficeSetting.objects.filter(key=key).values_list("value", flat=True).first()
    return row or OFFICE_SETTING_DEFAULTS[key]


def office_setting_set(*, key: str, value: str, acting_user) -> OfficeSetting:
    """Change one setting (office leaders only), audited with the old and the new value."""
    if not is_system(acting_user):
        permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以调整办理规则")
    if key not in OFFICE_SETTING_CHOICES:
        raise ValidationError(f"未知的设置项：{key}")
    choices = OFFICE_SETTING_CHOICES[key]
    if value not in choices.values:
        raise ValidationError(f"“{OfficeSettingKey(key).label}”的取值无效：{value}")
    with transaction.atomic():
        setting = OfficeSetting.objects.select_for_update().filter(key=key).first()
        before = setting.value if setting else OFFICE_SETTING_DEFAULTS[key]
        if setting is None:
            setting = OfficeSetting(key=key)
        if before == value and setting.pk:
            return setting
        setting.value = value
        setting.save()
        label = OfficeSettingKey(key).label
        audit_record(
            action=AuditAction.THRESHOLD_CHANGE,
            acting_user=acting_user,
            object_type="office_setting",
            object_id=key,
            from_state=before,
            to_state=value,
            reason=f"{label}：{choices(before).label} → {choices(value).label}",
            data={"key": key, "before": before, "after": value},
        )
    return setting
