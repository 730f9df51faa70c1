"""The lights on a date (tracker.portfolio.project_lights_as_of, with the calendar's default
thresholds): set-based, and as of the date asked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offices.keys import THRESHOLD_DEFAULTS
from tracker.lights import GREEN, RED
from tracker.models import Project
from tracker.portfolio import project_lights_as_of

pytestmark = pytest.mark.django_db


def project_lights(*, on_date, projects=None):
    return project_lights_as_of(as_of=on_date,
                                projects=projects if projects is not None else Project.objects.all(),
                                thresholds=THRESHOLD_DEFAULTS, states=None)


def test_project_lights_query_count_does_not_grow_with_projects(demo_ledger):
    day = dt.date(2025, 9, 26)
    with CaptureQueriesContext(connection) as few:
        some = project_lights(on_date=day, projects=Project.objects.filter(map_number__lte=5))
    with CaptureQueriesContext(connection) as many:
        every = project_lights(on_date=day)
    assert len(some) == 5 and len(every) == Project.objects.count()
    assert len(few.captured_queries) == len(many.captured_queries) <= 6


def test_project_lights_are_as_of_the_scan_date(demo_ledger):
    # given the demo: by 2025-09-26 most projects have started; on 2023-06-01 none had (all listed)
    early = project_lights(on_date=dt.date(2023, 6, 1))
    assert len(early) == 95 and all(lights.progress is None for lights in early.values())
    late = project_lights(on_date=dt.date(2025, 9, 26))
    assert any(lights.progress is not None for lights in late.values())
    assert {lights.start for lights in late.values()} <= {GREEN, "yellow", RED}
