"""The audit row every write leaves, in the write's own transaction, and who the actor was."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import File
from django.utils import timezone

from core.actors import Actor, actor_required, actor_user
from tracker.models import AuditEvent, Project


def actor_display_name(user) -> str:
    actor_required(user)
    if isinstance(user, Actor):
        return user.name
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.full_name:
        return profile.full_name
    return user.get_full_name() or user.get_username()


def audit_event_build(
    *,
    action: str,
    acting_user,
    project: Project | None = None,
    unit=None,
    unit_id: int | None = None,
    object_type: str = "",
    object_id: Any = "",
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
    data: dict | None = None,
    actor_name: str = "",
    occurred_at: dt.datetime | None = None,
) -> AuditEvent:
    """One audit row, not saved yet: audit_record saves it at once; a bulk writer (the ledger
    import) builds its thousands of rows here and bulk-creates them in its transaction.

    `acting_user` is a User or core.actors.SYSTEM / ANONYMOUS, never None. `actor_name`
    overrides the recorded name (a failed login records the name that was tried).
    """
    actor_required(acting_user)
    return AuditEvent(
        action=action,
        occurred_at=occurred_at or timezone.now(),
        effective_on=effective_on,
        actor=actor_user(acting_user),
        actor_name=actor_name or actor_display_name(acting_user),
        project=project,
        # By id: a bulk writer's thousands of rows must not each load the project's unit.
        unit_id=(unit.pk if unit is not None
                 else (unit_id or (project.unit_id if project is not None else None))),
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )


def audit_record(
    *,
    action: str,
    acting_user,
    project: Project | None = None,
    unit=None,
    object_type: str = "",
    object_id: Any = "",
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
    evidence: File | None = None,
    evidence_path: str = "",
    data: dict | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one row to the audit log. Call it inside the transaction of the change."""
    event = audit_event_build(
        action=action, acting_user=acting_user, project=project, unit=unit, object_type=object_type,
        object_id=object_id, from_state=from_state, to_state=to_state, reason=reason,
        effective_on=effective_on, data=data, actor_name=actor_name,
    )
    if evidence is not None:
        event.evidence.save(getattr(evidence, "name", "evidence"), evidence, save=False)
    elif evidence_path:
        # The file is already stored (e.g. as the project's effect evidence): point at it.
        event.evidence.name = evidence_path
    event.save()
    return event
