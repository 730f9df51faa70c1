"""The registry of the office's keyed settings: for each key its Chinese label, its type, its
default, what a valid value is and the group it belongs to.

`offices.models.OfficeSetting` stores every value as text; this registry reads it back typed
(`SettingSpec.value_read`) and turns what a person typed into a valid value or refuses it with a
message naming the setting (`setting_value_clean`). The apps that own a group's meaning write its
values through their own audited services: tracker the 办理规则, dispatch the 调度阈值, notices
the 公文联系人.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


class SettingGroup(models.TextChoices):
    HANDLING_RULES = "handling_rules", "办理规则"
    THRESHOLDS = "thresholds", "调度阈值"
    LETTER_CONTACT = "letter_contact", "公文联系人"


class SettingType(models.TextChoices):
    DECIMAL = "decimal", "数值"
    CHOICE = "choice", "选项"
    TEXT = "text", "文字"


class HandlingRuleKey(models.TextChoices):
    """How the office handles a case its rules leave to the leader (tracker reads them)."""

    START_EARLIER_PROCEDURES = (
        "start_earlier_procedures", "开工时前期手续（立项、用地、环评、招投标等）未办结"
    )


class StartGateMode(models.TextChoices):
    WARN = "warn", "提示后允许开工（记入操作记录）"
    REFUSE = "refuse", "不允许开工"


class ThresholdKey(models.TextChoices):
    """Every number the calendar's rules and the lights use (dispatch and tracker read them)."""

    START_RED_MONTHS = "start_red_months", "开工灯：超过计划开工月份几个月亮红灯"
    PROGRESS_YELLOW_GAP = "progress_yellow_gap", "进度灯：落后预期超过几个百分点亮黄灯"
    PROGRESS_RED_GAP = "progress_red_gap", "进度灯：落后预期超过几个百分点亮红灯"
    R1_COMPLETION_MONTHS = "r1_completion_months", "预警函：计划完工在几个月内"
    R2_BOTTOM_SHARE = "r2_bottom_share", "提醒函：排名后百分之几"
    R3_MIN_RISE = "r3_min_rise", "督办函：近几期周调度进度增幅低于几个百分点"
    R3_REPORT_COUNT = "r3_report_count", "督办函：统计最近几期周调度"
    R3_ANSWER_WORKING_DAYS = "r3_answer_working_days", "督办函：几个工作日内书面答复"
    R3_ACK_WORKING_DAYS = "r3_ack_working_days", "督办函：几个工作日内签收"
    R4_DAYS_BEFORE_COMPLETION = "r4_days_before_completion", "现场督导：计划完工前几天"
    R4_MIN_PROGRESS = "r4_min_progress", "现场督导：形象进度低于百分之几"
    R4_VISIT_WORKING_DAYS = "r4_visit_working_days", "现场督导：几个工作日内到场"
    R5_MIN_ADVANCE = "r5_min_advance", "约谈：上月进度增幅低于几个百分点视为无明显进展"
    R6_UNANSWERED_SUPERVISIONS = "r6_unanswered_supervisions", "挂牌督办：本季度未答复督办函达几件"
    R7_ESCALATION_WORKING_DAYS = "r7_escalation_working_days", "升级：每级几个工作日未解决即上升一级"


class LetterContactKey(models.TextChoices):
    """The person a letter's recipient calls (附注 联系人、电话; notices prints them)."""

    NAME = "letter_contact_name", "联系人"
    PHONE = "letter_contact_phone", "联系电话"


