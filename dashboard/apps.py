from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The read side: the 挂图作战 dashboard, the ledger page, the role home pages, their cache."""

    name = "dashboard"
    verbose_name = "挂图作战"

    def ready(self) -> None:
        from dashboard.cache import connect_signals

        # Writes to the portfolio bump the version of the cached figures.
        connect_signals()
