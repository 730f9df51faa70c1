"""The dashboard maps' tooltips show names as text, never as markup."""
from __future__ import annotations

import pytest

from dashboard.cache import portfolio_version_bump
from tests.dashboard.test_browser import page_for  # noqa: F401  (the logged-in page fixture)
from tracker.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIL_NAME = '<img src=x id="injected-image"><b id="injected-bold">加粗</b>工程'


def test_project_name_with_markup_shows_as_text_in_the_map_tooltip(page_for):  # noqa: F811
    # given a project whose name is markup
    page = page_for("clerk")
    project = Project.objects.exclude(longitude=None).order_by("map_number").first()
    Project.objects.filter(pk=project.pk).update(name=EVIL_NAME)
    portfolio_version_bump()
    page.goto(f"{page.base}/dashboard/")
    page.wait_for_selector("body[data-maps-ready=true]")
    # when its marker's tooltip is shown
    x, y = page.evaluate(
        "([lon, lat]) => echarts.getInstanceByDom(document.getElementById('map-progress'))"
        ".convertToPixel({geoIndex: 0}, [lon, lat])",
        [float(project.longitude), float(project.latitude)],
    )
    box = page.locator("#map-progress").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_timeout(400)
    tooltip = page.locator("#map-progress").inner_text()
    # then the name reads as typed, and no element was made of it
    assert EVIL_NAME in tooltip
    assert page.locator("#injected-bold").count() == 0
    assert page.locator("#injected-image").count() == 0