THRESHOLD_MAX = Decimal("999999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SettingSpec:
    """One key: what it is called, what it holds and what a valid value is.

    For a threshold, `counts` marks a count of days, months, letters or reports (a whole number,
    at least 1: no "1.5 working days") and `percent` a share that cannot pass 100.
    """

    key: str
    label: str
    group: str
    value_type: str
    default: Any
    choices: type[models.TextChoices] | None = None
    counts: bool = False
    percent: bool = False
    max_length: int = 0

    def value_read(self, text: str):
        """The stored text as the typed value."""
        if self.value_type == SettingType.DECIMAL:
            return Decimal(text)
        return text

    def value_text(self, value) -> str:
        """The typed value as it is stored."""
        if self.value_type == SettingType.DECIMAL:
            return f"{Decimal(value).quantize(CENT):f}"
        return str(value)

    def value_display(self, value) -> str:
        """The value as a person reads it (a number without trailing zeros, a choice's label)."""
        if self.value_type == SettingType.DECIMAL:
            return f"{Decimal(value).normalize():f}"
        if self.choices is not None and value in self.choices.values:
            return str(self.choices(value).label)
        return str(value) if value else "未设置"

    def value_problem(self, value) -> str | None:
        """What is wrong with a typed value on its own (None when it is acceptable)."""
        if self.value_type == SettingType.DECIMAL:
            return _threshold_problem(self, value)
        if self.value_type == SettingType.CHOICE:
            valid = self.choices is not None and value in self.choices.values
            return None if valid else f"“{self.label}”的取值无效：{value}"
        return _text_problem(self, value)


def _threshold_problem(spec: SettingSpec, number: Decimal) -> str | None:
    shown = f"{number.normalize():f}"
    if number < 0 or number > THRESHOLD_MAX:
        return f"阈值“{spec.label}”应在0到999999.99之间（填写值：{shown}）"
    if spec.percent and number > 100:
        return f"阈值“{spec.label}”是百分数，不能超过100（填写值：{shown}）"
    if spec.counts:
        if number != number.to_integral_value():
            return f"阈值“{spec.label}”是天数、月数或件数，应为整数（填写值：{shown}）"
        if number < 1:
            return f"阈值“{spec.label}”至少为1（填写值：{shown}）"
    return None


def _text_problem(spec: SettingSpec, text: str) -> str | None:
    if not text:
        return f"请填写{spec.label}"
    if spec.max_length and len(text) > spec.max_length:
        return f"“{spec.label}”最多{spec.max_length}个字（填写了{len(text)}个）"
    if spec.key == LetterContactKey.PHONE and not any(ch.isdigit() for ch in text):
        return f"联系电话应为号码（填写值：{text}）"
    return None


def _threshold(key: ThresholdKey, default: str, *, counts: bool = False,
               percent: bool = False) -> SettingSpec:
    return SettingSpec(key=key.value, label=str(key.label), group=SettingGroup.THRESHOLDS,
                       value_type=SettingType.DECIMAL, default=Decimal(default), counts=counts,
                       percent=percent)


_SPECS = (
    # A new office warns, it does not refuse, until its leader decides.
    SettingSpec(key=HandlingRuleKey.START_EARLIER_PROCEDURES.value,
                label=str(HandlingRuleKey.START_EARLIER_PROCEDURES.label), group=SettingGroup.HANDLING_RULES,
                value_type=SettingType.CHOICE, default=StartGateMode.WARN.value, choices=StartGateMode),
    # The rules' numbers (DOMAIN: the calendar's rules R1–R7 and the two lights).
    _threshold(ThresholdKey.START_RED_MONTHS, "3", counts=True),
    _threshold(ThresholdKey.PROGRESS_YELLOW_GAP, "10"),
    _threshold(ThresholdKey.PROGRESS_RED_GAP, "30"),
    _threshold(ThresholdKey.R1_COMPLETION_MONTHS, "2", counts=True),
    _threshold(ThresholdKey.R2_BOTTOM_SHARE, "25", percent=True),
    _threshold(ThresholdKey.R3_MIN_RISE, "5"),
    _threshold(ThresholdKey.R3_REPORT_COUNT, "4", counts=True),
    _threshold(ThresholdKey.R3_ANSWER_WORKING_DAYS, "10", counts=True),
    # 督办函: acknowledged within 1 working day.
    _threshold(ThresholdKey.R3_ACK_WORKING_DAYS, "1", counts=True),
    _threshold(ThresholdKey.R4_DAYS_BEFORE_COMPLETION, "30", counts=True),
    _threshold(ThresholdKey.R4_MIN_PROGRESS, "90", percent=True),
    _threshold(ThresholdKey.R4_VISIT_WORKING_DAYS, "3", counts=True),
    _threshold(ThresholdKey.R5_MIN_ADVANCE, "1"),
    _threshold(ThresholdKey.R6_UNANSWERED_SUPERVISIONS, "2", counts=True),
    _threshold(ThresholdKey.R7_ESCALATION_WORKING_DAYS, "10", counts=True),
    # Unset until the office leader fills them in: a letter owing an answer cannot be signed then.
    SettingSpec(key=LetterContactKey.NAME.value, label=str(LetterContactKey.NAME.label),
                group=SettingGroup.LETTER_CONTACT, value_type=SettingType.TEXT, default="", max_length=50),
    SettingSpec(key=LetterContactKey.PHONE.value, label=str(LetterContactKey.PHONE.label),
                group=SettingGroup.LETTER_CONTACT, value_type=SettingType.TEXT, default="", max_length=30),
)
SETTINGS: dict[str, SettingSpec] = {spec.key: spec for spec in _SPECS}
SETTING_KEY_CHOICES = [(spec.key, spec.label) for spec in _SPECS]
THRESHOLD_DEFAULTS: dict[str, Decimal] = {key: SETTINGS[key].default for key in ThresholdKey.values}
WHOLE_NUMBER_THRESHOLDS = frozenset(key for key in ThresholdKey.values if SETTINGS[key].counts)
# (lower, higher): the first must stay strictly below the second (黄灯 40 with 红灯 30 would make
# yellow impossible).
THRESHOLD_ORDER = ((ThresholdKey.PROGRESS_YELLOW_GAP, ThresholdKey.PROGRESS_RED_GAP),)


def setting_spec(key: str) -> SettingSpec:
    try:
        return SETTINGS[key]
    except KeyError:
        raise ValidationError(f"未知的设置项：{key}") from None


def group_keys(group: str) -> list[str]:
    return [spec.key for spec in _SPECS if spec.group == group]


def setting_value_clean(key: str, raw):
    """What a person typed for the setting, as its typed value; refused (ValidationError) with a
    message naming the setting when it is not a valid value."""
    spec = setting_spec(key)
    value: Decimal | str
    if spec.value_type == SettingType.DECIMAL:
        try:
            value = Decimal(str(raw).strip()).quantize(CENT)
        except (InvalidOperation, ValueError):
            raise ValidationError(f"阈值“{spec.label}”应为数字（填写值：{raw}）") from None
        if not value.is_finite():
            raise ValidationError(f"阈值“{spec.label}”应为数字（填写值：{raw}）")
    else:
        value = ("" if raw is None else str(raw)).strip()
    problem = spec.value_problem(value)
    if problem:
        raise ValidationError(problem)
    return value


def threshold_order_problems(values: dict[str, Decimal]) -> dict[str, str]:
    """{key: message} for each pair whose order the values break (keyed by the higher one)."""
    problems: dict[str, str] = {}
    for low, high in THRESHOLD_ORDER:
        if values[low] >= values[high]:
            problems[str(high)] = (
                f"“{SETTINGS[low].label}”（{values[low].normalize():f}）须小于“{SETTINGS[high].label}”"
                f"（{values[high].normalize():f}），否则黄灯永远不会亮"
            )
    return problems
