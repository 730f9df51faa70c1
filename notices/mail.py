"""The only module that talks to Django's mail backend (SMTP in production, file/console in the demo)."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection


def notice_email_send(*, recipients: list[str], subject: str, body: str, pdf_name: str,
                      pdf_bytes: bytes) -> None:
    """Send one notice to one recipient body's addresses, the PDF attached. Raises on failure."""
    connection = get_connection(fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", 10))
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        connection=connection,
    )
    message.attach(pdf_name, pdf_bytes, "application/pdf")
    message.send(fail_silently=False)


def plain_email_send(*, recipients: list[str], subject: str, body: str) -> None:
    """Send a short text message (a reminder with its link, outreach.channels.email). Raises on failure."""
    connection = get_connection(fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", 10))
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients,
                 connection=connection).send(fail_silently=False)
