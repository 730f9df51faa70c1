"""The office's 办理规则 (stored in offices.OfficeSetting, read with offices.selectors.office_setting):
changed only by an office leader, every change audited."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.actors import is_system
from offices.keys import SettingGroup, setting_spec, setting_value_clean
from offices.models import OfficeSetting
from tracker import permissions
from tracker.audit.records import audit_record
from tracker.choices import AuditAction


def handling_rule_set(*, key: str, value: str, acting_user) -> OfficeSetting:
    """Change one rule (office leaders only), audited with the old and the new value."""
    if not is_system(acting_user):
        permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以调整办理规则")
    spec = setting_spec(key)
    if spec.group != SettingGroup.HANDLING_RULES:
        raise ValidationError(f"未知的办理规则：{key}")
    value = setting_value_clean(key, value)
    with transaction.atomic():
        setting = OfficeSetting.objects.select_for_update().filter(key=key).first()
        before = setting.value if setting else spec.default
        if setting is None:
            setting = OfficeSetting(key=key)
        if before == value and setting.pk:
            return setting
        setting.value = value
        setting.save()
        audit_record(
            action=AuditAction.THRESHOLD_CHANGE,
            acting_user=acting_user,
            object_type="office_setting",
            object_id=key,
            from_state=before,
            to_state=value,
            reason=f"{spec.label}：{spec.value_display(before)} → {spec.value_display(value)}",
            data={"key": key, "before": before, "after": value},
        )
    return setting
