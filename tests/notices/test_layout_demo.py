"""The layout checks over real notices: every notice the demo issues (of every kind it issues),
read back from its stored PDF."""
import pytest
from django.conf import settings

from demo.notices import generate_demo_notices
from notices import titles
from notices.models import Notice, NoticeKind
from tests.notices.pdf_reading import bad_title_breaks, open_pdf, signature_pages_without_body, title_lines


@pytest.mark.django_db
def test_demo_notices_have_no_signature_alone_and_no_title_broken_inside_a_word(demo_ledger):
    # given the demo's notices, issued and rendered as the office sends them
    generate_demo_notices()
    issued = list(Notice.objects.exclude(number=None).exclude(pdf=""))
    assert {NoticeKind.WEEKLY_REPORT, NoticeKind.SUPERVISION} <= {notice.kind for notice in issued}
    terms = titles.office_terms()
    signature_alone, broken_titles, odd_colophons = [], [], []
    for notice in issued:
        with notice.pdf.open("rb") as handle:
            pdf = handle.read()
        # when each PDF is read back
        date_text = f"{notice.issued_on.year}年{notice.issued_on.month}月{notice.issued_on.day}日"
        pages = signature_pages_without_body(pdf, issuer=settings.YIHONG_NOTICE_ISSUER, date_text=date_text)
        printed = title_lines(pdf)
        bad = bad_title_breaks(printed, terms=terms)
        if "".join(printed) != notice.title.replace(" ", ""):
            bad.append("/".join(printed))
        reader = open_pdf(pdf)
        colophon_last = "印发" in reader.pages[-1].extract_text()
        if notice.notice_format == "ordinary" and (len(reader.pages) % 2 or not colophon_last):
            odd_colophons.append(notice.number)
        # then no page holds the signature and date without body text, no title line breaks
        # inside a word, a number, a date or a quoted name, and every 版记 is on an even last page
        if pages:
            signature_alone.append((notice.number, pages))
        if bad:
            broken_titles.append((notice.number, bad))
    assert signature_alone == []
    assert broken_titles == []
    assert odd_colophons == []
