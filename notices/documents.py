"""Turn a notice's stored context into the document GB/T 9704 lays out (no WeasyPrint; the only
read is the office's names that the title breaker keeps whole, see notices.titles).

The composers produce plain, JSON-serialisable context; this module decides the parts of the
公文 — mark, number, title, 主送, body blocks, signature, 版记 — for each kind.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.conf import settings

from notices import titles

LETTER_FORMAT = "letter"
ORDINARY_FORMAT = "ordinary"
TYPE_AREA_WIDTH_PT = 156 / 25.4 * 72


def chinese_date(day: dt.date) -> str:
    """成文日期 in Arabic numerals, year in full, no leading zeros (GB/T 9704 §7.3.5)."""
    return f"{day.year}年{day.month}月{day.day}日"


def document_number(prefix: str, year: int, sequence: int) -> str:
    """机关代字〔year〕N号: 六角括号, full year, no leading zeros, no 第."""
    return f"{prefix}〔{year}〕{sequence}号"


# 发文机关标志 (GB/T 9704 §7.2.3): 醒目、美观、庄重. It is set at 2号 (22 pt) at least and, when
# the name is too long for one line at that size, condensed horizontally (a 长宋 look, as
# printers set long marks) rather than made smaller than the title below it.
MARK_SIZE_PT = 22.0
MARK_MAX_WIDTH_PT = TYPE_AREA_WIDTH_PT - 4


def _em_width(text: str) -> float:
    """Width in em: CJK characters and full-width marks 1, half-width characters about ½."""
    return sum(0.55 if ord(char) < 0x2000 else 1.0 for char in text)


def mark_layout(text: str) -> dict:
    """Size, natural width and horizontal scale of the 发文机关标志: 22 pt, scaled to the type area."""
    natural = _em_width(text) * MARK_SIZE_PT
    scale = min(1.0, MARK_MAX_WIDTH_PT / natural) if natural else 1.0
    return {"size_pt": MARK_SIZE_PT, "width_pt": round(natural, 2), "scale": round(scale, 4),
            "offset_pt": round((TYPE_AREA_WIDTH_PT - natural) / 2, 2)}


def mark_size_pt(text: str) -> float:
    """The 发文机关标志's type size (never below 2号; see `mark_layout` for the condensing)."""
    return mark_layout(text)["size_pt"]


def title_lines(title: str, *, terms=None) -> list[str]:
    """The title's lines, broken between words into a 梯形/菱形 (GB/T 9704 §7.3.1; notices.titles)."""
    return titles.title_lines(title, terms=terms)


def _paragraphs(text: str) -> list[dict]:
    return [{"kind": "p", "text": line.strip()} for line in (text or "").splitlines() if line.strip()]


def letter_blocks(context: dict) -> list[dict]:
    """The body of a 函: the reason, one numbered item per project, then what is required."""
    blocks: list[dict] = []
    blocks += _paragraphs(context.get("opening", ""))
    if context.get("reason"):
        blocks.append({"kind": "p", "text": f"根据{context['reason']}，现将有关情况函告如下。"})
    items = context.get("items") or []
    if items:
        blocks.append({"kind": "h2", "text": "一、涉及项目及有关情况"})
        for index, item in enumerate(items, start=1):
            heading = (f"（{_chinese_numeral(index)}）"
                       f"{item.get('project_code', '')} {item.get('project_name', '')}")
            blocks.append({"kind": "h3", "text": heading})
            blocks += _paragraphs(item.get("facts", ""))
            if item.get("requirement"):
                blocks.append({"kind": "p", "text": f"工作要求：{item['requirement']}"})
        blocks.append({"kind": "h2", "text": "二、有关要求"})
    blocks += _paragraphs(context.get("requirements", ""))
    return blocks


