from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = "调度日历"

    def ready(self) -> None:
        # Register the calendar's tasks by name in every process (services send them by name).
        from dispatch import catch_up, project_panel, tasks  # noqa: F401
        from tracker.page_panels import project_panels

        # The project page shows what the calendar did about the project.
        project_panels.register(project_panel.calendar_context)

        from dispatch.models import SiteVisitStatus
        from tracker import audit_display

        audit_display.register("site_visit", states=dict(SiteVisitStatus.choices))
