"""How an audit row reads to a person: states by their Chinese labels, an edit as "字段：原值 → 新值",
a letter by its 文号 and title ("preparation → under_construction", an empty 变化 column and
"draft → pending_signoff" without the letter were what the office saw before).

The apps above the domain register the labels and the names of their own objects here (notices
in its AppConfig.ready), so the audit pages in tracker never import them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from tracker.choices import (
    AuditAction,
    EscalationLevel,
    ProblemStatus,
    ProcedureStatus,
    ProjectState,
    RollbackStatus,
)

Describer = Callable[[list[str]], dict[str, str]]

_STATES_BY_ACTION: dict[str, dict[str, str]] = {
    AuditAction.PROJECT_TRANSITION: dict(ProjectState.choices),
    AuditAction.ROLLBACK_REQUEST: dict(ProjectState.choices),
    AuditAction.PROBLEM_RAISE: dict(EscalationLevel.choices),
    AuditAction.PROBLEM_ESCALATE: dict(EscalationLevel.choices),
    AuditAction.PROBLEM_RESOLVE: dict(ProblemStatus.choices),
    AuditAction.PROCEDURE_UPDATE: dict(ProcedureStatus.choices),
    AuditAction.ROLLBACK_APPROVE: dict(RollbackStatus.choices),
    AuditAction.ROLLBACK_REJECT: dict(RollbackStatus.choices),
}
_states_by_object_type: dict[str, dict[str, str]] = {}
_describers: dict[str, Describer] = {}
_field_labels: dict[str, str] = {}


def register(object_type: str, *, states: dict[str, str] | None = None,
             describe: Describer | None = None) -> None:
    """Let the audit pages name `object_type`'s states and objects (`describe(ids) -> {id: text}`)."""
    if states:
        _states_by_object_type[object_type] = dict(states)
    if describe is not None:
        _describers[object_type] = describe


def _all_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for table in (*_states_by_object_type.values(), *_STATES_BY_ACTION.values()):
        for code, label in table.items():
            labels.setdefault(code, label)
    return labels


def state_label(event, code: str) -> str:
    if not code:
        return ""
    for table in (_states_by_object_type.get(event.object_type), _STATES_BY_ACTION.get(event.action)):
        if table and code in table:
            return table[code]
    return _all_labels().get(code, code)


def _project_field_labels() -> dict[str, str]:
    if not _field_labels:
        from tracker.models import Project

        _field_labels.update({f.name: str(f.verbose_name) for f in Project._meta.get_fields()
                              if hasattr(f, "verbose_name")})
    return _field_labels


def change_lines(event) -> list[str]:
    """The row's 变化: a move between states, or each edited field's old and new value."""
    lines = []
    if event.from_state or event.to_state:
        before, after = state_label(event, event.from_state), state_label(event, event.to_state)
        lines.append(f"{before} → {after}" if before else f"→ {after}")
    changes = (event.data or {}).get("changes") if isinstance(event.data, dict) else None
    if isinstance(changes, dict):
        labels = _project_field_labels()
        for name, values in changes.items():
            old, new = (list(values) + ["", ""])[:2] if isinstance(values, (list, tuple)) else ("", values)
            lines.append(f"{labels.get(name, name)}：{_blank(old)} → {_blank(new)}")
    return lines


def _blank(value) -> str:
    return "（空）" if value in (None, "", "None") else str(value)


def audit_rows_describe(events: Iterable) -> list:
    """Give each event `change_lines` and `subject` (a letter's "文号 标题"), one query per kind of object."""
    events = list(events)
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type in _describers and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    names = {object_type: _describers[object_type](sorted(ids)) for object_type, ids in wanted.items()}
    for event in events:
        event.change_lines = change_lines(event)
        event.subject = names.get(event.object_type, {}).get(event.object_id, "")
    return events
