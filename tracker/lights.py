"""A project's two lights on a date: 开工 (is it started, or late to start?) and 进度 (how far
behind the time elapsed is its progress?) — pure functions, no I/O.

The rule: the start light turns yellow in the month of the planned start
and red `start_red_months` after it; the progress light compares the progress with the share of
the time from the (actual) start to the planned completion that has elapsed. The thresholds are
the office's (offices.keys.ThresholdKey, read with offices.selectors): the caller passes them in, so that
the pages, the ledger and the letters all light a project the same way.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from offices.keys import ThresholdKey
from tracker.choices import COMPLETED_STATES, STARTED_STATES

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_LABELS = {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯", None: "—"}
HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (clamped to the month's last day: 1-31 + 1 month = 2-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)



@dataclass(frozen=True)
class Lights:
    """A project's two lights on a scan date; progress is None before the start."""

    start: str
    progress: str | None
    expected_progress: Decimal | None
    progress_percent: Decimal
    state: str

    @property
    def any_red(self) -> bool:
        return RED in (self.start, self.progress)


def expected_progress(*, start: dt.date, planned_completion: dt.date, on_date: dt.date) -> Decimal:
    """Share of the time from `start` to the planned completion that has elapsed, in percent."""
    if on_date <= start:
        return Decimal("0")
    if planned_completion <= start or on_date >= planned_completion:
        return HUNDRED
    elapsed = Decimal((on_date - start).days) / Decimal((planned_completion - start).days)
    return (elapsed * HUNDRED).quantize(CENT)


def start_light(*, state: str, planned_start: dt.date, on_date: dt.date, red_months: int) -> str:
    if state in STARTED_STATES or on_date < month_start(planned_start):
        return GREEN
    if on_date >= add_months(planned_start, red_months):
        return RED
    return YELLOW


def progress_light(*, state: str, gap: Decimal | None, yellow_gap: Decimal, red_gap: Decimal) -> str | None:
    """`gap` = expected − actual progress. "Within 10 points" is green, so exactly 10 behind is green."""
    if state in COMPLETED_STATES:
        return GREEN
    if state not in STARTED_STATES or gap is None:
        return None
    if gap > red_gap:
        return RED
    if gap > yellow_gap:
        return YELLOW
    return GREEN


def lights_compute(
    *,
    state: str,
    planned_start: dt.date,
    planned_completion: dt.date,
    actual_start: dt.date | None,
    progress: Decimal,
    on_date: dt.date,
    thresholds: Mapping[str, Decimal],
) -> Lights:
    expected = None
    gap = None
    if state in STARTED_STATES and state not in COMPLETED_STATES:
        expected = expected_progress(
            start=actual_start or planned_start, planned_completion=planned_completion, on_date=on_date
        )
        gap = expected - progress
    return Lights(
        start=start_light(
            state=state,
            planned_start=planned_start,
            on_date=on_date,
            red_months=int(thresholds[ThresholdKey.START_RED_MONTHS]),
        ),
        progress=progress_light(
            state=state,
            gap=gap,
            yellow_gap=thresholds[ThresholdKey.PROGRESS_YELLOW_GAP],
            red_gap=thresholds[ThresholdKey.PROGRESS_RED_GAP],
        ),
        expected_progress=expected,
        progress_percent=progress,
        state=state,
    )
