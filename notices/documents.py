"""Turn a notice's stored context into the document GB/T 9704 lays out (no I/O, no WeasyPrint).

The composers produce plain, JSON-serialisable context; this module decides the parts of the
公文 — mark, number, title, 主送, body blocks, signature, 版记 — for each kind.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings

LETTER_FORMAT = "letter"
ORDINARY_FORMAT = "ordinary"
TYPE_AREA_WIDTH_PT = 156 / 25.4 * 72


def chinese_date(day: dt.date) -> str:
    """成文日期 in Arabic numerals, year in full, no leading zeros (GB/T 9704 §7.3.5)."""
    return f"{day.year}年{day.month}月{day.day}日"


def document_number(prefix: str, year: int, sequence: int) -> str:
    """机关代字〔year〕N号: 六角括号, full year, no leading zeros, no 第."""
    return f"{prefix}〔{year}〕{sequence}号"


def mark_size_pt(text: str) -> float:
    """The 发文机关标志 fills at most the type area's width, capped at 2号×1.6."""
    return round(min(35.0, (TYPE_AREA_WIDTH_PT - 8) / max(len(text), 1) - 1), 1)


TITLE_CHARS_PER_LINE = 20  # 156 mm of 2号 (22 pt) characters


def title_lines(title: str) -> list[str]:
    """Break a long title into lines of near-equal length (a symmetric shape, GB/T 9704 §7.3.1)
    rather than leaving one character alone on the last line."""
    if len(title) <= TITLE_CHARS_PER_LINE:
        return [title]
    count = -(-len(title) // TITLE_CHARS_PER_LINE)
    size = -(-len(title) // count)
    lines = [title[i:i + size] for i in range(0, len(title), size)]
    # Never start a line with closing punctuation.
    for index in range(1, len(lines)):
        while lines[index] and lines[index][0] in "，。、；：）》”’":
            lines[index - 1] += lines[index][0]
            lines[index] = lines[index][1:]
    return [line for line in lines if line]


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
            blocks.append({"kind": "h3", "text": f"（{_chinese_numeral(index)}）{item.get('project_code', '')} {item.get('project_name', '')}"})
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


def build_document(*, notice_format: str, number: str | None, title: str, main_recipients: str,
                   context: dict, issued_on: dt.date, copy_to: str = "", note: str = "") -> dict:
    """Everything the document template needs, for either format."""
    issuer = settings.YIHONG_NOTICE_ISSUER
    mark = issuer if notice_format == LETTER_FORMAT else f"{issuer}文件"
    blocks = context.get("blocks") if context.get("blocks") is not None else letter_blocks(context)
    return {
        "format": notice_format,
        "issuer": issuer,
        "issuer_mark": mark,
        # 印发机关 shares one 4号 line with the date, so the short name is used there.
        "printer": settings.YIHONG_NOTICE_PRINTER,
        "mark_size_pt": mark_size_pt(mark),
        "number": number,
        "title": title,
        "title_lines": title_lines(title),
        "main_recipients": main_recipients,
        "blocks": blocks,
        "attachments": context.get("attachments") or [],
        "date_text": chinese_date(issued_on),
        "print_date_text": chinese_date(issued_on),
        "copy_to": copy_to or context.get("copy_to", ""),
        "note": note or context.get("note", ""),
    }
