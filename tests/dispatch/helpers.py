"""Shared helpers for the calendar's database tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")


def frozen(day: dt.date, hour: int = 7, minute: int = 0):
    """Freeze the clock at that date and time in Asia/Shanghai (notices date themselves by it)."""
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False
    )
