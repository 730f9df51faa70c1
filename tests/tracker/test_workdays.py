"""China's working-day calendar, 调休 and the fallback for unknown years."""
import datetime as dt
import logging

from core import workdays


def test_make_up_sunday_is_a_working_day():
    assert workdays.is_working_day(dt.date(2025, 9, 28))  # Sunday, 调休 for National Day


def test_national_day_week_is_not_working():
    assert not any(workdays.is_working_day(dt.date(2025, 10, d)) for d in range(1, 9))
    assert workdays.next_working_day(dt.date(2025, 10, 1)) == dt.date(2025, 10, 9)


def test_spring_festival_deadline_skips_the_holiday():
    # 10 working days from 2025-01-27 (Mon): 01-28..02-04 is the holiday, 02-08 (Sat) works
    assert workdays.add_working_days(dt.date(2025, 1, 27), 10) == dt.date(2025, 2, 17)


def test_first_working_day_of_october_2025():
    assert workdays.first_working_day_of_month(2025, 10) == dt.date(2025, 10, 9)


def test_unknown_year_falls_back_to_weekdays_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        assert workdays.is_working_day(dt.date(2030, 1, 7))  # a Monday
        assert not workdays.is_working_day(dt.date(2030, 1, 5))  # a Saturday
    assert "2030" in caplog.text
