"""GB/T 9704 PDFs: the only module that imports WeasyPrint.

Cost model (measured, see bench/bench_notices.py): almost all of a CJK PDF's time is font
subsetting. So the free faces are pre-subset by `prepare_fonts`, the @font-face stylesheet
and WeasyPrint's FontConfiguration are built once per process and reused for every document,
and the stylesheet names only faces that exist here (a name fontconfig does not know would
otherwise be silently substituted by some other face).
"""
from __future__ import annotations

import atexit
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string

from notices import fonts

if TYPE_CHECKING:
    from weasyprint.document import Page

_lock = threading.Lock()
_shared: dict = {}
# WeasyPrint's FontConfiguration cleans up in __del__, which fails during interpreter shutdown.
atexit.register(_shared.clear)


@lru_cache(maxsize=1)
def _available_families() -> frozenset[str]:
    return frozenset(fonts.installed_families())


def font_families() -> dict[str, str]:
    """Per role, the CSS family list: the settings' stack reduced to faces present here."""
    prepared = {face.family for face in fonts.FREE_FACES if fonts.prepared_path(face).exists()}
    installed = _available_families()
    result = {}
    for role, stack in settings.YIHONG_FONT_STACK.items():
        present = [name for name in stack if name in prepared or name in installed]
        result[role] = ", ".join(f'"{name}"' for name in present) or "serif"
    return result


def official_faces_missing() -> list[str]:
    """Roles whose official faces are all absent (the document falls back to free faces)."""
    installed = _available_families()
    free = {face.family for face in fonts.FREE_FACES}
    missing = []
    for role, stack in settings.YIHONG_FONT_STACK.items():
        if not any(name in installed for name in stack if name not in free):
            missing.append(role)
    return missing


def _weasy():
    """WeasyPrint objects shared by every render in this process (fonts loaded once)."""
    with _lock:
        if "font_config" not in _shared:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            font_config = FontConfiguration()
            families = font_families()
            css_text = fonts.font_face_css() + "\n" + render_to_string(
                "notices/pdf/print.css", {"families": families}
            )
            _shared["font_config"] = font_config
            _shared["stylesheet"] = CSS(string=css_text, font_config=font_config)
        return _shared["font_config"], _shared["stylesheet"]


def render_html(template_name: str, context: dict) -> str:
    return render_to_string(template_name, context)


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML

    font_config, stylesheet = _weasy()
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[stylesheet], font_config=font_config
    )
    return document.write_pdf()


def layout_only(html: str):
    """Lay the document out without writing the PDF (the benchmark compares the two)."""
    from weasyprint import HTML

    font_config, stylesheet = _weasy()
    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[stylesheet], font_config=font_config
    )


def _classes_on(page) -> set[str]:
    """The CSS classes of the elements laid out on a page."""
    classes: set[str] = set()
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if element is not None:
            classes.update((element.get("class") or "").split())
    return classes


def _colophon_page(document) -> tuple[int, Page] | None:
    """(1-based number, page) of the page holding the 版记, if any (the last page with a box of
    it: its footnote call may stay on the page before)."""
    found = None
    for number, page in enumerate(document.pages, start=1):
        if "colophon" in _classes_on(page):
            found = (number, page)
    return found


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render one document template to PDF bytes.

    The 版记 must fall on an even (back) page, GB/T 9704 §7.4: it is first laid out at the foot of
    the last page; when that page is odd or landscape, the document is laid out again with the
    版记 on the next even page (a blank, unnumbered page between when needed)."""
    return _document_laid_out(template_name, context).write_pdf()


SLOT_CLASS = "attachment-slot"
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS px, 96 to the inch


def render_pdf_with_slots(template_name: str, context: dict) -> tuple[bytes, dict[str, tuple]]:
    """`render_pdf`, and where each attachment box (class `attachment-slot`, named by its
    `data-slot`) landed: {slot: (0-based page index, x, y, width, height)}, its inner box in PDF
    points from the page's lower left (notices.appending draws the attached pages there)."""
    document = _document_laid_out(template_name, context)
    slots: dict[str, tuple] = {}
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or SLOT_CLASS not in (element.get("class") or "").split():
                continue
            name = element.get("data-slot")
            if name in slots or box.element_tag != "div":
                continue
            top = box.content_box_y()
            slots[name] = (index, box.content_box_x() * PX_TO_PT, (page.height - top - box.height) * PX_TO_PT,
                           box.width * PX_TO_PT, box.height * PX_TO_PT)
    return document.write_pdf(), slots


def _signature_page(document) -> int | None:
    """The 0-based index of the page holding the 署名 and 成文日期."""
    for index, page in enumerate(document.pages):
        if "signature" in _classes_on(page):
            return index
    return None


def _closing_moved_alone(document) -> bool:
    """Whether the closing (last paragraph, 附件说明, signature, date) was moved whole to a page
    after the one where the text before it ended."""
    index = _signature_page(document)
    if not index:
        return False
    return "closing" not in _classes_on(document.pages[index - 1])


def _document_laid_out(template_name: str, context: dict):
    html = render_html(template_name, context)
    document = layout_only(html)
    doc = context.get("doc")
    if isinstance(doc, dict) and not doc.get("closing_tight") and _closing_moved_alone(document):
        # GB/T 9704 §7.3.5 prefers closer lines to a page started for the signature: try it,
        # keep it only if the signature then stays on the page where the text was.
        tight_context = {**context, "doc": {**doc, "closing_tight": True}}
        tight = layout_only(render_html(template_name, tight_context))
        tight_page, page_now = _signature_page(tight), _signature_page(document)
        assert tight_page is not None and page_now is not None  # both lay out the signature
        if tight_page < page_now:
            context, document, doc = tight_context, tight, tight_context["doc"]
    if isinstance(doc, dict) and not doc.get("colophon_own_page"):
        found = _colophon_page(document)
        if found is not None:
            number, page = found
            # Kept only on an even portrait page that also holds the end of the text; a page
            # the 版记 would hold alone is laid out as such (no page number, §7.5).
            shares_page = bool(_classes_on(page) & {"signature", "appendix"})
            if number % 2 or page.width > page.height or not shares_page:
                context = {**context, "doc": {**doc, "colophon_own_page": True}}
                document = layout_only(render_html(template_name, context))
    return document


def pdf_from_standalone_html(html: str) -> bytes:
    """A small PDF laid out by its own styles only, not the document's (the seal image that
    notices.sealing stamps on every issued letter)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
