from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "公文通知"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the tasks by name in every process (services send them by name).
        from notices import (
            checks,  # noqa: F401  (registers the font check)
            tasks,  # noqa: F401
        )
