"""The issued PDFs follow GB/T 9704: read back with pdfplumber/pypdf/pdffonts."""
import datetime as dt
import io
import re
import subprocess

import pdfplumber
import pytest
import time_machine
from django.conf import settings

from notices import composers, services
from notices.models import NoticeKind

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
NUMBER_PATTERN = re.compile(r"^临一泓专办[\u4e00-\u9fa5]*〔20\d\d〕[1-9]\d*号$")
RED = (0.901961, 0.0, 0.070588)


def _pdf_bytes(notice) -> bytes:
    with notice.pdf.open("rb") as handle:
        return handle.read()


def _is_red(colour) -> bool:
    return (isinstance(colour, (tuple, list)) and len(colour) == 3
            and colour[0] > 0.8 and colour[1] < 0.2 and colour[2] < 0.2)


def _assert_inside_type_area(page, *, first_letter_page: bool) -> None:
    """Every black body character lies inside the type area (28 mm left, 26 mm right, 35 mm bottom);
    page numbers sit in the bottom margin and the letter's red mark above the top margin."""
    for char in page.chars:
        if _is_red(char["non_stroking_color"]) or char["text"].isspace():
            continue
        if char["top"] > page.height - 35 * MM:  # page number area, checked separately
            assert char["top"] <= page.height - 35 * MM + 7 * MM + 2, char
            continue
        assert char["x0"] >= 28 * MM - 1, char
        assert char["x1"] <= page.width - 26 * MM + 1, char
        top_limit = 30 * MM if first_letter_page else 37 * MM
        assert char["top"] >= top_limit - 1, char


@pytest.mark.django_db
def test_letter_pdf_has_letter_format(supervision_letter):
    # given an issued 督办函
    notice = supervision_letter
    # when its PDF is read back
    pdf = pdfplumber.open(io.BytesIO(_pdf_bytes(notice)))
    first = pdf.pages[0]
    # then it is A4 with the type area respected
    assert (round(first.width, 1), round(first.height, 1)) == (round(A4[0], 1), round(A4[1], 1))
    for index, page in enumerate(pdf.pages):
        _assert_inside_type_area(page, first_letter_page=index == 0)
    # the mark is red 小标宋, its top edge 30 mm from the page top
    red_chars = [c for c in first.chars if _is_red(c["non_stroking_color"])]
    assert red_chars and all("XiaoBiaoSong" in c["fontname"] for c in red_chars)
    assert abs(min(c["top"] for c in red_chars) - 30 * MM) < 2 * MM
    # the number is flush right and matches 机关代字〔year〕N号
    assert NUMBER_PATTERN.match(notice.number)
    words = first.extract_text().splitlines()
    number_line = next(line for line in words if notice.number in line)
    assert number_line.strip() == notice.number
    number_chars = [c for c in first.chars if c["text"] == "号" and not _is_red(c["non_stroking_color"])]
    assert any(abs(c["x1"] - (A4[0] - 26 * MM)) < 3 for c in number_chars)
    # red double lines: thick over thin near the top, thin over thick 20 mm above the bottom
    red_lines = [o for o in first.lines + first.rects
                 if _is_red(o.get("stroking_color")) or _is_red(o.get("non_stroking_color"))]
    bottom = sorted((o for o in red_lines if o["top"] > A4[1] - 25 * MM), key=lambda o: o["top"])
    assert len(bottom) == 2 and abs(bottom[1]["top"] - (A4[1] - 20 * MM)) < 1.5 * MM
    assert bottom[0]["linewidth"] < bottom[1]["linewidth"]
    assert any(o["top"] < 50 * MM and abs((o["x1"] - o["x0"]) - 170 * MM) < 1 for o in red_lines)
    # body in 3号 (16 pt) 仿宋
    body = [c for c in first.chars if "FangSong" in c["fontname"] and c["top"] < A4[1] - 35 * MM]
    assert body and {round(c["size"]) for c in body} == {16}
    # the first page carries no page number
    assert "— 1 —" not in first.extract_text()


