"""What apps above an app add to one of its pages, without that app importing them.

The project page belongs to tracker, but the calendar (dispatch) knows which rules fired for a
project and which site visits it has; a letter's page belongs to notices, but outreach knows
which messages were sent about it. Dependencies point down (STYLE: "a lower app never imports a
higher one"), so the higher app registers a context provider on the page's registry in its
AppConfig.ready, and the page merges what every provider returns.
"""
from __future__ import annotations

from collections.abc import Callable

ContextProvider = Callable[..., dict]


class PanelRegistry:
    """The providers of one page; each is called with the page's keyword arguments."""

    def __init__(self) -> None:
        self._providers: list[ContextProvider] = []

    def register(self, provider: ContextProvider) -> ContextProvider:
        """Add a provider `provider(**page_arguments) -> dict` (idempotent; usable as a decorator)."""
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def context_for(self, **page_arguments) -> dict:
        context: dict = {}
        for provider in self._providers:
            context.update(provider(**page_arguments))
        return context


# The project page (tracker.views.projects.project_detail): providers take (*, project, user).
project_panels = PanelRegistry()
