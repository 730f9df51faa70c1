"""The dashboard as a 专班 reads it: every figure follows the filters, money in 亿元,
counties ranked with ties shared, and the wall chart printed on ONE sheet (A3, and A4)."""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from dashboard.figures import money_text, units_ranked, yi_text
from tracker.models import Problem, Project

pytestmark = pytest.mark.django_db
AS_OF = "2025-09-30"


def _dashboard(client, user, **params):
    client.force_login(user)
    return client.get("/dashboard/", {"as_of": AS_OF, **params})


def test_problem_count_follows_the_state_and_light_filters(client, clerk):
    # given every open problem of the portfolio
    everywhere = _dashboard(client, clerk).context["headline"]["problems_total"]
    # when the page is narrowed to 侯马市's red-light projects
    response = _dashboard(client, clerk, unit="houma", light="red")
    headline = response.context["headline"]
    # then the problems counted are those of the projects shown, no others
    shown = {marker["id"] for marker in _markers(response)}
    expected = Problem.objects.filter(project_id__in=shown, raised_on__lte=dt.date(2025, 9, 30)).exclude(
        resolved_on__lte=dt.date(2025, 9, 30)).count()
    assert headline["projects"] == len(shown)
    assert headline["problems_total"] == expected
    assert headline["problems_total"] < everywhere


def _markers(response):
    from dashboard.selectors import marker_dicts

    return marker_dicts(response.context["data"])


def test_problem_count_follows_the_state_filter_to_zero(client, clerk):
    # given no project in 前期 on the demo date
    response = _dashboard(client, clerk, state="preparation")
    # then no problem is counted for the empty selection
    assert response.context["headline"]["projects"] == 0
    assert response.context["headline"]["problems_total"] == 0


def test_money_is_shown_in_yi_yuan_where_large():
    assert yi_text("1296900.00") == "129.69"
    assert money_text("1296900.00") == "129.69亿元"
    assert money_text("850.5") == "850.50万元"


def test_dashboard_shows_total_investment_in_yi_yuan(client, clerk):
    # when
    page = _dashboard(client, clerk).content.decode()
    # then
    total = sum(Project.objects.values_list("total_investment", flat=True))
    figure = re.search(r'id="figure-investment"[^>]*>([^<]*)<', page).group(1)
    assert figure == f"{yi_text(total)}亿元"
    assert "1296900.00" not in figure


def test_ranking_shares_ties():
    # given four counties, two with the same rates
    units = [
        {"code": "a", "projects": 4, "completed_rate": "50.00", "started_rate": "100.00"},
        {"code": "b", "projects": 3, "completed_rate": "100.00", "started_rate": "100.00"},
        {"code": "c", "projects": 2, "completed_rate": "50.00", "started_rate": "100.00"},
        {"code": "d", "projects": 5, "completed_rate": "20.00", "started_rate": "60.00"},
        {"code": "e", "projects": 0, "completed_rate": "0.00", "started_rate": "0.00"},
    ]
    # when
    ranked = {u["code"]: (u["rank"], u["tied"]) for u in units_ranked(units)}
    # then 1, 2 (并列), 2 (并列), 4; a county without projects is not ranked
    assert ranked == {"b": (1, False), "a": (2, True), "c": (2, True), "d": (4, False), "e": (None, False)}


def test_county_table_has_a_ranking_column_with_ties(client, clerk):
    page = _dashboard(client, clerk).content.decode()
    table = page[page.index('id="unit-table"'):]
    assert "<th>排名</th>" in table
    assert "（并列）" in table


def test_printed_sheet_names_the_office_and_the_date(client, clerk):
    page = _dashboard(client, clerk, unit="houma").content.decode()
    assert "临汾市“一泓清水入黄河”生态保护工程专班办公室" in page
    assert "截至 2025年9月30日" in page
    assert "县(市、区)：侯马市" in page
    assert "tracker/wallchart.css" in page


# --- the printed sheet in Chromium ---------------------------------------------------------------

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("paper", "size_pt"), [("a3", (1191, 842)), ("a4", (842, 595))])
def test_dashboard_prints_on_one_landscape_sheet(browser_page, paper, size_pt):
    # given the dashboard with its maps drawn
    page = browser_page("clerk")
    page.goto(f"{page.base}/dashboard/?as_of={AS_OF}")
    page.wait_for_selector("body[data-maps-ready=true]")
    # when it is printed (the print button's layout, print media, the page size from the CSS)
    page.emulate_media(media="print")
    page.evaluate(f"window.wallchartSheet.on('{paper}')")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"wallchart-{paper}.pdf").write_bytes(pdf)
    # then one landscape page of that size holds the title, the figures, the three maps and the table
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert len(pages) == 1
    assert re.search(rb"/Count 1\b", pdf)
    width, height = (round(float(v)) for v in boxes[0])
    assert (width, height) == size_pt
    visible = page.evaluate("""() => ['map-progress', 'map-distribution', 'map-sections', 'unit-table']
        .map(id => document.getElementById(id).getBoundingClientRect().height > 0)""")
    assert visible == [True, True, True, True]
    assert page.problems == []


@pytest.fixture
def browser_page(browser, live_server, demo_ledger):
    """browser_page(username) → a logged-in Chromium page on the live server."""
    contexts = []

    def open_page(username: str):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "Yihong@2025")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.base = live_server.url
        return page

    yield open_page
    for context in contexts:
        context.close()
