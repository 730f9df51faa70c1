"""A project added to the portfolio today is absent from every figure of earlier dates: the
portfolio, the dashboard, the ledgers, the monthly circular and the calendar's scan (a date before
a project existed must not count it, nor its investment)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from dashboard import selectors as dashboard
from dispatch.selectors import scan_facts
from ledgers.exporting import LedgerFilters, ledger_build
from notices.composers import compose_monthly_circular
from tests.factories import ProjectFactory
from tracker.models import AdministrativeUnit, Domain
from tracker.portfolio import portfolio_as_of, project_states_as_of

pytestmark = pytest.mark.django_db

PAST = dt.date(2024, 12, 31)
ADDED_ON = dt.date(2025, 9, 30)


@pytest.fixture
def added_today(demo_ledger, time_machine):
    """A project added to the ledger on ADDED_ON (the demo's last day), in 侯马市, 10 亿元."""
    time_machine.move_to(dt.datetime(2025, 9, 30, 10, 0), tick=False)
    return ProjectFactory(
        unit=AdministrativeUnit.objects.get(code="houma"),
        domain=Domain.objects.order_by("id").first(),
        total_investment=Decimal("100000.00"),
    )


def test_a_project_is_listed_on_the_day_it_is_added(added_today):
    assert added_today.listed_on == ADDED_ON


def test_the_portfolio_of_an_earlier_date_does_not_count_it(added_today):
    # when
    past = portfolio_as_of(as_of=PAST)
    today = portfolio_as_of(as_of=ADDED_ON)
    # then
    assert past.total.projects == 95
    assert past.total.total_investment == Decimal("1293700.00")
    assert past.total.started_rate == Decimal("100.00")
    assert added_today.pk not in past.states
    assert added_today.pk not in project_states_as_of(as_of=PAST)
    assert today.total.projects == 96


def test_the_portfolio_command_of_an_earlier_date_does_not_count_it(added_today, capsys):
    # when
    call_command("portfolio", "--as-of", PAST.isoformat(), "--json")
    # then
    out = capsys.readouterr().out
    assert '"projects": 95' in out
    assert '"前期": 0' in out


def test_the_dashboard_of_an_earlier_date_does_not_count_it(added_today, clerk):
    # when
    data = dashboard.dashboard_data(user=clerk, as_of=PAST)
    # then
    assert data["headline"]["projects"] == 95
    assert data["headline"]["started_rate"] == "100.00"
    assert data["headline"]["total_investment"] == "1293700.00"
    assert added_today.pk not in {marker[0] for marker in data["markers"]}
    assert next(u for u in data["units"] if u["code"] == "houma")["projects"] == \
        AdministrativeUnit.objects.get(code="houma").projects.count() - 1


def test_the_ledgers_of_an_earlier_date_do_not_list_it(added_today, clerk):
    # when
    master = ledger_build(kind="master", user=clerk, filters=LedgerFilters(as_of=PAST))
    today = ledger_build(kind="master", user=clerk, filters=LedgerFilters(as_of=ADDED_ON))
    # then
    assert added_today.code not in {cell for row in master.rows for cell in row}
    assert added_today.code in {cell for row in today.rows for cell in row}


def test_the_circular_of_an_earlier_month_does_not_count_it(added_today):
    # when
    circular = compose_monthly_circular(month=dt.date(2024, 12, 1))
    # then
    assert added_today.name not in str(circular)
    assert "96" not in {str(value) for value in _numbers(circular)}


def test_the_calendar_scan_of_an_earlier_date_does_not_see_it(added_today):
    # when
    facts = scan_facts(on_date=PAST)
    # then
    assert len(facts) == 95
    assert added_today.pk not in {fact.id for fact in facts}


def _numbers(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, int):
        yield value
