"""China's official working-day calendar — the only module that knows it.

Uses the maintained `chinese-calendar` package (statutory holidays and 调休 make-up working
days). For a year the package does not know yet, it logs a warning and falls back to
Monday–Friday rather than crashing a scheduled job.
"""
from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar

logger = logging.getLogger(__name__)
_warned_years: set[int] = set()


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning("法定节假日数据不含%s年，暂按周一至周五计算工作日；请升级 chinese-calendar", day.year)
        return day.weekday() < 5


def next_working_day(day: dt.date, *, include_today: bool = True) -> dt.date:
    """The first working day on or after `day` (after it, when include_today is False)."""
    current = day if include_today else day + dt.timedelta(days=1)
    while not is_working_day(current):
        current += dt.timedelta(days=1)
    return current


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The date `count` working days after `day` (day itself not counted)."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_after(start: dt.date, end: dt.date) -> int:
    """How many working days come after `start`, up to and including `end` (0 when end <= start)."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def first_working_day_of_month(year: int, month: int) -> dt.date:
    return next_working_day(dt.date(year, month, 1))


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding `day` (weekly reports are keyed by it)."""
    return day - dt.timedelta(days=day.weekday())
