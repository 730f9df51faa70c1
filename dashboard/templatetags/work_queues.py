"""The navigation's badges: the user's work queues, counted once per request (dashboard.queues)."""
from django import template

from dashboard.queues import queues_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def work_queues(context):
    request = context.get("request")
    if request is None:
        return None
    return queues_for_request(request)