@pytest.mark.django_db
def test_letter_body_sits_on_the_22_by_28_grid(supervision_letter):
    # given an issued letter with a long paragraph
    page = pdfplumber.open(io.BytesIO(_pdf_bytes(supervision_letter))).pages[0]
    # when its 16 pt body characters are grouped into lines
    rows: dict[float, list] = {}
    for char in page.chars:
        if "FangSong" in char["fontname"] and round(char["size"]) == 16 and char["top"] < A4[1] - 35 * MM:
            rows.setdefault(round(char["top"], 1), []).append(char)
    tops = sorted(rows)
    pitches = [b - a for a, b in zip(tops, tops[1:], strict=False)]
    # then consecutive lines are 225 mm / 22 apart, and a full line holds 28 characters edge to edge
    assert any(abs(pitch - 225 * MM / 22) < 0.3 for pitch in pitches)
    assert all(abs(pitch / (225 * MM / 22) - round(pitch / (225 * MM / 22))) < 0.05 for pitch in pitches)
    full = [row for row in rows.values() if len(row) == 28]
    assert full
    assert abs(min(c["x0"] for c in full[0]) - 28 * MM) < 1
    assert abs(max(c["x1"] for c in full[0]) - 184 * MM) < 1


@pytest.mark.django_db
def test_letter_title_and_heading_faces(supervision_letter):
    page = pdfplumber.open(io.BytesIO(_pdf_bytes(supervision_letter))).pages[0]
    title = [c for c in page.chars if round(c["size"]) == 22]
    assert title and all("XiaoBiaoSong" in c["fontname"] for c in title)
    text_by_font: dict[str, str] = {}
    for char in page.chars:
        face = char["fontname"].split("+")[-1]
        text_by_font[face] = text_by_font.get(face, "") + char["text"]
    assert "一、" in text_by_font["Yihong-HeiTi"]
    assert "（一）" in text_by_font["Yihong-KaiTi"]


