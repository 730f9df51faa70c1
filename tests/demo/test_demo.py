"""The demo generates every kind from the demo ledger, issued with PDFs, and is idempotent."""
import subprocess

import pytest
from django.core.management import call_command

from notices.models import Notice, NoticeKind, NoticeState


@pytest.mark.django_db
def test_demo_generates_every_kind_once(demo_ledger, django_capture_on_commit_callbacks):
    # given the demo ledger
    # when the demo notices are generated twice
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_demo_notices", skip_checks=True)
        call_command("generate_demo_notices", skip_checks=True)
    # then the reports, the circular, its correction and the letters the rules call for on the
    # demo's date exist once each, issued, with a PDF poppler can read (a kind no rule calls for
    # on that date is not made up)
    kinds = list(Notice.objects.values_list("kind", flat=True))
    assert len(kinds) == len(set(kinds))
    assert {NoticeKind.WEEKLY_REPORT, NoticeKind.MONTHLY_CIRCULAR, NoticeKind.CORRECTION, NoticeKind.WARNING,
            NoticeKind.SUPERVISION} <= set(kinds)
    for notice in Notice.objects.all():
        assert notice.number and notice.pdf and len(notice.sha256) == 64
        text = subprocess.run(["pdftotext", notice.pdf.path, "-"], capture_output=True, text=True,
                              check=True).stdout
        assert notice.number in text
    states = set(Notice.objects.values_list("state", flat=True))
    assert {NoticeState.CLOSED, NoticeState.ANSWERED, NoticeState.ACKNOWLEDGED} <= states


@pytest.mark.django_db
def test_demo_reuses_the_weekly_report_and_circular_the_calendar_issued(demo_ledger,
                                                                       django_capture_on_commit_callbacks):
    import datetime as dt

    import time_machine
    from django.db.models import Count

    # given the calendar's last weeks of the demo history (its weekly report on Monday 2025-09-29
    # covers the week of 09-22; the circular of 2025-09-01 covers August), as `make demo` runs it
    with time_machine.travel(dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                             tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        call_command("run_cycle", date="2025-08-29", until="2025-09-30", quiet=True, skip_checks=True)
        calendar_notices = Notice.objects.count()
        # when the demo's notices of every kind are generated after it
        call_command("generate_demo_notices", skip_checks=True)
    # then the weekly report and the circular are the calendar's, not second copies
    for kind in (NoticeKind.WEEKLY_REPORT, NoticeKind.MONTHLY_CIRCULAR):
        per_period = Notice.objects.filter(kind=kind).values("period_start").annotate(n=Count("pk"))
        assert per_period and all(row["n"] == 1 for row in per_period), (kind, list(per_period))
    assert Notice.objects.filter(kind=NoticeKind.WEEKLY_REPORT, period_start=dt.date(2025, 9, 22)).exists()
    assert Notice.objects.get(kind=NoticeKind.CORRECTION).corrects.period_start == dt.date(2025, 8, 1)
    assert Notice.objects.count() > calendar_notices


@pytest.mark.django_db
def test_demo_letters_state_only_what_holds_for_their_county_on_the_demo_date(
    demo_ledger, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.conf import settings

    from tracker.portfolio import portfolio_as_of

    # given / when the demo's own letters are generated on the demo date
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_demo_notices", skip_checks=True)
    as_of = dt.date.fromisoformat(settings.YIHONG_DEMO_DATE)
    states = portfolio_as_of(as_of=as_of).states
    # then a 预警函 asks a start plan only of projects not started, and every project a letter
    # names belongs to the county it is sent to
    for notice in Notice.objects.filter(source_key__startswith="demo:", notice_format="letter"):
        unit = notice.recipient_units.get()
        for item in notice.context.get("items", []):
            project = unit.projects.get(pk=item["project_id"])
            if notice.kind == NoticeKind.WARNING and "形象进度" not in item["facts"]:
                assert states[project.pk] == "preparation", (project.name, item["facts"])
        assert "LF-" not in "".join(b.get("text", "") for b in notice.context["blocks"])
