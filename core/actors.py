"""Who acts when no person does: the system (the calendar, the command line) — explicitly.

Every service takes `acting_user` as a required keyword. A person is a User; the calendar's own
acts (scans, letters it drafts and issues on a kind the leader designated for automatic issue,
escalations) and the command line pass `SYSTEM`, which skips the per-person permission checks
and is recorded as “系统”. `None` is never an actor: a caller that forgot the user gets an error
(`ActorMissing`), never a pass. A failed login has no user either: it is recorded as `ANONYMOUS`
with the name that was typed.
"""
from __future__ import annotations


class Actor:
    """An actor that is not a user: no primary key, never authenticated, never a foreign key."""

    pk = None
    id = None
    is_authenticated = False
    is_active = False
    is_superuser = False
    is_staff = False

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<Actor {self.name}>"

    def __str__(self) -> str:
        return self.name


SYSTEM = Actor("系统")
ANONYMOUS = Actor("匿名")


class ActorMissing(TypeError):
    """A service was called without saying who acts."""


def actor_required(acting_user) -> None:
    if acting_user is None:
        raise ActorMissing(
            "acting_user is required: the user who acts, or core.actors.SYSTEM for the system's own acts"
        )


def is_system(acting_user) -> bool:
    """True for the system's own acts, which no per-person permission check applies to."""
    actor_required(acting_user)
    return acting_user is SYSTEM


def actor_user(acting_user):
    """The User to store on a row (created_by, reported_by, …): None for the system and anonymous."""
    actor_required(acting_user)
    return None if isinstance(acting_user, Actor) else acting_user
