"""The dashboard's read side: its figures are the portfolio's (tracker.portfolio)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template

from dashboard import selectors as dashboard
from tracker import portfolio
from tracker.models import Project

pytestmark = pytest.mark.django_db


def test_headline_matches_portfolio_as_of(clerk):
    # given
    on_date = dt.date(2024, 12, 31)
    # when
    headline = dashboard.dashboard_data(user=clerk, as_of=on_date)["headline"]
    snapshot = portfolio.portfolio_as_of(as_of=on_date)
    # then
    assert (headline["started"], headline["completed"], headline["effective"]) == (
        snapshot.total.started, snapshot.total.completed, snapshot.total.effective
    )
    assert headline["completed_investment"] == str(snapshot.total.completed_investment)


def test_timeline_ends_with_the_headline_counts(clerk):
    # when
    data = dashboard.dashboard_data(user=clerk, as_of=dt.date(2025, 6, 30))
    # then
    assert data["timeline"]["months"][0] == "2023-06" and data["timeline"]["months"][-1] == "2025-06"
    assert data["timeline"]["started"][-1] == data["headline"]["started"]
    assert data["timeline"]["completed"][-1] == data["headline"]["completed"]
    assert data["timeline"]["targets"][0] == {"month": "2024-12", "label": "2024年底", "started": 95,
                                              "completed": 48}


def test_development_zone_is_a_unit_of_its_own_with_a_marker_position(clerk):
    # when
    units = dashboard.dashboard_data(user=clerk, as_of=dt.date(2025, 9, 30))["units"]
    # then
    zone = next(unit for unit in units if unit["kind"] == "zone")
    assert zone["name"] == "临汾经济开发区"
    assert zone["lon"] is not None and zone["lat"] is not None


def test_json_data_cannot_close_the_script_element():
    # given
    template = Template('{% load tracker_nav %}{{ value|json_data:"x" }}')
    # when
    html = template.render(Context({"value": {"name": "</script><script>alert(1)</script>汾河"}}))
    # then
    assert html.count("</script>") == 1
    assert "汾河" in html


def test_open_problems_counted_at_the_level_they_had_on_the_date(clerk, leader):
    # given: a problem raised on 2025-03-03 and escalated to 市政府 on 2025-03-20
    from tracker import services

    project = Project.objects.filter(state="under_construction").first()
    problem = services.problem_raise(project_id=project.pk, acting_user=clerk, description="征地补偿未到位",
                                     category="land", raised_on=dt.date(2025, 3, 3))
    services.problem_escalate(problem_id=problem.pk, acting_user=leader, reason="逾期未解决",
                              on_date=dt.date(2025, 3, 20))

    def counts(on_date):
        return dashboard.dashboard_data(user=clerk, as_of=on_date, filters={"unit": project.unit.code})[
            "headline"]["problems"]

    before, after = counts(dt.date(2025, 3, 10)), counts(dt.date(2025, 3, 25))
    # when / then: on 3-10 it counts at 专班, on 3-25 at 市政府
    assert after["市政府"] - before["市政府"] >= 1
    assert before["专班"] - after["专班"] >= 1
