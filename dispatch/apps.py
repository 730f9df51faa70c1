from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = "调度日历"

    def ready(self) -> None:
        # Register the calendar's tasks in every process; the catch-up listens for beat's start-up.
        from celery import current_app

        from core.page_panels import project_panels
        from dispatch import catch_up, project_panel, schedule, tasks  # noqa: F401
        from dispatch.models import SiteVisitStatus
        from tracker.audit import display as audit_display

        # The one beat schedule, handed to the Celery app here so that config/ imports no app.
        current_app.conf.update(beat_schedule=schedule.BEAT_SCHEDULE)
        # The project page shows what the calendar did about the project.
        project_panels.register(project_panel.calendar_context)
        audit_display.register("site_visit", states=dict(SiteVisitStatus.choices))
