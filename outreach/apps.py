from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "消息提醒"

    def ready(self) -> None:
        # Register the tasks in every process, hear of letters issued and 批示 made, and answer
        # notices' question of who a letter can reach outside the inbox.
        from notices import outbound, page_panels
        from outreach import selectors, signals
        from outreach.tasks import planning as planning_tasks  # noqa: F401
        from outreach.tasks import sending as sending_tasks  # noqa: F401

        signals.connect()
        outbound.hooks.address_book(_reachable)
        # The letter's page shows what was sent about it (office staff).
        page_panels.register(selectors.notice_messages)


def _reachable(recipient_keys) -> set[str]:
    from outreach import planning

    return planning.recipients().reachable(recipient_keys)
