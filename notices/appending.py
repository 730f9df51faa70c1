"""The office's own files appended to an issued letter (附件, GB/T 9704 §7.3.6–7.3.7): the
only module that imports pypdf.

WeasyPrint lays the appendix pages out with an empty, framed box per page of an attached PDF
(notices.documents sizes the boxes, notices.rendering reports where they landed); here each page
of the attachment is drawn into its box, still vector, and the originals that no converter can
turn into pages (DOC, DOCX, XLS, XLSX: no office suite on the server) are embedded in the file.
The caller signs the result, so the signature covers the appended pages and embedded files too.
The upload checks (a PDF or an image that cannot be bound is refused when it is attached) live
here too, next to what they protect.
"""

from __future__ import annotations

import io
import logging
import mimetypes
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# pypdf reads a damaged file loosely (strict=False) and logs what it repairs: quiet that here,
# the upload check decides instead whether the file can be appended at all.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MIME_TYPES = {
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class SlotBox:
    """Where WeasyPrint laid out an attachment page's box: 0-based page index and the inner
    rectangle in PDF points, origin at the page's lower left."""

    page_index: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Placement:
    """Draw page `source_page` (0-based) of `content` (a PDF) into the box named `slot`."""

    slot: str
    content: bytes
    source_page: int


@dataclass(frozen=True)
class Embedded:
    """A file carried inside the PDF as it was uploaded."""

    name: str
    content: bytes
    description: str = ""
    file_type: str = ""


def _reader(content: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(content), strict=False)


def pdf_upload_problem(content: bytes) -> str | None:
    """Why an uploaded PDF cannot be appended to a letter, in words for the clerk; None if it can.

    Refused: a file that does not parse, one encrypted or password-protected (its pages cannot
    be copied into the letter), one without pages, one whose pages cannot be read."""
    try:
        reader = _reader(content)
        if reader.is_encrypted:
            return "是加密或设有密码保护的PDF文件，无法并入公文；请取消加密后重新上传"
        pages = list(reader.pages)
        if not pages:
            return "是没有页面的PDF文件，无法并入公文"
        for page in pages:
            _page_size(page)
            contents = page.get_contents()
            if contents is not None:
                contents.get_data()
    except Exception as error:  # any failure to read is the file's: refuse it with the reason
        logger.info("attachment PDF refused: %s: %s", type(error).__name__, error)
        return "不是完整有效的PDF文件（文件已损坏或格式不正确），无法并入公文；请重新导出PDF后上传"
    return None


def image_upload_problem(content: bytes) -> str | None:
    """Why an uploaded JPG or PNG cannot be printed as a 附件 page; None if it can. A truncated
    photo passes the type check on its first bytes; Pillow's verify (a PNG's chunks and their
    checksums) and a full decode catch it. (WeasyPrint, once imported, lets Pillow load a
    truncated image, hence verify first.)"""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()
    except Exception as error:  # any failure to decode is the file's
        logger.info("attachment image refused: %s: %s", type(error).__name__, error)
        return "不是完整有效的图片文件（文件已损坏或不完整），无法并入公文；请重新导出后上传"
    return None


def _page_size(page) -> tuple[float, float]:
    """The page's visible size in points as a reader shows it (crop box, turned by /Rotate)."""
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    if width <= 0 or height <= 0:
        raise ValueError("empty page box")
    if (page.rotation or 0) % 180:
        width, height = height, width
    return width, height


def pdf_page_sizes(content: bytes) -> list[tuple[float, float]]:
    """Each page's (width, height) in points, as it is seen (after /Rotate)."""
    return [_page_size(page) for page in _reader(content).pages]


def _upright_page(content: bytes, index: int, cache: dict):
    """The source page with its /Rotate turned into its content (a reader shows it upright) and
    without annotations (links and comments of the original have no place in a bound letter)."""
    key = id(content)
    if key not in cache:
        cache[key] = _reader(content)
    page = cache[key].pages[index]
    if (page.rotation or 0) % 360:
        page.transfer_rotation_to_content()
    if "/Annots" in page:
        del page["/Annots"]
    return page


def pdf_append(pdf_bytes: bytes, *, slots: dict[str, SlotBox], placements: list[Placement],
               embedded: list[Embedded]) -> bytes:
    """The rendered letter with every placement drawn into its box (scaled to the box, centred)
    and every `embedded` file attached. Everything else of the letter (its named destination for
    the seal, its outline, metadata) is kept."""
    from pypdf import PdfWriter, Transformation

    writer = PdfWriter(clone_from=_reader(pdf_bytes))
    sources: dict = {}
    for placement in placements:
        box = slots.get(placement.slot)
        if box is None:
            raise ValueError(f"appendix box {placement.slot} was not laid out")
        page = _upright_page(placement.content, placement.source_page, sources)
        crop = page.cropbox
        left, bottom = float(crop.left), float(crop.bottom)
        width, height = float(crop.width), float(crop.height)
        scale = min(box.width / width, box.height / height)
        offset_x = box.x + (box.width - width * scale) / 2
        offset_y = box.y + (box.height - height * scale) / 2
        transformation = (Transformation().translate(-left, -bottom).scale(scale, scale)
                          .translate(offset_x, offset_y))
        writer.pages[box.page_index].merge_transformed_page(page, transformation)
    for file in embedded:
        attachment = writer.add_attachment(file.name, file.content)
        attachment.alternative_name = _text(file.name)
        if file.description:
            attachment.description = _text(file.description)
        mime = MIME_TYPES.get(file.file_type) or mimetypes.guess_type(file.name)[0]
        if mime:
            attachment.subtype = _mime_name(mime)
        attachment.size = _number(len(file.content))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_embedded_files(pdf_bytes: bytes) -> dict[str, bytes]:
    """The files embedded in a PDF, by name (what a reader's 附件 panel lists)."""
    reader = _reader(pdf_bytes)
    return {name: contents[0] for name, contents in reader.attachments.items()}


def _text(value: str):
    from pypdf.generic import create_string_object

    return create_string_object(value)


def _mime_name(mime: str):
    from pypdf.generic import NameObject

    return NameObject("/" + mime)  # pypdf writes the "/" inside the type as #2F (ISO 32000 §7.3.5)


def _number(value: int):
    from pypdf.generic import NumberObject

    return NumberObject(value)
