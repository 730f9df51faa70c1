"""What apps above notices add to a letter's page, without notices importing them.

Like tracker.project_panels: a higher app (outreach: the messages sent about the letter)
registers a provider `provider(*, notice, user) -> dict` in its AppConfig.ready, and the letter's
page merges what every provider returns into its context.
"""
from __future__ import annotations

from collections.abc import Callable

ContextProvider = Callable[..., dict]

_providers: list[ContextProvider] = []


def register(provider: ContextProvider) -> ContextProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def context_for(*, notice, user) -> dict:
    context: dict = {}
    for provider in _providers:
        context.update(provider(notice=notice, user=user))
    return context
