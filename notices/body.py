"""A letter's body as the office types it, and back (pure; no database).

The drafter writes plain lines; GB/T 9704 §7.3.3's heading levels are recognised by their
numbering: 一、 (黑体, h2), （一） (楷体, h3), 1. and （1） (仿宋, running text). A table the calendar
put in a draft cannot be typed; it stands in the text as the line 【表格N：caption】 and is kept
as it was as long as that line stays.
"""

from __future__ import annotations

import difflib
import re

LEVEL_ONE = re.compile(r"^[一二三四五六七八九十]+、")
LEVEL_TWO = re.compile(r"^（[一二三四五六七八九十]+）")
TABLE_LINE = re.compile(r"^【表格(\d+)：?[^】]*】$")


def blocks_from_text(text: str, tables: list[dict] | tuple = ()) -> list[dict]:
    """The document blocks of typed text (one paragraph per non-empty line)."""
    blocks: list[dict] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        table = TABLE_LINE.match(line)
        if table and 1 <= int(table.group(1)) <= len(tables):
            blocks.append(tables[int(table.group(1)) - 1])
        elif LEVEL_ONE.match(line):
            blocks.append({"kind": "h2", "text": line})
        elif LEVEL_TWO.match(line):
            blocks.append({"kind": "h3", "text": line})
        else:
            blocks.append({"kind": "p", "text": line})
    return blocks


def text_from_blocks(blocks: list[dict]) -> tuple[str, list[dict]]:
    """(typed text, tables) of document blocks: the inverse of `blocks_from_text`."""
    lines: list[str] = []
    tables: list[dict] = []
    for block in blocks or []:
        if block.get("kind") == "table":
            tables.append(block)
            caption = block.get("caption") or block.get("heading") or ""
            lines.append(f"【表格{len(tables)}：{caption}】")
        elif block.get("text"):
            lines.append(block["text"])
    return "\n".join(lines), tables


def text_diff(old: str, new: str) -> list[dict]:
    """Line by line, what changed between two wordings: rows of {op: ' '|'-'|'+', text}."""
    rows = []
    for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
        if line.startswith("? "):
            continue
        rows.append({"op": line[0], "text": line[2:]})
    return rows


def version_text(*, title: str, main_recipients: str, copy_to: str, body: str, attachments: list[str]) -> str:
    """One version as the text the diff compares: title, 主送, body, 附件, 抄送."""
    parts = [f"标题：{title}", f"主送：{main_recipients}", *(body or "").splitlines()]
    parts += [f"附件：{name}" for name in attachments or []]
    if copy_to:
        parts.append(f"抄送：{copy_to}")
    return "\n".join(parts)
