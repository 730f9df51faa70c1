"""E-mail: the message with its absolute link, and for a new letter the issued PDF attached.

Goes through notices.mail, the project's only mail sender (SMTP in production)."""
from __future__ import annotations

from notices import mail
from notices.integrity import IssuedPdfRefused, issued_pdf_check
from outreach.channels.base import ChannelError, Receipt
from outreach.texts import open_link


def send(message) -> Receipt:
    addresses = message.endpoint.mail_addresses
    if not addresses:
        raise ChannelError("未填写邮箱", code="config", transient=False)
    pdf_name, pdf_bytes = "", b""
    notice = message.notice
    if notice is not None and message.kind == "new_letter" and notice.pdf:
        try:
            pdf_bytes = issued_pdf_check(notice, purpose="邮件送达")  # the one gate to an issued PDF
        except IssuedPdfRefused as refusal:
            raise ChannelError(refusal.messages[0], code="integrity") from refusal
        pdf_name = f"{notice.number}.pdf"
    body = f"{message.text}\n\n办理链接：{open_link(message)}\n"
    try:
        if pdf_bytes:
            # The letter itself: its subject is the document's, 文号 and 标题, as a clerk files it.
            mail.notice_email_send(recipients=addresses, subject=f"{notice.number} {notice.title}", body=body,
                                   pdf_name=pdf_name, pdf_bytes=pdf_bytes)
        else:
            mail.plain_email_send(recipients=addresses, subject=message.title, body=body)
    except Exception as error:
        raise ChannelError(f"{type(error).__name__}: {error}"[:500], code="smtp") from error
    return Receipt()
