"""Every document the calendar issues over a stretch of the demo history reads as an office would
send it: no project code, no lights, no None/NaN, no negative deviation; every letter
owing an answer names a calendar date and a real contact; circular ranks tie where values tie."""
from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
import time_machine
from django.core.management import call_command

from demo.notices import demo_day_act
from notices.models import Notice, NoticeKind
from tracker.models import Project

D = dt.date
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FORBIDDEN = ("灯", "None", "NaN", "销号", "后25%")


def _context_text(notice: Notice) -> str:
    parts = [notice.title, notice.main_recipients, notice.copy_to, notice.context.get("note", "")]
    for block in notice.context.get("blocks") or []:
        parts += [block.get("text", ""), block.get("intro", ""), block.get("caption", "")]
        parts += [str(cell) for row in block.get("rows", []) for cell in row]
    return "\n".join(parts)


@pytest.mark.django_db
def test_every_notice_of_a_calendar_run_reads_as_an_office_letter(demo_ledger,
                                                                  django_capture_on_commit_callbacks):
    # given the demo ledger and its people, the calendar runs from 2025-08-25 to the quarter's end
    codes = list(Project.objects.values_list("code", flat=True))
    with time_machine.travel(dt.datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        day = D(2025, 8, 25)
        while day <= D(2025, 9, 30):
            call_command("run_cycle", date=day.isoformat(), quiet=True, skip_checks=True)
            demo_day_act(on_date=day)
            day += dt.timedelta(days=1)
    notices = list(Notice.objects.exclude(number=None))
    kinds = {n.kind for n in notices}
    # then the run issued letters of several kinds (a check over nothing proves nothing)
    assert {NoticeKind.SUPERVISION, NoticeKind.WEEKLY_REPORT, NoticeKind.MONTHLY_CIRCULAR} <= kinds
    for notice in notices:
        printed = subprocess.run(["pdftotext", "-layout", notice.pdf.path, "-"], capture_output=True,
                                 text=True, check=True).stdout
        for text in (_context_text(notice), printed):
            assert not any(code in text for code in codes), (notice.number, "project code")
            for word in FORBIDDEN:
                assert word not in text, (notice.number, word)
            assert not re.search(r"(偏差|滞后|较上月)\s*-", text), notice.number
        if notice.answer_required:
            text = _context_text(notice)
            assert re.search(r"于\d{4}年\d{1,2}月\d{1,2}日前将整改(情况|方案)书面反馈专班办", text), notice.number
            assert re.fullmatch(r"联系人：\S+，电话：[\d-]{7,}", notice.context.get("note", "")), notice.number
            assert "0357-2000000" not in text
        else:
            assert "反馈专班办" not in _context_text(notice), notice.number
    for circular in (n for n in notices if n.kind == NoticeKind.MONTHLY_CIRCULAR):
        table = next(b for b in circular.context["blocks"] if b.get("kind") == "table")
        if "排名" not in table["header"]:
            continue
        column = table["header"].index(circular.context["indicator"])
        rank = table["header"].index("排名")
        for a in table["rows"]:
            for b in table["rows"]:
                assert (a[column] == b[column]) == (a[rank] == b[rank]), (a, b)
    # one letter per county, kind and day
    seen = set()
    for notice in notices:
        if notice.notice_format != "letter":
            continue
        key = (notice.kind, notice.issued_on, tuple(notice.recipient_units.values_list("pk", flat=True)),
               tuple(notice.recipient_departments.values_list("pk", flat=True)))
        assert key not in seen, key
        seen.add(key)
