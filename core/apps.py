from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kit under every app: who acts, the working-day calendar, uploads, spreadsheet
    cells, page panels, the task queue, the office scope. No domain here."""

    name = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        # Register the heartbeat task in every process (beat sends it; /healthz/ reads its trace).
        from core import tasks  # noqa: F401
