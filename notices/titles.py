"""Breaking a 公文 title into lines (GB/T 9704 §7.3.1: 回行时，要做到词意完整，排列对称，长短适宜，
间距恰当，标题排列应当使用梯形或菱形).

A title is cut into pieces that must not be split: dates and date ranges ("9月15日至9月21日"),
numbers with their unit, 文号, quoted names (“一泓清水入黄河”, 《…》) and words. Words come from
jieba with the office's own terms added to its dictionary (the fixed terms below, and the unit,
department and project names read from the database at render time). The lines are then chosen
among the breaks between pieces: as few lines as fit 156 mm of 2号 type, as even as possible,
never an hourglass (a short middle line between two long ones).

jieba's dictionary takes about a second to load; it is loaded once per process, on the first
title that needs breaking (a title that fits one line never loads it).
"""
from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Iterable

# 156 mm of 22 pt characters: 442 pt / 22 pt = 20.1.
LINE_WIDTH_EM = 20.0

# Terms every title of the office may carry, kept whole whatever jieba's dictionary says.
FIXED_TERMS = (
    "一泓清水入黄河", "生态保护工程", "生态保护", "专班办公室", "专班办", "督办函", "预警函", "提醒函",
    "约谈通知", "挂牌督办", "挂牌督办通知", "催报通知", "更正通知", "周调度报告", "调度情况", "月度通报",
    "进展情况", "推进情况", "整改情况", "进度滞后", "县（市、区）", "市直有关部门", "人民政府", "开发区",
    "管委会", "实行挂牌督办", "按期报送",
)

# Pieces never broken, matched before words. Longest alternatives first.
_DATE = r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?|\d{4}年(?:度)?"
_ATOM = re.compile(
    r"“[^”]*”|‘[^’]*’|《[^》]*》|〈[^〉]*〉|[\u4e00-\u9fa5]（[^（）]{1,10}）|"
    rf"(?:{_DATE})(?:[至到—–\-－~～](?:{_DATE}))?|"
    r"[\u4e00-\u9fa5]*〔\d{4}〕\d+号|"
    r"\d+(?:[.,]\d+)*(?:%|％|个百分点|万元|亿元|个|项|天|日|期|次|号|批|家|人|座|公里|千米|米)?|"
    r"[A-Za-z0-9][A-Za-z0-9\-_.]*"
)
_CLOSING = set("，。、；：？！）》〉”’」』】〕")
_OPENING = set("（《〈“‘「『【〔")
# A line should not start with these (they lean on the word before).
_WEAK_STARTS = ("的", "和", "及", "与", "之", "等")

_lock = threading.Lock()
_tokenizer = None
_added: set[str] = set()
logger = logging.getLogger(__name__)


def _width(text: str) -> float:
    """Width in em of 2号: CJK characters and full-width punctuation 1, half-width characters ½."""
    return sum(0.55 if ord(char) < 0x2000 else 1.0 for char in text)


def _jieba():
    """The process's jieba tokenizer, its dictionary loaded once (the first call costs ~1 s,
    or ~0.5 s with jieba's cache file)."""
    global _tokenizer
    if _tokenizer is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for term in FIXED_TERMS:
            tokenizer.add_word(term, freq=None)
            _added.add(term)
        _tokenizer = tokenizer
    return _tokenizer


def office_terms() -> list[str]:
    """Unit, department and project names, as they stand in the database now."""
    from tracker.models import AdministrativeUnit, Department, Project

    names: list[str] = []
    for model in (AdministrativeUnit, Department):
        for name, short_name in model.objects.values_list("name", "short_name"):
            names += [name, short_name]
    names += list(Project.objects.values_list("name", flat=True))
    return [name for name in names if name]


def _add_terms(tokenizer, terms: Iterable[str]) -> None:
    for term in terms:
        term = term.strip()
        if len(term) >= 2 and term not in _added and _width(term) <= LINE_WIDTH_EM:
            tokenizer.add_word(term, freq=None)
            _added.add(term)