@pytest.mark.django_db
def test_circular_pdf_has_ordinary_format_and_page_numbers(contacts, clerk, leader):
    # given the monthly circular over the demo ledger
    with time_machine.travel(dt.datetime(2025, 10, 9, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                             tick=False):
        context = composers.compose_monthly_circular(month=dt.date(2025, 9, 1))
        notice = services.notice_draft_create(
            kind=NoticeKind.MONTHLY_CIRCULAR, recipient_units=[], to_city_government=True, context=context,
            acting_user=clerk)
        notice = services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
    # when the PDF is read back
    pdf = pdfplumber.open(io.BytesIO(_pdf_bytes(notice)))
    # then the number is centred with the full year in 六角括号
    assert notice.number == "临一泓专办通〔2025〕1号"
    first = pdf.pages[0]
    red_chars = [c for c in first.chars if _is_red(c["non_stroking_color"])]
    assert "".join(c["text"] for c in red_chars).endswith("文件")
    # mark's top edge 35 mm below the top of the type area
    assert abs(min(c["top"] for c in red_chars) - (37 + 35) * MM) < 2 * MM
    assert any(abs((o["x1"] - o["x0"]) - 156 * MM) < 1 for o in first.rects + first.lines
               if _is_red(o.get("non_stroking_color")) or _is_red(o.get("stroking_color")))
    # pages are numbered "— N —": odd on the right, even on the left (a blank page, or one holding
    # only the 版记, carries none: GB/T 9704 §7.5)
    assert len(pdf.pages) >= 2
    for number, page in enumerate(pdf.pages, start=1):
        if _blank_or_colophon_only(page):
            assert not _page_number_marks(page, number)
            continue
        marks = [w for w in page.extract_words()
                 if w["text"] == str(number) and w["top"] > page.height - 35 * MM]
        assert marks, f"page {number} has no page number"
        mark = marks[0]
        if number % 2:
            assert mark["x0"] > page.width / 2
        else:
            assert mark["x1"] < page.width / 2
        assert f"— {number} —" in page.extract_text().replace("—\u2009", "— ")
    # any landscape page holds a wide table (its header on every page it spans), never running text
    landscape = [p for p in pdf.pages if p.width > p.height]
    assert all("开工率" in p.extract_text() for p in landscape)
    # 版记 on the last page, an even one
    assert "印发" in pdf.pages[-1].extract_text() and "抄送" in pdf.pages[-1].extract_text()
    assert len(pdf.pages) % 2 == 0


@pytest.mark.django_db
def test_fonts_are_embedded_and_subset(supervision_letter):
    # given an issued letter on disk
    path = supervision_letter.pdf.path
    # when poppler lists its fonts
    output = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout
    rows = output.splitlines()[2:]
    # then every font is embedded and subset
    assert rows
    for row in rows:
        columns = row.split()
        assert columns[-5] == "yes" and columns[-4] == "yes", row
        assert "+" in columns[0]
    assert any("FangSong" in row for row in rows)


@pytest.mark.django_db
def test_stored_sha256_matches_file(supervision_letter):
    import hashlib

    # given / when
    digest = hashlib.sha256(_pdf_bytes(supervision_letter)).hexdigest()
    # then
    assert digest == supervision_letter.sha256


def _blank_or_colophon_only(page) -> bool:
    """No text on the page, or only the 版记 (抄报, 抄送 and 印发 lines at the foot)."""
    text = page.extract_text().strip()
    return not text or (text.startswith(("抄报", "抄送", settings.YIHONG_NOTICE_PRINTER))) and "印发" in text


def _page_number_marks(page, number: int) -> list[dict]:
    """The words of the page's bottom margin that make up "— N —"."""
    return [w for w in page.extract_words(extra_attrs=["size"])
            if w["text"] == str(number) and w["top"] > page.height - 35 * MM]


def _page_number_faces(page, number: int) -> set[str]:
    """The faces of the characters of "— N —" in the page's bottom margin (the family after the
    subset tag)."""
    wanted = set(str(number)) | {"—"}
    return {c["fontname"].split("+")[-1].split("-")[-1]
            for c in page.chars if c["top"] > page.height - 35 * MM and c["text"] in wanted}


@pytest.mark.django_db
def test_every_page_of_a_long_letter_but_the_first_carries_its_page_number(contacts, houma, clerk, leader):
    # given a 督办函 listing twenty projects (several pages)
    items = [{"project_id": i, "project_code": f"LF-{i:03d}", "project_name": "汾河侯马段综合治理工程",
              "facts": "计划完工2025年10月31日；目前处于在建阶段，形象进度45%，低于按工期应达进度30个百分点。",
              "requirement": "请于反馈期限前报送整改情况。"} for i in range(1, 21)]
    draft = services.notice_draft_create(
        kind=NoticeKind.SUPERVISION, recipient_units=[houma], acting_user=clerk,
        context={"reason": "督办规则", "items": items, "requirements": "请按期反馈。"})
    notice = services.notice_sign_and_issue(notice_id=draft.pk, acting_user=leader,
                                            issued_on=dt.date(2025, 3, 3))
    # when its pages are read back
    pdf = pdfplumber.open(io.BytesIO(_pdf_bytes(notice)))
    assert len(pdf.pages) >= 3
    # then the first page has none (信函格式) and every other page has "— N —" in 14 pt,
    # 7 mm below the type area, odd pages right and even pages left, one 字 in
    assert not _page_number_marks(pdf.pages[0], 1)
    for number, page in enumerate(pdf.pages[1:], start=2):
        marks = _page_number_marks(page, number)
        assert marks, f"page {number} has no page number"
        mark = marks[0]
        assert round(mark["size"]) == 14
        # half-width 宋体 digits (GB/T 9704 §7.5), not the body's 仿宋
        assert _page_number_faces(page, number) == {"SongTi"}, _page_number_faces(page, number)
        assert abs(mark["top"] - (page.height - 35 * MM + 7 * MM)) < 1.5 * MM
        assert f"— {number} —" in page.extract_text().replace("—\u2009", "— ")
        if number % 2:
            assert page.width / 2 < mark["x1"] < page.width - 26 * MM - 10
        else:
            assert 28 * MM + 10 < mark["x0"] < page.width / 2


@pytest.mark.django_db
def test_every_page_of_the_weekly_report_carries_its_page_number(contacts, clerk, leader):
    # given the weekly report (ordinary format, several pages, 版记 at the end)
    context = composers.compose_weekly_report(week_start=dt.date(2025, 9, 22))
    draft = services.notice_draft_create(kind=NoticeKind.WEEKLY_REPORT, to_city_government=True,
                                         context=context, acting_user=clerk)
    notice = services.notice_sign_and_issue(notice_id=draft.pk, acting_user=leader,
                                            issued_on=dt.date(2025, 9, 29))
    # when / then every page, the first included, is numbered (but a blank page or one holding
    # only the 版记, GB/T 9704 §7.5)
    pdf = pdfplumber.open(io.BytesIO(_pdf_bytes(notice)))
    assert len(pdf.pages) >= 2
    for number, page in enumerate(pdf.pages, start=1):
        if _blank_or_colophon_only(page):
            continue
        assert _page_number_marks(page, number), f"page {number} has no page number"
        assert _page_number_faces(page, number) == {"SongTi"}
