"""What an uploaded file really is, judged by its first bytes (never by its name alone).

Used by every upload a unit makes: a 反馈's attachments (notices), the 开工 evidence and a
procedure's 批复文件 (tracker). The name's extension must agree with the content.
"""
from __future__ import annotations

import io
import zipfile

from django.core.exceptions import ValidationError
from django.core.files.base import File

ALLOWED_ATTACHMENT_TYPES = ("pdf", "jpg", "png", "doc", "docx", "xls", "xlsx")
# A document (开工令, 批复) or a photo of the site.
DOCUMENT_OR_IMAGE_TYPES = ("pdf", "jpg", "png")
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


def attachment_type_detect(*, name: str, content: bytes) -> str | None:
    """The file's real type from its first bytes, if it is an allowed one and matches the name."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "jpeg":
        extension = "jpg"
    detected: str | None
    if content.startswith(b"%PDF-"):
        detected = "pdf"
    elif content.startswith(b"\xff\xd8\xff"):
        detected = "jpg"
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        detected = "png"
    elif content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: legacy .doc / .xls
        detected = extension if extension in ("doc", "xls") else None
    elif content.startswith(b"PK\x03\x04"):  # OOXML is a zip holding word/ or xl/
        marker = {"docx": b"word/", "xlsx": b"xl/"}.get(extension)
        holds = marker is not None and (marker in content[:200_000] or _zip_has(content, marker))
        detected = extension if holds else None
    else:
        detected = None
    return detected if detected == extension else None


def _zip_has(content: bytes, prefix: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return any(name.encode().startswith(prefix) for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


def document_or_image_check(upload: File, *, what: str) -> str:
    """Refuse anything but a non-empty PDF, JPG or PNG whose content matches its name; the type."""
    name = getattr(upload, "name", "") or ""
    display = name.rsplit("/", 1)[-1]
    upload.seek(0)
    content = upload.read(EVIDENCE_MAX_BYTES + 1)
    upload.seek(0)
    if not content:
        raise ValidationError(f"{what}“{display}”是空文件")
    if len(content) > EVIDENCE_MAX_BYTES:
        raise ValidationError(f"{what}“{display}”超过大小上限（20 MB）")
    detected = attachment_type_detect(name=name, content=content)
    if detected not in DOCUMENT_OR_IMAGE_TYPES:
        raise ValidationError(f"{what}“{display}”的类型不被接受或与文件内容不符；只接受 PDF、JPG、PNG 文件")
    return detected
