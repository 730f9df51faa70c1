"""Real files for the letters' attachments: a PDF with text on each page, a PNG, a DOCX,
an encrypted PDF and a damaged one — made here, so a test never depends on a file on disk."""
from __future__ import annotations

import io
import zipfile


def pdf_with_pages(*texts: str, landscape: bool = False) -> bytes:
    """A PDF with one page per text (A4), the text in large type near the top of each page."""
    from notices import rendering

    size = "A4 landscape" if landscape else "A4"
    pages = "".join(
        f'<section style="break-before: page; font-size: 28pt">{text}<p style="font-size: 14pt">'
        "Lorem ipsum dolor sit amet, 工程形象进度汇总。</p></section>"
        for text in texts
    )
    style = f"@page {{ size: {size}; margin: 20mm }}"
    html = f"<html><head><style>{style}</style></head><body>{pages}</body></html>"
    return rendering.pdf_from_standalone_html(html)


def blank_pdf() -> bytes:
    """The smallest real PDF: one empty A4 page."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595.28, height=841.89)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """A PDF that opens only with a password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_pages("SECRET"))))
    writer.encrypt(user_password="yihong", owner_password="yihong-owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def damaged_pdf() -> bytes:
    """A PDF's header and a few objects, cut off before its pages can be read."""
    return pdf_with_pages("BROKEN")[:600]


def png(width: int = 640, height: int = 400) -> bytes:
    """A site photo stand-in: a PNG with a coloured band (Pillow)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (235, 242, 250))
    ImageDraw.Draw(image).rectangle((0, height // 3, width, 2 * height // 3), fill=(40, 110, 170))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def docx() -> bytes:
    """A minimal Word document (OOXML zip holding word/document.xml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("word/document.xml", (
            '<?xml version="1.0"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>议程</w:t></w:r></w:p></w:body></w:document>"))
    return out.getvalue()
