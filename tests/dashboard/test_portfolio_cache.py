"""The dashboard and the ledger at scale: a fixed number of queries, cached per data version and
never stale after a write (dashboard.cache)."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import selectors as dashboard
from dashboard.cache import portfolio_cache_forget_local, portfolio_cached, portfolio_version_bump
from tracker import services
from tracker.choices import AuditAction
from tracker.models import AuditEvent, Project, WeeklyReport

pytestmark = pytest.mark.django_db
DEMO_DAY = dt.datetime(2025, 9, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PAGES = [
    "/dashboard/",
    "/dashboard/?as_of=2024-06-30",
    "/dashboard/?as_of=2024-06-30&state=under_construction&light=yellow",
    "/dashboard/data.json?as_of=2024-06-30",
    "/ledger/",
    "/ledger/?light=red&sort=-progress",
    "/ledger/?page=2&unit=houma",
]


def _clone_projects(count: int) -> None:
    """`count` more projects: copies of demo projects with their weekly reports and transitions,
    written in bulk as an import would."""
    top = Project.objects.order_by("-map_number").values_list("map_number", flat=True).first()
    pairs = []
    for offset, project in enumerate(Project.objects.order_by("map_number")[:count], start=1):
        source_id = project.pk
        project.pk = None
        project.code = f"{project.code}-C{offset}"
        project.map_number = top + offset
        pairs.append((source_id, project))
    Project.objects.bulk_create([project for _source, project in pairs])
    reports, events = [], []
    for source_id, clone in pairs:
        for report in WeeklyReport.objects.filter(project_id=source_id):
            report.pk, report.project = None, clone
            reports.append(report)
        for event in AuditEvent.objects.filter(project_id=source_id, action=AuditAction.PROJECT_TRANSITION):
            event.pk, event.project = None, clone
            events.append(event)
    WeeklyReport.objects.bulk_create(reports)
    AuditEvent.objects.bulk_create(events)
    portfolio_version_bump()  # bulk writes send no signals


def _uncached_queries(client, url: str) -> int:
    cache.clear()
    portfolio_cache_forget_local()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_query_counts_do_not_grow_with_the_number_of_projects(client, clerk):
    # given
    client.force_login(clerk)
    small = {url: _uncached_queries(client, url) for url in PAGES}
    # when: 60 more projects, each with its two years of reports and transitions
    _clone_projects(60)
    large = {url: _uncached_queries(client, url) for url in PAGES}
    # then
    assert Project.objects.count() == 155
    assert large == small
    assert max(large.values()) <= 20


# What the cached pages must not read again: the portfolio's own tables.
PORTFOLIO_TABLES = ('FROM "tracker_project"', 'FROM "tracker_weeklyreport"', 'FROM "tracker_auditevent"')
# The navigation's badges (dashboard.queues): a fixed number of queries per page, whatever the size.
NAV_BADGE_QUERIES = 4


def test_a_cached_page_costs_only_the_login_queries(client, clerk):
    # given
    client.force_login(clerk)
    for url in PAGES:
        client.get(url)
    # when
    counts, portfolio_reads = {}, {}
    for url in PAGES:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts[url] = len(captured)
        portfolio_reads[url] = [q["sql"] for q in captured.captured_queries
                                if any(table in q["sql"].split(" WHERE ")[0] for table in PORTFOLIO_TABLES)]
    # then: session, user and staff profile, and the navigation's work-queue badges (a fixed
    # number of counts of letters, site visits and problems awaiting a 批示); no page data again
    assert not any(portfolio_reads.values()), portfolio_reads
    assert max(counts.values()) <= 3 + NAV_BADGE_QUERIES, counts


def test_after_a_login_through_the_form_the_user_comes_with_the_staff_profile(client, clerk):
    # given
    from django.urls import reverse

    from demo.ledger import DEMO_PASSWORD

    client.post(reverse("login"), {"username": "clerk", "password": DEMO_PASSWORD})
    client.get("/dashboard/")
    # when
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dashboard/")
    # then: the session and the user with their profile, and the navigation's work-queue badges
    assert response.status_code == 200
    assert len(captured) <= 2 + NAV_BADGE_QUERIES, [query["sql"][:60] for query in captured]
    assert not [q["sql"] for q in captured.captured_queries if 'FROM "tracker_staffprofile"' in q["sql"]]


@time_machine.travel(DEMO_DAY, tick=False)
def test_a_weekly_report_shows_on_the_cached_dashboard_and_ledger_at_once(client, clerk):
    # given: both pages cached
    client.force_login(clerk)
    project = Project.objects.filter(state="under_construction", map_number__lte=50).order_by("map_number")[0]
    before = client.get("/dashboard/").context["data"]["headline"]
    client.get("/ledger/")
    # when
    services.weekly_report_submit(
        project_id=project.pk, week_start=dt.date(2025, 9, 29), acting_user=clerk,
        progress_percent=project.progress_percent + 1,
        completed_investment=project.completed_investment + 100, funds_in_place=project.funds_in_place,
    )
    # then
    after = client.get("/dashboard/").context["data"]["headline"]
    assert Decimal(after["completed_investment"]) == Decimal(before["completed_investment"]) + 100
    row = next(row for row in client.get("/ledger/").context["rows"] if row.project.pk == project.pk)
    assert row.progress_percent == project.progress_percent + 1
    assert f"{project.progress_percent + 1}%" in client.get("/ledger/").content.decode()


def test_a_transition_shows_on_the_cached_dashboard(client, leader, preparation_project):
    # given
    client.force_login(leader)
    before = client.get("/dashboard/").context["data"]["headline"]["by_state"]
    services.procedure_update(
        project_id=preparation_project.pk, kind="construction_permit", acting_user=leader, status="done",
        completed_on=dt.date(2025, 9, 1),
    )
    # when
    services.project_transition(
        project_id=preparation_project.pk, transition="start", acting_user=leader,
        effective_on=dt.date(2025, 9, 2), reason="具备开工条件",
        evidence=ContentFile(b"%PDF-1.4\n%%EOF\n", name="开工令.pdf"),
    )
    # then
    after = client.get("/dashboard/").context["data"]["headline"]["by_state"]
    assert after["开工"] == before["开工"] + 1
    assert after["前期"] == before["前期"] - 1


def test_today_from_the_current_fields_matches_the_replayed_log(clerk, monkeypatch):
    # given: nothing in the demo is dated after its last day
    on_date = dt.date(2025, 9, 30)
    assert dashboard.current_fields_hold(on_date)
    # when
    fast = dashboard.dashboard_data(user=clerk, as_of=on_date)
    monkeypatch.setattr(dashboard, "current_fields_hold", lambda as_of: False)
    replayed = dashboard.dashboard_data(user=clerk, as_of=on_date)
    # then
    assert fast == replayed


@pytest.mark.parametrize("on_date", [dt.date(2023, 5, 31), dt.date(2024, 2, 15), dt.date(2025, 9, 30)])
def test_timeline_counted_by_the_database_matches_the_replayed_log(on_date):
    # given
    projects = Project.objects.all()
    transitions = dashboard._transitions(projects=projects, as_of=on_date)
    # when
    counted = dashboard._timeline_counted(projects=projects, as_of=on_date, total=95)
    every_id = set(projects.values_list("pk", flat=True))
    replayed = dashboard._timeline(transitions=transitions, project_ids=every_id, as_of=on_date)
    # then
    assert counted == replayed


def test_current_fields_do_not_stand_for_a_date_before_the_last_report():
    # then
    assert not dashboard.current_fields_hold(dt.date(2025, 9, 1))


def test_maps_data_is_gzipped_and_revalidated_by_etag(client, clerk):
    # given
    client.force_login(clerk)
    # when
    first = client.get("/dashboard/data.json?as_of=2025-09-30", HTTP_ACCEPT_ENCODING="gzip, deflate")
    again = client.get("/dashboard/data.json?as_of=2025-09-30", HTTP_IF_NONE_MATCH=first["ETag"])
    # then
    assert first["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(first.content))
    assert len(data["markers"]) == 95
    assert again.status_code == 304


def test_dashboard_page_points_its_script_at_the_maps_data(client, clerk):
    # given
    client.force_login(clerk)
    # when
    html = client.get("/dashboard/?as_of=2025-09-30&unit=houma").content.decode()
    # then
    assert 'data-url="/dashboard/data.json?as_of=2025-09-30&amp;unit=houma"' in html
    assert "dashboard-data" not in html  # the markers are no longer inlined in the page


def test_while_one_process_recomputes_the_others_get_the_previous_figures():
    # given: an entry, then a write
    assert portfolio_cached(("figures",), lambda: "before the write") == "before the write"
    portfolio_version_bump()
    portfolio_cache_forget_local()  # as another process, which holds no copy of its own
    lock = "yihong:portfolio:" + hashlib.sha1(repr(("figures",)).encode()).hexdigest() + ":building"
    # when: another process holds the lock of the recomputation, then lets it go
    cache.add(lock, 1)
    meanwhile = portfolio_cached(("figures",), lambda: "after the write")
    cache.delete(lock)
    afterwards = portfolio_cached(("figures",), lambda: "after the write")
    # then
    assert meanwhile == "before the write"
    assert afterwards == "after the write"


def test_refresh_command_makes_the_pages_recompute():
    # given
    from django.core.management import call_command

    from dashboard.cache import portfolio_version

    before = portfolio_version()
    # when: after a restore, say
    call_command("portfolio_cache_refresh", stdout=io.StringIO())
    # then
    assert portfolio_version() > before
