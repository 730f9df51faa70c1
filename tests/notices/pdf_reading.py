"""Reading rendered 公文 back (pdfplumber) for the layout checks: lines, the signature's page,
the title's lines and where they break."""
from __future__ import annotations

import io
import re

import pdfplumber

from notices import titles

MM = 72 / 25.4
BODY_BOTTOM = 35 * MM  # below the type area: page numbers only
_UNBREAKABLE = re.compile(r"\d[\d.%年月日号个]|[年月]\d")
# A quoted name is never broken, unless it is longer than a line (a quoted document title).
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》")


def is_red(colour) -> bool:
    return isinstance(colour, (tuple, list)) and len(colour) == 3 and colour[0] > 0.8 and colour[1] < 0.2


def open_pdf(pdf_bytes: bytes):
    return pdfplumber.open(io.BytesIO(pdf_bytes))


def lines(page) -> list[dict]:
    """The page's upright black text lines inside the type area, top to bottom:
    {"top", "text", "size" (the largest), "x0", "x1"}."""
    rows: dict[int, list] = {}
    for char in page.chars:
        if is_red(char["non_stroking_color"]) or not char.get("upright", True):
            continue
        if char["top"] > page.height - BODY_BOTTOM:
            continue
        rows.setdefault(round(char["top"] / 4), []).append(char)
    result = []
    for key in sorted(rows):
        chars = sorted(rows[key], key=lambda c: c["x0"])
        result.append({"top": chars[0]["top"], "text": "".join(c["text"] for c in chars).strip(),
                       "size": max(round(c["size"]) for c in chars),
                       "x0": chars[0]["x0"], "x1": chars[-1]["x1"]})
    return [line for line in result if line["text"]]


def signature_pages_without_body(pdf_bytes: bytes, *, issuer: str, date_text: str) -> list[int]:
    """Numbers of the pages whose signature (issuer over date, GB/T 9704 §7.3.5) has fewer than
    two lines of body text above it on the same page."""
    bad = []
    for number, page in enumerate(open_pdf(pdf_bytes).pages, start=1):
        page_lines = lines(page)
        for index, line in enumerate(page_lines):
            below = page_lines[index + 1]["text"] if index + 1 < len(page_lines) else ""
            if line["text"] == issuer and below == date_text:
                body_above = [row for row in page_lines[:index] if row["size"] == 16]
                if len(body_above) < 2:
                    bad.append(number)
    return bad


def title_lines(pdf_bytes: bytes) -> list[str]:
    """The 2号 title's lines as printed on page 1 (black 22 pt text before the first 16 pt line after it)."""
    page = open_pdf(pdf_bytes).pages[0]
    result, started = [], False
    for line in lines(page):
        if line["size"] == 22:
            result.append(line["text"].replace(" ", ""))
            started = True
        elif started:
            break
    return result


def bad_title_breaks(printed: list[str], *, terms=()) -> list[str]:
    """The breaks between printed title lines that cut a number, a date, a quoted name or a
    segmenter word ("…|…" around each bad break)."""
    title = "".join(printed)
    allowed = titles.break_offsets(title, terms=terms)
    bad, offset = [], 0
    for line in printed[:-1]:
        offset += len(line)
        pair = title[offset - 1:offset + 1]
        quoted = any(match.start() < offset < match.end()
                     and titles._width(match.group()) <= titles.LINE_WIDTH_EM
                     for match in _QUOTED.finditer(title))
        if _UNBREAKABLE.match(pair) or quoted or offset not in allowed:
            bad.append(f"{title[max(0, offset - 4):offset]}|{title[offset:offset + 4]}")
    return bad