def _chinese_numeral(number: int) -> str:
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    if number < 100:
        return digits[number // 10] + "十" + (digits[number % 10] if number % 10 else "")
    return str(number)


# 上行文 (to a higher authority) carry 签发人 beside the number (GB/T 9704 §7.2.4–7.2.5).
UPWARD_KINDS = frozenset({"weekly_report"})
_TABLE_NUMBER = re.compile(r"^表\s*\d+\s*")


def _wide_tables_as_attachments(blocks: list[dict], first_number: int) -> tuple[list[dict], list[dict]]:
    """Wide tables leave the running text: each becomes an 附件 set on landscape pages after the
    signature (GB/T 9704 §7.3.7 另面编排, §8 横排表格), and the text keeps its heading and intro
    with a reference to it, so no running text is ever set on a landscape page."""
    body: list[dict] = []
    appendices: list[dict] = []
    for block in blocks:
        if block.get("kind") != "table" or not block.get("wide"):
            body.append(block)
            continue
        number = first_number + len(appendices)
        name = _TABLE_NUMBER.sub("", block.get("caption") or block.get("heading") or "").strip()
        if block.get("heading"):
            body.append({"kind": "h2", "text": block["heading"]})
        reference = f"{name}见附件{number}。" if name else f"详见附件{number}。"
        intro = (block.get("intro") or "").strip()
        body.append({"kind": "p", "text": f"{intro}{reference}" if intro else reference})
        appendices.append({"number": number, "title": name,
                           "table": {key: value for key, value in block.items()
                                     if key not in ("heading", "intro", "caption")}})
    return body, appendices


# 附件 pages (GB/T 9704 §7.3.7): "附件N" on the type area's first line, the title centred
# from its third line, then the attachment. A page of an attached PDF is drawn by notices.appending
# into a framed box laid out here, scaled to what is left of the type area (never enlarged), so
# the page numbers and the 版记's even page count the attachment's pages as they will print.
TYPE_AREA_HEIGHT_PT = 225 / 25.4 * 72
LINE_PT = 28.99
APPENDIX_TITLE_GAP_PT = 14  # below the title, print.css .appendix-title
SLOT_FRAME_PT = 0.5
SLOT_SLACK_PT = 3  # rounding between this arithmetic and the layout engine's


def _appendix_heading_pt(title_line_count: int) -> float:
    """Height of "附件N", the empty second line and the title's lines."""
    return LINE_PT * (2 + title_line_count) + APPENDIX_TITLE_GAP_PT


def _slot_size(page_size: tuple[float, float], *, height_pt: float) -> tuple[float, float]:
    """(width, height) in pt of the box an attached page is drawn into: the page scaled to the
    type area's width and the height left, keeping its proportions, never enlarged."""
    width, height = page_size
    inner_width = TYPE_AREA_WIDTH_PT - 2 * SLOT_FRAME_PT - SLOT_SLACK_PT
    inner_height = height_pt - 2 * SLOT_FRAME_PT - SLOT_SLACK_PT
    scale = min(1.0, inner_width / width, inner_height / height)
    return round(width * scale, 2), round(height * scale, 2)


def _file_appendices(files: list[dict], attachments: list[str], *, title_terms=None) -> list[dict]:
    """The office's attached files as 附件 (in the order of 附件说明; a file not listed there is
    added to it). Each `files` item: title, type ("pdf", "image" or "embedded"), and for a PDF
    the slot names and sizes of its pages (`pages`: [(slot, (width, height))]), for an image its
    `image_src`, for an embedded file its `name` and `size_text`."""
    appendices = []
    for index, file in enumerate(files):
        if index < len(attachments) and attachments[index] == file["title"]:
            number = index + 1
        else:
            attachments.append(file["title"])
            number = len(attachments)
        lines = title_lines(file["title"], terms=title_terms)
        first_height = TYPE_AREA_HEIGHT_PT - _appendix_heading_pt(len(lines))
        pages = []
        for page_number, (slot, size) in enumerate(file.get("pages") or []):
            room = first_height if page_number == 0 else TYPE_AREA_HEIGHT_PT
            width, height = _slot_size(size, height_pt=room)
            pages.append({"slot": slot, "width_pt": width, "height_pt": height})
        appendices.append({
            "number": number,
            "title": file["title"],
            "title_lines": lines,
            "file": {**{key: value for key, value in file.items() if key != "pages"}, "pages": pages,
                     "image_max_height_pt": round(first_height - SLOT_SLACK_PT, 2)},
        })
    return appendices


def recipient_parts(text: str) -> list[str]:
    """The 主送 cut after each 、 or ， that separates two recipients (never inside "（市、区）"):
    the template sets each part unbroken, so a line wraps only between names (GB/T 9704 §7.3.2)."""
    parts, current, depth = [], "", 0
    for char in text or "":
        current += char
        depth += {"（": 1, "(": 1, "）": -1, ")": -1}.get(char, 0)
        if char in "、，," and depth <= 0:
            parts.append(current)
            current = ""
    return [*parts, current] if current else parts


def _lines_of(paragraphs: list[dict]) -> float:
    """Lines the paragraphs take at 28 characters a line, indented 2 字."""
    return sum(-(-(_em_width(p.get("text", "")) + 2) // 28) for p in paragraphs)


def build_document(*, notice_format: str, number: str | None, title: str, main_recipients: str,
                   context: dict, issued_on: dt.date, copy_to: str = "", note: str = "",
                   kind: str = "", signer: str = "", title_terms=None, files: Sequence[dict] = ()) -> dict:
    """Everything the document template needs, for either format.

    `kind`: the notice's kind (上行文 carry `signer` as 签发人); `title_terms`: names to keep whole
    when the title is broken (default: the office's names read from the database); `files`: the
    office's attached files to append (see `_file_appendices`)."""
    issuer = settings.YIHONG_NOTICE_ISSUER
    mark = issuer if notice_format == LETTER_FORMAT else f"{issuer}文件"
    blocks = context.get("blocks")
    if blocks is None:
        blocks = letter_blocks(context)
    attachments = list(context.get("attachments") or [])
    file_appendices = _file_appendices(list(files), attachments, title_terms=title_terms)
    blocks, appendices = _wide_tables_as_attachments(list(blocks), first_number=len(attachments) + 1)
    attachments += [appendix["title"] for appendix in appendices]
    appendices = sorted(file_appendices + appendices, key=lambda appendix: appendix["number"])
    # The last paragraph goes with the signature and date (GB/T 9704 §7.3.5: no page holding
    # only them), and the one before it too when the last is a single line ("特此更正。"), so
    # that at least two lines of text stand above them; the template keeps that group together.
    closing: list[dict] = []
    while blocks and blocks[-1].get("kind") == "p" and _lines_of(closing) < 2:
        closing.insert(0, blocks.pop())
    mark_geometry = mark_layout(mark)
    return {
        "format": notice_format,
        "kind": kind,
        "issuer": issuer,
        "issuer_mark": mark,
        # 印发机关 shares one 4号 line with the date, so the short name is used there.
        "printer": settings.YIHONG_NOTICE_PRINTER,
        "mark_size_pt": mark_geometry["size_pt"],
        "mark": mark_geometry,
        "number": number,
        "signer": signer if kind in UPWARD_KINDS and notice_format == ORDINARY_FORMAT else "",
        "upward": kind in UPWARD_KINDS and notice_format == ORDINARY_FORMAT,
        "title": title,
        "title_lines": title_lines(title, terms=title_terms),
        "main_recipients": main_recipients,
        "recipient_parts": recipient_parts(main_recipients),
        "blocks": blocks,
        "closing_blocks": closing,
        "attachments": attachments,
        "appendices": appendices,
        "date_text": chinese_date(issued_on),
        "print_date_text": chinese_date(issued_on),
        "copy_to": copy_to or context.get("copy_to", ""),
        # 抄报 (to superiors, for information) above 抄送 in the 版记 (a 通报 to 市人民政府).
        "copy_report_to": context.get("copy_report_to", ""),
        "note": note or context.get("note", ""),
    }
