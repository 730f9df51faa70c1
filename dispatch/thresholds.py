"""Changing the rules' thresholds: what a valid set of values is, and the audited write.

Two things a 专班 checks before a number goes live: a count of days, months, letters
or reports is a whole number (no "1.5 working days"), and each yellow threshold lies below its
red one (黄灯 40 with 红灯 30 would make yellow impossible).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from core.actors import is_system
from dispatch.models import THRESHOLD_DEFAULTS, Threshold, ThresholdKey
from tracker import permissions
from tracker.choices import AuditAction
from tracker.services import audit_record

# Thresholds that count something (days, working days, months, reports, letters).
WHOLE_NUMBER_THRESHOLDS = frozenset({
    ThresholdKey.START_RED_MONTHS,
    ThresholdKey.R1_COMPLETION_MONTHS,
    ThresholdKey.R3_REPORT_COUNT,
    ThresholdKey.R3_ANSWER_WORKING_DAYS,
    ThresholdKey.R3_ACK_WORKING_DAYS,
    ThresholdKey.R4_DAYS_BEFORE_COMPLETION,
    ThresholdKey.R4_VISIT_WORKING_DAYS,
    ThresholdKey.R6_UNANSWERED_SUPERVISIONS,
    ThresholdKey.R7_ESCALATION_WORKING_DAYS,
})
PERCENT_THRESHOLDS = frozenset({ThresholdKey.R2_BOTTOM_SHARE, ThresholdKey.R4_MIN_PROGRESS})
# (lower, higher): the first must stay strictly below the second.
THRESHOLD_ORDER = ((ThresholdKey.PROGRESS_YELLOW_GAP, ThresholdKey.PROGRESS_RED_GAP),)


def _short(key: str) -> str:
    return ThresholdKey(key).label


def threshold_value_problem(key: str, number: Decimal) -> str | None:
    """What is wrong with one value on its own (None when it is acceptable)."""
    if number < 0 or number > Decimal("999999.99"):
        return f"阈值“{_short(key)}”应在0到999999.99之间（填写值：{number.normalize():f}）"
    if key in PERCENT_THRESHOLDS and number > 100:
        return f"阈值“{_short(key)}”是百分数，不能超过100（填写值：{number.normalize():f}）"
    if key in WHOLE_NUMBER_THRESHOLDS:
        if number != number.to_integral_value():
            return f"阈值“{_short(key)}”是天数、月数或件数，应为整数（填写值：{number.normalize():f}）"
        if number < 1:
            return f"阈值“{_short(key)}”至少为1（填写值：{number.normalize():f}）"
    return None


def threshold_order_problems(values: dict[str, Decimal]) -> dict[str, str]:
    """{key: message} for each pair whose order the values break (keyed by the higher one)."""
    problems: dict[str, str] = {}
    for low, high in THRESHOLD_ORDER:
        if values[low] >= values[high]:
            problems[high] = (
                f"“{_short(low)}”（{values[low].normalize():f}）须小于“{_short(high)}”"
                f"（{values[high].normalize():f}），否则黄灯永远不会亮"
            )
    return problems


def _number(key: str, value) -> Decimal:
    if key not in ThresholdKey.values:
        raise ValidationError(f"未知的调度阈值：{key}")
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"阈值“{_short(key)}”应为数字（填写值：{value}）") from None


def thresholds_set(*, changes: dict, acting_user) -> list[Threshold]:
    """Change several thresholds at once (office leaders only): all of them or none, checked
    together against the values they leave in force, each change audited with old and new value."""
    if not is_system(acting_user):
        permissions.require(permissions.is_office_leader(acting_user), "只有专班办领导可以调整调度阈值")
    numbers = {key: _number(key, value) for key, value in changes.items()}
    problems = [m for key, n in numbers.items() if (m := threshold_value_problem(key, n))]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        rows = {t.key: t for t in Threshold.objects.select_for_update().filter(key__in=list(numbers))}
        current = dict(THRESHOLD_DEFAULTS) | dict(Threshold.objects.values_list("key", "value"))
        order = threshold_order_problems(current | numbers)
        if order:
            raise ValidationError(list(order.values()))
        saved = []
        for key, number in numbers.items():
            threshold = rows.get(key)
            before = threshold.value if threshold else THRESHOLD_DEFAULTS[key]
            if threshold is None:
                threshold = Threshold(key=key, value=number)
            threshold.value = number
            threshold.save()
            audit_record(
                action=AuditAction.THRESHOLD_CHANGE,
                acting_user=acting_user,
                object_type="threshold",
                object_id=key,
                from_state=f"{before.normalize():f}",
                to_state=f"{number.normalize():f}",
                reason=f"{_short(key)}：{before.normalize():f} → {number.normalize():f}",
                data={"key": key, "before": str(before), "after": str(number)},
            )
            saved.append(threshold)
    return saved


def threshold_set(*, key: str, value, acting_user) -> Threshold:
    """Change one threshold (office leaders only), audited with the old and the new value."""
    return thresholds_set(changes={key: value}, acting_user=acting_user)[0]
