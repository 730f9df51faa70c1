from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "消息提醒"

    def ready(self) -> None:
        # Register the tasks by name in every process, and hear of letters issued and 批示 made.
        from notices import page_panels
        from outreach import selectors, signals, tasks  # noqa: F401

        signals.connect()
        # The letter's page shows what was sent about it (office staff).
        page_panels.register(selectors.notice_messages)
