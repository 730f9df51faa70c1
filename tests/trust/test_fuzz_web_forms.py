"""Hostile input to the web forms and the JSON endpoints: over-long text, control
characters, markup, negative and enormous numbers, dates in the far past and future.

Property of every request: the answer is a page (200, or 400 with a Chinese message) or a
redirect after success — never a 500 (the test client re-raises any exception a view lets out);
markup sent in is only ever shown back escaped; a refused request writes nothing; an accepted
one writes exactly what was sent.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from decimal import Decimal, InvalidOperation

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from core.workdays import monday_of
from notices import services as notice_services
from notices.models import NoticeAnswer
from tests.trust.fuzzing import FUZZ, hostile_date_text, hostile_number_text, hostile_text, is_chinese
from tracker.choices import ProblemCategory
from tracker.models import AuditEvent, Problem, Project, WeeklyReport

pytestmark = pytest.mark.django_db

PROJECT_CODE = "LF-2023-018"  # a 侯马市 project: the county liaison's own


def _text_values(data: dict) -> list[str]:
    return [v for v in data.values() if isinstance(v, str)]


def _assert_markup_escaped(body: str, sent: list[str]) -> None:
    """Anything sent with markup in it never comes back as markup."""
    for value in sent:
        stripped = value.strip()
        if "<" in stripped and len(stripped) > 3:
            assert stripped not in body, f"unescaped: {stripped[:80]!r}"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _savepoint(check):
    """Run one example inside a savepoint rolled back afterwards: examples never see each other."""

    def run(*args, **kwargs):
        with transaction.atomic():
            check(*args, **kwargs)
            transaction.set_rollback(True)

    return run


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


# --- the weekly report form ------------------------------------------------------------------

figure = st.one_of(hostile_number_text, st.decimals(min_value=0, max_value=100, places=2).map(str))
money = st.one_of(hostile_number_text, st.decimals(min_value=0, max_value=10**9, places=2).map(str))


# A county may report a week only until the second working day after it: the clock
# stands where the drawn weeks (and the hostile "2000-01-01") are still open and have no earlier
# week to fall below, so that some reports are saved.
@time_machine.travel(dt.datetime(2000, 1, 4, 10, 0), tick=False)
def test_weekly_report_form_never_fails_and_writes_all_or_nothing(client, county_liaison):
    project = Project.objects.get(code=PROJECT_CODE)
    url = reverse("tracker:weekly_report", args=[project.pk])
    client.force_login(county_liaison)
    outcomes = {"saved": 0, "refused": 0}

    @FUZZ
    @given(
        week=st.one_of(
            hostile_date_text,
            st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2000, 1, 4)).map(str),
        ),
        progress=figure,
        completed=money,
        funds=money,
        notes=st.fixed_dictionaries(
            {
                "procedure_note": hostile_text,
                "problem_note": hostile_text,
                "decrease_note": hostile_text,
                "reporter_name": hostile_text,
                "reporter_phone": hostile_text,
            }
        ),
    )
    @_savepoint
    def check(week, progress, completed, funds, notes):
        data = {
            "week_start": week,
            "progress_percent": progress,
            "completed_investment": completed,
            "funds_in_place": funds,
            **notes,
        }
        before = (
            WeeklyReport.objects.count(),
            AuditEvent.objects.count(),
            Project.objects.filter(pk=project.pk).values_list("version", flat=True).get(),
        )
        response = client.post(url, data)
        if response.status_code == 302:
            outcomes["saved"] += 1
            typed = dt.date.fromisoformat(week.strip())
            week_start = monday_of(typed)
            assert typed.year >= 2000 and week_start <= monday_of(timezone.localdate()), (
                "no far past or future week"
            )
            report = WeeklyReport.objects.get(project=project, week_start=week_start)
            assert report.progress_percent == _decimal(progress).quantize(Decimal("0.01"))
            assert report.completed_investment == _decimal(completed).quantize(Decimal("0.01"))
            assert report.problem_note == notes["problem_note"].strip()
            assert AuditEvent.objects.count() == before[1] + 1
            page = client.get(response["Location"]).content.decode()
            _assert_markup_escaped(page, _text_values(data))
        else:
            outcomes["refused"] += 1
            assert response.status_code in (200, 400), response.status_code
            body = response.content.decode()
            errors = [
                html.unescape(e)
                for e in response.context["form"].non_field_errors()
                + sum(response.context["form"].errors.values(), [])
            ]
            assert errors and all(is_chinese(e) for e in errors), errors
            _assert_markup_escaped(body, _text_values(data))
            assert (
                WeeklyReport.objects.count(),
                AuditEvent.objects.count(),
                Project.objects.filter(pk=project.pk).values_list("version", flat=True).get(),
            ) == before

    check()
    assert outcomes["saved"] and outcomes["refused"], outcomes


# --- raising a problem, a transition's reason ------------------------------------------------


def test_problem_raise_never_fails_and_shows_text_escaped(client, county_liaison):
    project = Project.objects.get(code=PROJECT_CODE)
    url = reverse("tracker:problem_raise", args=[project.pk])
    client.force_login(county_liaison)
    outcomes = {"raised": 0, "refused": 0}

    @FUZZ
    @given(
        description=hostile_text, category=st.one_of(st.sampled_from(ProblemCategory.values), hostile_text)
    )
    @_savepoint
    def check(description, category):
        before = (Problem.objects.count(), AuditEvent.objects.count())
        response = client.post(url, {"description": description, "category": category})
        assert response.status_code == 302
        shown = _messages(response)
        if Problem.objects.count() == before[0] + 1:
            outcomes["raised"] += 1
            problem = Problem.objects.latest("pk")
            assert (problem.description, problem.category) == (description.strip(), category)
            assert AuditEvent.objects.count() == before[1] + 1
        else:
            outcomes["refused"] += 1
            assert shown and all(is_chinese(m) for m in shown), shown
            assert (Problem.objects.count(), AuditEvent.objects.count()) == before
        page = client.get(response["Location"]).content.decode()
        _assert_markup_escaped(page, [description, category])

    check()
    assert outcomes["raised"] and outcomes["refused"], outcomes


def test_transition_form_never_fails_and_changes_nothing_when_refused(client, clerk):
    project = Project.objects.get(code=PROJECT_CODE)
    url = reverse("tracker:transition", args=[project.pk])
    client.force_login(clerk)

    @FUZZ
    @given(
        transition=st.one_of(
            st.sampled_from(["start", "complete", "achieve_effect", "rollback"]), hostile_text
        ),
        version=st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str), hostile_number_text),
        effective_on=hostile_date_text,
        reason=hostile_text,
    )
    @_savepoint
    def check(transition, version, effective_on, reason):
        before = Project.objects.filter(pk=project.pk).values_list("state", "version").get()
        events = AuditEvent.objects.count()
        response = client.post(
            url,
            {
                "transition": transition,
                "expected_version": version,
                "effective_on": effective_on,
                "reason": reason,
            },
        )
        assert response.status_code == 302
        shown = _messages(response)
        assert shown and all(is_chinese(m) for m in shown), shown
        after = Project.objects.filter(pk=project.pk).values_list("state", "version").get()
        if after == before:
            assert AuditEvent.objects.count() == events
        page = client.get(response["Location"]).content.decode()
        _assert_markup_escaped(page, [transition, reason, effective_on, version])

    check()


# --- a notice's answer -----------------------------------------------------------------------


def test_notice_answer_never_fails_and_writes_all_or_nothing(client, supervision_letter, county_liaison):
    notice_services.notice_acknowledge(notice_id=supervision_letter.pk, acting_user=county_liaison)
    url = reverse("notices:answer", args=[supervision_letter.pk])
    client.force_login(county_liaison)
    outcomes = {"answered": 0, "refused": 0}

    @FUZZ
    @given(text=hostile_text, name=hostile_text, content=st.binary(max_size=2048))
    @_savepoint
    def check(text, name, content):
        from django.core.files.uploadedfile import SimpleUploadedFile

        before = (NoticeAnswer.objects.count(), AuditEvent.objects.count())
        # The test client itself refuses names without a base name ("/", ".."); a browser would
        # send a bare base name there, so send what it would.
        file_name = name[:200] if os.path.basename(name[:200]) not in {"", ".", ".."} else "x"
        files = [SimpleUploadedFile(file_name, content)] if content else []
        response = client.post(url, {"text": text, "attachments": files})
        assert response.status_code == 302
        shown = _messages(response)
        if NoticeAnswer.objects.count() == before[0] + 1:
            outcomes["answered"] += 1
            assert NoticeAnswer.objects.latest("pk").text == text.strip()
        else:
            outcomes["refused"] += 1
            assert shown and all(is_chinese(m) for m in shown), shown
            assert (NoticeAnswer.objects.count(), AuditEvent.objects.count()) == before
        page = client.get(response["Location"]).content.decode()
        _assert_markup_escaped(page, [text, name])

    check()
    assert outcomes["answered"] and outcomes["refused"], outcomes


# --- query strings of the pages and the JSON endpoints ---------------------------------------


def _gettable_urls() -> list[tuple[str, str]]:
    """(url name, kind) of pages and JSON endpoints that read query parameters."""
    from django.urls import NoReverseMatch

    names = [
        ("dashboard:dashboard", "html"),
        ("dashboard:data", "json"),
        ("dashboard:ledger", "html"),
        ("dashboard:search", "html"),
        ("ledgers:index", "html"),
        ("ledgers:weekly_template", "file"),
        ("audit:log", "html"),
        ("dashboard:leader_home", "html"),
        ("dashboard:escalated_problems", "html"),
        ("notices:list", "html"),
        ("notices:inbox", "html"),
    ]
    found = []
    for name, kind in names:
        try:
            reverse(name)
        except NoReverseMatch:
            continue
        found.append((name, kind))
    return found


def test_query_strings_never_fail_pages_or_json_endpoints(client, leader):
    urls = _gettable_urls()
    assert len(urls) >= 8, urls
    client.force_login(leader)
    keys = [
        "as_of",
        "unit",
        "domain",
        "state",
        "year",
        "light",
        "q",
        "order",
        "page",
        "week",
        "kind",
        "filter",
        "user",
        "project",
        "date_from",
        "date_to",
        "action",
    ]

    @FUZZ
    @given(
        target=st.sampled_from(urls),
        params=st.dictionaries(
            st.sampled_from(keys), st.one_of(hostile_text, hostile_number_text, hostile_date_text), max_size=5
        ),
    )
    def check(target, params):
        name, kind = target
        params = {k: v.replace("\x00", "") for k, v in params.items()}
        response = client.get(reverse(name), params)
        assert response.status_code in (200, 302, 400, 404), (name, response.status_code)
        if response.status_code == 400:
            assert is_chinese(response.content.decode()), response.content[:200]
        if kind == "json" and response.status_code == 200:
            json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
        if kind == "html" and response.status_code == 200:
            _assert_markup_escaped(response.content.decode(), list(params.values()))

    check()


def test_import_tokens_in_the_path_are_refused_with_404(client, county_liaison):
    client.force_login(county_liaison)

    @FUZZ
    @given(
        token=st.one_of(
            st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
            st.text(min_size=1, max_size=60).filter(lambda t: "/" not in t and "\x00" not in t),
        )
    )
    def check(token):
        for name in ("ledgers:progress", "ledgers:preview", "ledgers:result"):
            try:
                url = reverse(name, args=[token])
            except Exception:
                continue  # the URL pattern itself does not take it: no view is reached
            response = client.get(url)
            assert response.status_code == 404, (name, token, response.status_code)

    check()
