from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "公文通知"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the tasks by name in every process (services send them by name).
        from notices import (
            audit_names,
            checks,  # noqa: F401  (registers the font check)
            tasks,  # noqa: F401
        )
        from notices.models import NoticeKind
        from notices.selectors import (
            drafting,  # noqa: F401  (adds 拟稿/核稿/签发 and the signature to the letter's page)
        )
        from notices.services.records import KIND_DEFAULTS
        from offices.document_kinds import document_kinds_register

        # The audit pages name a letter by its 文号 and title and its states in Chinese.
        audit_names.register()
        # offices keeps one settings row per kind of document; the kinds, their names and the
        # defaults a new office starts from are notices'.
        document_kinds_register(labels=dict(NoticeKind.choices), defaults=KIND_DEFAULTS)
