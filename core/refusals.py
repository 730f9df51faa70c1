"""How a page shows a service's refusal: each message of the ValidationError, in Chinese."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError


def refusal_messages(error: ValidationError) -> list[str]:
    return list(getattr(error, "messages", [str(error)]))


def flash_refusal(request, error: ValidationError) -> None:
    """Show each message of a service's refusal on the next page."""
    for message in refusal_messages(error):
        messages.error(request, message)
