"""The kinds of document the office issues, as notices registers them: each kind's Chinese name
and the settings a new office starts from (机关代字, 版式, who signs, deadlines).

offices holds the per-kind rows (`DocumentKindSetting`) but knows no kind by itself: notices owns
what a kind is and registers its kinds when the app is ready (`document_kinds_register`), so that
`offices.selectors.document_kind_setting` can create a kind's row from its defaults the first
time it is needed, and the pages name each row as notices does.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKindDefaults:
    number_prefix: str
    notice_format: str
    auto_issue: bool
    answer_required: bool
    acknowledge_workdays: int
    answer_workdays: int


@dataclass(frozen=True)
class DocumentKind:
    label: str
    defaults: DocumentKindDefaults


_KINDS: dict[str, DocumentKind] = {}


def document_kinds_register(*, labels: Mapping[str, str],
                            defaults: Mapping[str, DocumentKindDefaults]) -> None:
    """Register every kind (in the order given) with its name and its defaults; again replaces."""
    _KINDS.clear()
    for kind, label in labels.items():
        _KINDS[str(kind)] = DocumentKind(label=str(label), defaults=defaults[kind])


def document_kinds() -> list[str]:
    """Every registered kind, in the order registered."""
    return list(_KINDS)


def document_kind_label(kind: str) -> str:
    entry = _KINDS.get(kind)
    return entry.label if entry is not None else kind


def document_kind_defaults(kind: str) -> DocumentKindDefaults:
    try:
        return _KINDS[kind].defaults
    except KeyError:
        raise LookupError(f"未登记的公文种类：{kind}") from None
