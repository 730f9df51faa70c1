"""The site frame's view of the user: their role, for the navigation."""
from django import template

from tracker import permissions

register = template.Library()


@register.simple_tag
def user_role(user) -> str:
    return permissions.role_of(user) or ""


@register.simple_tag
def light_class(light) -> str:
    return f"light light-{light}" if light else "light light-none"


@register.filter
def json_data(value, element_id: str):
    """Like Django's json_script, but UTF-8 (not \\uXXXX escapes): Chinese data at half the size."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    # The same escapes as json_script, so the data can never close the script element.
    text = text.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text))