def pieces(title: str, *, terms: Iterable[str] = ()) -> list[str]:
    """The title cut into pieces no line break may split (see the module's docstring)."""
    with _lock:
        tokenizer = _jieba()
        _add_terms(tokenizer, terms)
        raw: list[str] = []
        position = 0
        for match in _ATOM.finditer(title):
            if match.start() > position:
                raw += tokenizer.cut(title[position:match.start()], HMM=False)
            raw.append(match.group())
            position = match.end()
        if position < len(title):
            raw += tokenizer.cut(title[position:], HMM=False)
    # Punctuation leans on its neighbour: closing marks on the word before, opening on the one after.
    merged: list[str] = []
    pending_open = ""
    for piece in raw:
        if not piece:
            continue
        if all(char in _OPENING for char in piece):
            pending_open += piece
            continue
        piece = pending_open + piece
        pending_open = ""
        if merged and piece[0] in _CLOSING:
            lead = len(piece) - len(piece.lstrip("".join(_CLOSING)))
            merged[-1] += piece[:lead]
            piece = piece[lead:]
            if not piece:
                continue
        merged.append(piece)
    if pending_open:
        merged.append(pending_open)
    return _split_overlong(merged, terms)


def _split_overlong(parts: list[str], terms: Iterable[str] = ()) -> list[str]:
    """A piece wider than a whole line (a quoted document title, 《…》) is cut into its own
    pieces, its marks kept on its first and last; failing that, where the line is full."""
    result: list[str] = []
    for part in parts:
        if _width(part) <= LINE_WIDTH_EM:
            result.append(part)
            continue
        opening, closing = part[0], part[-1]
        if opening in _OPENING and len(part) > 2:
            inner = pieces(part[1:-1] if closing in _CLOSING else part[1:], terms=terms)
            inner[0] = opening + inner[0]
            if closing in _CLOSING:
                inner[-1] += closing
            result += inner
            continue
        while _width(part) > LINE_WIDTH_EM:
            cut = int(LINE_WIDTH_EM)
            result.append(part[:cut])
            part = part[cut:]
        result.append(part)
    return result


def break_offsets(title: str, *, terms: Iterable[str] = ()) -> set[int]:
    """Character offsets where the title may be broken (between two pieces)."""
    offsets, position = set(), 0
    for piece in pieces(title, terms=terms)[:-1]:
        position += len(piece)
        offsets.add(position)
    return offsets


def _cost(lines: list[str]) -> float:
    widths = [_width(line) for line in lines]
    mean = sum(widths) / len(widths)
    cost = sum((width - mean) ** 2 for width in widths)
    # 梯形 or 菱形, never 沙漏: a middle line shorter than the lines on both sides of it.
    for before, middle, after in zip(widths, widths[1:], widths[2:], strict=False):
        if middle < before - 0.5 and middle < after - 0.5:
            cost += 100
    for line in lines[1:]:
        if line.startswith(_WEAK_STARTS):
            cost += 6
    return cost


def title_lines(title: str, *, terms: Iterable[str] | None = None) -> list[str]:
    """The title's lines: one when it fits, else the fewest lines that fit, balanced, each break
    between two pieces. `terms`: the office's names to keep whole (default: read from the database)."""
    title = title.strip()
    if _width(title) <= LINE_WIDTH_EM:
        return [title]
    if terms is None:
        terms = office_terms()
    parts = pieces(title, terms=terms)
    widths = [_width(part) for part in parts]
    minimum = max(2, -(-int(sum(widths) * 100) // int(LINE_WIDTH_EM * 100)))
    for count in range(minimum, len(parts) + 1):
        best: tuple[float, list[str]] | None = None
        for cuts in itertools.combinations(range(1, len(parts)), count - 1):
            bounds = (0, *cuts, len(parts))
            lines = ["".join(parts[a:b]) for a, b in itertools.pairwise(bounds)]
            if any(_width(line) > LINE_WIDTH_EM for line in lines):
                continue
            cost = _cost(lines)
            if best is None or cost < best[0]:
                best = (cost, lines)
        if best is not None:
            return best[1]
    return [title]
