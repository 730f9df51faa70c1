"""Changing the rules' thresholds (offices.OfficeSetting, group 调度阈值): the audited write.

What a valid value is lives with the keys (offices.keys): a count of days, months, letters or
reports is a whole number (no "1.5 working days"), a share cannot pass 100, and each yellow
threshold lies below its red one (黄灯 40 with 红灯 30 would make yellow impossible).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.actors import is_system
from offices.keys import SETTINGS, SettingGroup, ThresholdKey, setting_value_clean, threshold_order_problems
from offices.models import OfficeSetting
from offices.selectors import office_settings
from tracker import permissions
from tracker.choices import AuditAction
from tracker.services import audit_record


def _number(key: str, value):
    if key not in ThresholdKey.values:
        raise ValidationError(f"未知的调度阈值：{key}")
    return setting_value_clean(key, value)


def thresholds_set(*, changes: dict, acting_user) -> list[OfficeSetting]:
    """Change several thresholds at once (office leaders only): all of them or none, checked
    together against the values they leave in force, each change audited with old and new value."""
    if not is_system(acting_user):
        permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以调整调度阈值")
    numbers, problems = {}, []
    for key, value in changes.items():
        try:
            numbers[key] = _number(key, value)
        except ValidationError as error:
            problems += error.messages
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = OfficeSetting.objects.select_for_update().filter(key__in=list(numbers))
        rows = {row.key: row for row in locked}
        current = office_settings(group=SettingGroup.THRESHOLDS)
        order = threshold_order_problems(current | numbers)
        if order:
            raise ValidationError(list(order.values()))
        saved = []
        for key, number in numbers.items():
            spec = SETTINGS[key]
            before = current[key]
            row = rows.get(key) or OfficeSetting(key=key)
            row.value = spec.value_text(number)
            row.save()
            audit_record(
                action=AuditAction.THRESHOLD_CHANGE,
                acting_user=acting_user,
                object_type="threshold",
                object_id=key,
                from_state=f"{before.normalize():f}",
                to_state=f"{number.normalize():f}",
                reason=f"{spec.label}：{before.normalize():f} → {number.normalize():f}",
                data={"key": key, "before": str(before), "after": str(number)},
            )
            saved.append(row)
    return saved


def threshold_set(*, key: str, value, acting_user) -> OfficeSetting:
    """Change one threshold (office leaders only), audited with the old and the new value."""
    return thresholds_set(changes={key: value}, acting_user=acting_user)[0]
