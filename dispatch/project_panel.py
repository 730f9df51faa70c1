"""What the calendar adds to a project's page (registered in core.page_panels.project_panels)."""
from __future__ import annotations

from dispatch.models import RuleFiring, SiteVisitTask


def calendar_context(*, project, user) -> dict:
    """The rules that fired for the project and its site visits (the page is permission-checked)."""
    return {
        "firings": RuleFiring.objects.filter(project=project).order_by("-fired_on")[:30],
        "site_visits": (
            SiteVisitTask.objects.filter(project=project).select_related("owner").order_by("-visit_on")
        ),
    }
