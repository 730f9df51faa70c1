"""How the office writes figures and dates in a 公文: 亿元/万元, percentages without ".00", changes,
你市/你县, 9月21日."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

HUNDRED = Decimal("100")

YI = Decimal("10000")  # 万元 in one 亿元


def _pct(value: Decimal) -> str:
    """33.33% / 50.5% / 100% — never "100.00%"."""
    return f"{Decimal(value).quantize(Decimal('0.01')).normalize():f}%"


def _num(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')).normalize():f}"


def money(wan: Decimal) -> str:
    """万元 as an office reads it: 亿元 with two places above 1亿 (115.14亿元), else 万元."""
    wan = Decimal(wan)
    if abs(wan) >= YI:
        return f"{(wan / YI).quantize(Decimal('0.01')):f}亿元"
    return f"{_num(wan)}万元"


def _change(now: Decimal, before: Decimal) -> str:
    """较上月: "提高5.26个百分点" / "持平" / "下降1个百分点"."""
    delta = Decimal(now) - Decimal(before)
    if delta == 0:
        return "持平"
    return f"{'提高' if delta > 0 else '下降'}{_points(abs(delta))}"


def _change_cell(now: Decimal, before: Decimal | None) -> str:
    if before is None:
        return "—"
    delta = Decimal(now) - Decimal(before)
    return "持平" if delta == 0 else f"{'+' if delta > 0 else '−'}{_num(abs(delta))}"


def rank_text(rank: int, tied: bool) -> str:
    return f"{'并列' if tied else ''}第{rank}"


def _versus(now: Decimal, before: Decimal) -> str:
    """"，较上月提高5个百分点" — nothing when unchanged."""
    return "" if Decimal(now) == Decimal(before) else f"，较上月{_change(now, before)}"


def _short_date(iso: str, year: int) -> str:
    """M月D日 within the report's year, with the year otherwise."""
    day = dt.date.fromisoformat(iso)
    return f"{day.month}月{day.day}日" if day.year == year else f"{day.year}年{day.month}月{day.day}日"


PROGRAMME = "“一泓清水入黄河”生态保护工程"


WEEKDAYS = "一二三四五六日"


def pronoun(name: str) -> str:
    """How a letter addresses its recipient: 你市, 你县, 你区, 你局, 你委, else 你单位."""
    if name.endswith("开发区"):
        return "你区"
    for ending, word in (("市", "你市"), ("县", "你县"), ("区", "你区"), ("局", "你局"),
                         ("委员会", "你委"), ("委", "你委")):
        if name.endswith(ending):
            return word
    return "你单位"


def cn_day(day: dt.date, *, year: int | None = None) -> str:
    """2025年9月21日; M月D日 when `year` is the date's year."""
    if year == day.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def week_range_text(week: dt.date) -> str:
    """9月15日至21日; 9月29日至10月5日; 2024年12月30日至2025年1月5日."""
    end = week + dt.timedelta(days=6)
    if end.year != week.year:
        return f"{cn_day(week)}至{cn_day(end)}"
    if end.month != week.month:
        return f"{week.month}月{week.day}日至{end.month}月{end.day}日"
    return f"{week.month}月{week.day}日至{end.day}日"


def meeting_time_text(value: str | None) -> str:
    """2025年9月8日（星期一）上午9时30分."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value)
    half = "上午" if moment.hour < 12 else "下午"
    hour = moment.hour if moment.hour <= 12 else moment.hour - 12
    minutes = f"{moment.minute}分" if moment.minute else ""
    return f"{cn_day(moment.date())}（星期{WEEKDAYS[moment.weekday()]}）{half}{hour}时{minutes}"


def _points(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')).normalize():f}个百分点"
