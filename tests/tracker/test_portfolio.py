"""The portfolio as of a past date, computed from the audit log, on the demo ledger."""
import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from tracker import services
from tracker.choices import GOOD_WATER_CLASS_MAX, ProjectState, SectionLevel
from tracker.models import Project
from tracker.portfolio import portfolio_as_of, project_states_as_of
from tracker.selectors import section_annual_classes

pytestmark = pytest.mark.django_db


def test_demo_portfolio_at_end_of_2024_matches_published_figures(demo_ledger):
    # when
    snapshot = portfolio_as_of(as_of=dt.date(2024, 12, 31)).as_dict()
    # then
    assert snapshot["projects"] == 95
    assert snapshot["units"] == 18
    assert snapshot["started"] == 95
    assert snapshot["completed"] == 62
    assert snapshot["by_domain"]["生态"] == 22
    assert Decimal(snapshot["total_investment_wan"]) == Decimal("1293700.00")
    assert sum(snapshot["by_state"].values()) == 95
    assert snapshot["by_state"]["前期"] == 0


def test_portfolio_before_any_start_is_all_preparation(demo_ledger):
    # given the demo: listed on 2023-05-01, none started before July 2023
    snapshot = portfolio_as_of(as_of=dt.date(2023, 6, 30)).as_dict()
    # then
    assert snapshot["by_state"]["前期"] == 95
    assert snapshot["started"] == 0


def test_portfolio_before_the_projects_were_listed_is_empty(demo_ledger):
    snapshot = portfolio_as_of(as_of=dt.date(2023, 4, 30)).as_dict()
    assert snapshot["projects"] == 0
    assert snapshot["total_investment_wan"] == "0"


def test_portfolio_command_prints_json_with_required_keys(demo_ledger):
    # given
    out = StringIO()
    # when
    call_command("portfolio", "--as-of", "2024-12-31", "--json", stdout=out)
    # then
    data = json.loads(out.getvalue())
    for key in ("as_of", "projects", "units", "total_investment_wan", "by_state", "by_domain", "by_unit"):
        assert key in data
    assert data["as_of"] == "2024-12-31"
    assert set(data["by_state"]) == {"前期", "开工", "停工", "完工", "达效"}
    assert data["by_unit"]["临汾经济开发区"] >= 1
    assert len(data["by_unit"]) == 18


def test_a_transition_shows_in_the_as_of_portfolio_from_its_effective_date(demo_ledger, leader):
    # given a project under construction on the demo date
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION).first()
    started = project.actual_start
    # when the leader moves it back to preparation
    services.project_transition(
        project_id=project.pk, transition="revert_to_preparation", acting_user=leader,
        reason="开工手续补办", effective_on=dt.date(2025, 9, 30),
    )
    # then the day before it still counts as started, the day itself as preparation
    before = project_states_as_of(as_of=dt.date(2025, 9, 29), projects=Project.objects.filter(pk=project.pk))
    after = project_states_as_of(as_of=dt.date(2025, 9, 30), projects=Project.objects.filter(pk=project.pk))
    assert before[project.pk] == ProjectState.UNDER_CONSTRUCTION
    assert after[project.pk] == ProjectState.PREPARATION
    before_start = project_states_as_of(as_of=started - dt.timedelta(days=1),
                                        projects=Project.objects.filter(pk=project.pk))
    assert before_start[project.pk] == "preparation"


def test_demo_national_sections_good_seven_in_2023_and_eight_in_2024(demo_ledger):
    def good(year):
        classes = section_annual_classes(year=year, level=SectionLevel.NATIONAL)
        assert len(classes) == 9
        return sum(1 for c in classes.values() if c <= GOOD_WATER_CLASS_MAX)

    assert good(2023) == 7
    assert good(2024) == 8


def test_loading_the_demo_twice_changes_nothing(demo_ledger):
    # given
    from demo.ledger import demo_ledger_load
    from tracker.models import AuditEvent, WeeklyReport

    counts = (Project.objects.count(), WeeklyReport.objects.count(), AuditEvent.objects.count())
    # when
    result = demo_ledger_load()
    # then
    assert result["created"] is False
    assert (Project.objects.count(), WeeklyReport.objects.count(), AuditEvent.objects.count()) == counts


def test_demo_contains_the_real_projects_named_in_the_press(demo_ledger):
    names = set(Project.objects.values_list("name", flat=True))
    for name in ("汾河侯马段综合治理工程", "临汾经济开发区甘亭污水处理厂", "乡宁县城区第二污水处理厂",
                 "大宁污水处理厂尾水人工湿地", "永和污水厂提质增效", "吉县污水厂尾水人工湿地"):
        assert name in names
    assert len(names) == 95
