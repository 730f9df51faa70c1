"""A letter's own files (NoticeFile) as the 附件 printed after its body (GB/T 9704 §7.3.7).

`appendix_files` reads the files and describes each for notices.documents (how many pages and
of what size, or an image, or a file to embed); `pdf_render` renders the document with them and
hands the result to notices.appending, which draws the PDFs' pages into their boxes and embeds
the rest. The issued letter is signed after this, so the signature covers every appended page.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

from core.uploads import attachment_type_detect
from notices import appending, rendering
from notices.models import Notice

logger = logging.getLogger(__name__)

IMAGE_MIME = {"jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class AttachedFile:
    """One stored file, read once for both the layout and the pass after it."""

    pk: int
    title: str
    name: str
    content: bytes
    file_type: str


def size_text(size: int) -> str:
    """A file's size as an office writes it: 12.3KB, 1.5MB (no space: the line is justified)."""
    if size >= 1048576:
        return f"{size / 1048576:.1f}MB"
    return f"{max(size / 1024, 0.1):.1f}KB"


def notice_files(notice: Notice) -> list[AttachedFile]:
    """The letter's files in the order of its 附件说明 (the order they were attached)."""
    if notice.pk is None:
        return []
    files = []
    for row in notice.files.order_by("pk"):
        with row.file.open("rb") as handle:
            content = handle.read()
        file_type = attachment_type_detect(name=row.original_name, content=content) or ""
        files.append(AttachedFile(pk=row.pk, title=row.title, name=row.original_name, content=content,
                                  file_type=file_type))
    return files


def _slot(file: AttachedFile, page_index: int) -> str:
    return f"file{file.pk}-page{page_index + 1}"


def _described(file: AttachedFile) -> dict:
    """What notices.documents needs of one file."""
    base = {"pk": file.pk, "title": file.title}
    if file.file_type == "pdf":
        try:
            sizes = appending.pdf_page_sizes(file.content)
        except Exception:  # stored before uploads were checked: carried as a file instead of pages
            logger.warning("attached PDF %s (file %s) cannot be read; embedded instead", file.name, file.pk)
            sizes = []
        if sizes:
            pages = [(_slot(file, index), size) for index, size in enumerate(sizes)]
            return {**base, "type": "pdf", "pages": pages}
    if file.file_type in IMAGE_MIME:
        data = base64.b64encode(file.content).decode()
        return {**base, "type": "image", "image_src": f"data:{IMAGE_MIME[file.file_type]};base64,{data}"}
    return {**base, "type": "embedded", "name": file.name, "size_text": size_text(len(file.content))}


def appendix_files(files: list[AttachedFile]) -> list[dict]:
    """The `files` argument of notices.documents.build_document."""
    return [_described(file) for file in files]


def pdf_render(template_name: str, doc: dict, files: list[AttachedFile]) -> bytes:
    """The document's PDF with its files appended: PDF pages drawn into their boxes (vector),
    images already laid out, the others embedded as they were uploaded. `doc` was built with
    `appendix_files(files)`."""
    if not files:
        return rendering.render_pdf(template_name, {"doc": doc})
    pdf_bytes, slots = rendering.render_pdf_with_slots(template_name, {"doc": doc})
    by_pk = {file.pk: file for file in files}
    placements, embedded = [], []
    for appendix in doc.get("appendices") or []:
        described = appendix.get("file")
        file = by_pk.get(described["pk"]) if described else None
        if file is None:
            continue
        if described["type"] == "pdf":
            placements += [appending.Placement(slot=page["slot"], content=file.content, source_page=index)
                           for index, page in enumerate(described["pages"])]
        elif described["type"] == "embedded":
            embedded.append(appending.Embedded(name=file.name, content=file.content, description=file.title,
                                               file_type=file.file_type))
    if not placements and not embedded:
        return pdf_bytes
    return appending.pdf_append(
        pdf_bytes,
        slots={name: appending.SlotBox(*box) for name, box in slots.items()},
        placements=placements,
        embedded=embedded,
    )
