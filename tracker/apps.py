from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "工程调度"

    def ready(self) -> None:
        # Connect the login audit receivers.
        from tracker.audit import logins  # noqa: F401
