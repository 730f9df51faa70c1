"""Reads of the office's settings: one getter for a keyed setting, one for a group, one for a
kind of document. Every app reads its settings here."""
from __future__ import annotations

from offices.document_kinds import document_kind_defaults, document_kinds
from offices.keys import SETTINGS, group_keys, setting_spec
from offices.models import DocumentKindSetting, OfficeSetting


def office_setting(key: str):
    """The setting's typed value: the office's where it chose one, else the default (one query)."""
    spec = setting_spec(key)
    text = OfficeSetting.objects.filter(key=key).values_list("value", flat=True).first()
    return spec.default if text is None else spec.value_read(text)


def office_settings(*, group: str) -> dict:
    """{key: typed value} for every key of the group, the default where none is stored (one query)."""
    keys = group_keys(group)
    values = {key: SETTINGS[key].default for key in keys}
    for key, text in OfficeSetting.objects.filter(key__in=keys).values_list("key", "value"):
        values[key] = SETTINGS[key].value_read(text)
    return values


def document_kind_setting(kind: str) -> DocumentKindSetting:
    """The kind's settings row, created from its registered defaults the first time it is needed."""
    defaults = document_kind_defaults(kind)
    setting, _ = DocumentKindSetting.objects.get_or_create(
        kind=kind,
        defaults={
            "number_prefix": defaults.number_prefix,
            "notice_format": defaults.notice_format,
            "auto_issue": defaults.auto_issue,
            "answer_required": defaults.answer_required,
            "acknowledge_workdays": defaults.acknowledge_workdays,
            "answer_workdays": defaults.answer_workdays,
        },
    )
    return setting


def document_kind_settings() -> list[DocumentKindSetting]:
    """Every registered kind's row, in the order the kinds were registered."""
    return [document_kind_setting(kind) for kind in document_kinds()]
