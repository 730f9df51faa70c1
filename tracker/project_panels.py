"""What apps above the domain add to a project's page, without the domain importing them.

The project page belongs to tracker, but the calendar (dispatch) knows which rules fired for a
project and which site visits it has. Dependencies point down (STYLE: "a lower app never imports
a higher one"), so the higher app registers a context provider here in its AppConfig.ready and
the page merges what every provider returns.
"""
from __future__ import annotations

from collections.abc import Callable

ContextProvider = Callable[..., dict]

_providers: list[ContextProvider] = []


def register(provider: ContextProvider) -> ContextProvider:
    """Add a provider `provider(*, project, user) -> dict` (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def context_for(*, project, user) -> dict:
    context: dict = {}
    for provider in _providers:
        context.update(provider(project=project, user=user))
    return context
