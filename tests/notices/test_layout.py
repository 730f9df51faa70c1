"""GB/T 9704 page flow, titles and 版头 of the rendered 公文, read back from the PDF."""
import datetime as dt
from itertools import pairwise

import pytest

from notices import documents, rendering, titles
from tests.notices.pdf_reading import (
    MM,
    bad_title_breaks,
    is_red,
    lines,
    open_pdf,
    signature_pages_without_body,
    title_lines,
)

ISSUED_ON = dt.date(2025, 9, 30)
DATE_TEXT = "2025年9月30日"
FACTS = "计划完工2025年10月31日；目前处于在建阶段，形象进度45%，低于按工期应达进度30个百分点。"
REQUIREMENT = ("请你单位高度重视，对照督办事项逐项制定整改措施，明确责任人和完成时限，"
               "倒排工期、挂图作战，确保按期完成年度目标任务。")
TERMS = ["汾河侯马段综合治理工程", "侯马市", "霍州市", "乡宁县"]


def _render(**kwargs) -> bytes:
    kwargs.setdefault("issued_on", ISSUED_ON)
    kwargs.setdefault("main_recipients", "侯马市人民政府")
    kwargs.setdefault("number", "临一泓专办函〔2025〕12号")
    kwargs.setdefault("title_terms", TERMS)
    return rendering.render_pdf("notices/pdf/document.html", {"doc": documents.build_document(**kwargs)})


def _letter(items: int) -> bytes:
    return _render(notice_format=documents.LETTER_FORMAT, kind="supervision",
                   title="关于侯马市汾河侯马段综合治理工程进度滞后的督办函",
                   context={"reason": "督办规则", "requirements": REQUIREMENT,
                            "items": [{"project_name": "汾河侯马段综合治理工程", "facts": FACTS,
                                       "requirement": "请于2025年10月20日前报送整改情况。"}] * items})


def _ordinary(paragraphs: int, *, kind: str = "monthly_circular", blocks: list | None = None,
              signer: str = "") -> bytes:
    body = [{"kind": "p", "text": REQUIREMENT}] * paragraphs
    return _render(notice_format=documents.ORDINARY_FORMAT, kind=kind, signer=signer,
                   number="临一泓专办通〔2025〕9号", title="关于2025年9月全市生态保护工程进展情况的通报",
                   main_recipients="各县（市、区）人民政府，市直有关部门",
                   context={"blocks": blocks if blocks is not None else body}, copy_to="市人民政府")


def _page_number_chars(page) -> list[dict]:
    return [c for c in page.chars if c["text"] in "—0123456789" and
            (c["top"] > page.height - 35 * MM or not c.get("upright", True))
            and not is_red(c["non_stroking_color"])]


@pytest.mark.parametrize("items", range(1, 9))
def test_signature_and_date_never_stand_alone_on_a_page(items):
    # given a 督办函 naming 1 to 8 projects (its end falls anywhere on a page)
    # when it is rendered
    pdf = _letter(items)
    # then the page holding the signature and date holds at least two lines of the body too
    issuer = documents.build_document(notice_format="letter", number=None, title="", main_recipients="",
                                      context={"blocks": []}, issued_on=ISSUED_ON)["issuer"]
    assert signature_pages_without_body(pdf, issuer=issuer, date_text=DATE_TEXT) == []


@pytest.mark.parametrize("paragraphs", range(1, 8))
def test_a_one_line_last_paragraph_takes_the_one_before_it_along(paragraphs):
    # given a 更正通知 ending in a one-line paragraph ("特此更正。")
    blocks = [{"kind": "p", "text": REQUIREMENT}] * paragraphs
    blocks += [{"kind": "p", "text": "其余内容不变。特此更正。"}]
    # when it is rendered
    pdf = _ordinary(0, kind="correction", blocks=blocks)
    # then two lines of text at least stand above the signature on its page
    issuer = documents.build_document(notice_format="letter", number=None, title="", main_recipients="",
                                      context={"blocks": []}, issued_on=ISSUED_ON)["issuer"]
    assert signature_pages_without_body(pdf, issuer=issuer, date_text=DATE_TEXT) == []


@pytest.mark.parametrize("paragraphs", [1, 3, 5, 7, 9, 11, 13, 17, 21])
def test_colophon_falls_on_an_even_page_and_blank_pages_are_unnumbered(paragraphs):
    # given an ordinary-format 通报 of varying length
    # when it is rendered
    pages = open_pdf(_ordinary(paragraphs)).pages
    # then the 版记 is on the last page, which is even
    assert len(pages) % 2 == 0
    assert "印发" in pages[-1].extract_text()
    assert not any("印发" in page.extract_text() for page in pages[:-1])
    # and a page with no body text before it (blank), like a page holding only the 版记,
    # carries no page number (GB/T 9704 §7.5)
    for number, page in enumerate(pages, start=1):
        body = [line for line in lines(page) if line["size"] == 16]
        numbered = bool(_page_number_chars(page))
        if not body:
            assert not numbered, f"page {number} has no body text but a page number"
        else:
            assert numbered, f"page {number} has no page number"


WIDE_TABLE = {
    "kind": "table", "wide": True, "caption": "表1 2025年9月各县（市、区）工程进展排名",
    "heading": "二、各县（市、区）排名", "intro": "按完工率排名，乡宁县位居前列，霍州市相对滞后。",
    "header": ["县（市、区）", "项目数", "开工率", "排名", "较上月", "完工率", "排名", "较上月",
               "达效率", "排名", "较上月", "投资完成率", "排名"],
    "rows": [[f"第{i}县", 5, "100%", 1, "持平", "80%", i, "+5", "60%", i, "+3", "90%", i]
             for i in range(1, 31)],
    "text_columns": [1],
}


def test_only_wide_tables_go_landscape_with_page_numbers_where_section_8_puts_them():
    # given a 通报 whose ranking table is wide
    blocks = [{"kind": "p", "text": REQUIREMENT}, WIDE_TABLE, {"kind": "h2", "text": "三、下步要求"},
              {"kind": "p", "text": REQUIREMENT}]
    # when it is rendered
    pages = open_pdf(_ordinary(0, blocks=blocks)).pages
    landscape = [(number, page) for number, page in enumerate(pages, start=1) if page.width > page.height]
    portrait_text = "".join(page.extract_text() for page in pages if page.width < page.height)
    # then the table (an 附件) is on landscape pages, its header on each of them
    assert len(landscape) >= 2
    assert all("投资完成率" in page.extract_text() for _, page in landscape)
    # the running text, the heading and intro included, stays on portrait pages
    for text in ("二、各县（市、区）排名", "按完工率排名", "三、下步要求", "见附件"):
        assert text in portrait_text
        assert not any(text in page.extract_text() for _, page in landscape)
    # and each landscape page is numbered as the sheet's other pages are: in the sheet's bottom
    # margin (the landscape page's left margin), turned with the sheet, 7 mm from the type area,
    # odd pages at the sheet's right end (bottom here) and even pages at its left end (top here)
    for number, page in landscape:
        chars = _page_number_chars(page)
        assert chars, f"landscape page {number} has no page number"
        digits = [c["text"] for c in sorted(chars, key=lambda c: c["top"]) if c["text"].isdigit()]
        assert "".join(digits) == str(number)
        assert not any(c.get("upright", True) for c in chars)
        assert 35 * MM - 7 * MM - 16 <= min(c["x0"] for c in chars)
        assert max(c["x1"] for c in chars) <= 35 * MM - 7 * MM + 2
        top, bottom = min(c["top"] for c in chars), max(c["bottom"] for c in chars)
        if number % 2:
            assert abs(bottom - (page.height - 26 * MM - 16)) < 3 * MM
        else:
            assert abs(top - (28 * MM + 16)) < 3 * MM


ISSUE_TITLES = [
    "关于2025年9月15日至9月21日全市生态保护工程调度情况的报告",
    "关于2024年12月30日至2025年1月5日全市生态保护工程调度情况的报告",
    "关于加快乡宁县“一泓清水入黄河”生态保护工程建设进度的督办函",
    "关于对霍州市“一泓清水入黄河”生态保护工程实行挂牌督办的通知",
    "关于2025年9月全市“一泓清水入黄河”生态保护工程进展情况的通报",
    "关于侯马市汾河侯马段综合治理工程进度滞后的督办函",
    "关于各县（市、区）按期报送生态保护工程周调度数据的催报通知",
    "关于临汾市一泓清水入黄河生态保护工程2025年9月进展情况通报有关数据的更正通知",
    "关于更正《关于2025年8月全市“一泓清水入黄河”生态保护工程进展情况的通报》的通知",
]


@pytest.mark.parametrize("title", ISSUE_TITLES)
def test_titles_break_between_words_into_a_balanced_shape(title):
    # given a long title
    # when it is broken into lines
    broken = titles.title_lines(title, terms=TERMS)
    # then nothing is lost, each line fits 156 mm of 2号, and no break cuts a word, number,
    # date or quoted name
    assert "".join(broken) == title
    assert len(broken) >= 2
    assert all(titles._width(line) <= titles.LINE_WIDTH_EM for line in broken)
    assert bad_title_breaks(broken, terms=TERMS) == []
    # the lines are balanced (梯形/菱形): no line less than half as long as the longest
    widths = [titles._width(line) for line in broken]
    assert min(widths) >= max(widths) / 2


def test_title_break_check_catches_a_break_inside_a_number_or_word():
    # given breaks as the old layout made them
    # when / then the check names them
    assert bad_title_breaks(["关于2025年9月15日至9月2", "1日生态保护工程调度情况的报告"])
    assert bad_title_breaks(["关于加快生态", "保护工程建设进度的督办函"])
    assert bad_title_breaks(["关于对霍州市“一泓清水", "入黄河”工程实行挂牌督办的通知"])


def test_printed_title_keeps_the_chosen_lines():
    # given a weekly report whose title needs two lines
    title = "关于2025年9月15日至9月21日全市生态保护工程调度情况的报告"
    # when it is rendered
    printed = title_lines(_render(notice_format=documents.ORDINARY_FORMAT, kind="weekly_report", title=title,
                                  number="临一泓专办报〔2025〕38号", main_recipients="市人民政府",
                                  context={"blocks": [{"kind": "p", "text": REQUIREMENT}]}))
    # then the PDF shows exactly the lines chosen between words (the renderer does not re-break them)
    assert printed == titles.title_lines(title, terms=TERMS)
    assert bad_title_breaks(printed, terms=TERMS) == []


@pytest.mark.parametrize("notice_format", [documents.LETTER_FORMAT, documents.ORDINARY_FORMAT])
def test_mark_is_2hao_or_larger_and_condensed_to_the_type_area(notice_format):
    # given a document of either format (the full name is longer than a line of 2号)
    pdf = _render(notice_format=notice_format, kind="supervision", title="关于侯马市工程进度滞后的督办函",
                  context={"blocks": [{"kind": "p", "text": REQUIREMENT}]})
    # when the red mark is read back
    mark = [c for c in open_pdf(pdf).pages[0].chars if is_red(c["non_stroking_color"])]
    # then it is set at 22 pt or more, on one line, inside the type area, condensed horizontally
    assert mark and min(c["size"] for c in mark) >= 22 - 0.1
    assert len({round(c["top"]) for c in mark}) == 1
    assert min(c["x0"] for c in mark) >= 28 * MM - 1 and max(c["x1"] for c in mark) <= 184 * MM + 1
    assert max(c["x1"] - c["x0"] for c in mark) < 22


def test_upward_report_carries_the_signer_beside_its_number():
    # given the weekly report to the city government (上行文) signed by 张建国
    pdf = _ordinary(2, kind="weekly_report", signer="张建国")
    page = open_pdf(pdf).pages[0]
    # when the line under the mark is read
    row = next(line for line in lines(page) if "签发人" in line["text"])
    # then the number is one 字 in from the left and 签发人：张建国 one 字 in from the right, on one line
    assert row["text"].replace(" ", "").startswith("临一泓专办通〔2025〕9号")
    assert row["text"].replace(" ", "").endswith("签发人：张建国")
    assert abs(row["x0"] - (28 * MM + 16)) < 2 and abs(row["x1"] - (184 * MM - 16)) < 2
    # the name in 楷体, "签发人" in 仿宋
    fonts = {c["text"]: c["fontname"] for c in page.chars if abs(c["top"] - row["top"]) < 4}
    assert "KaiTi" in fonts["张"] and "KaiTi" in fonts["国"] and "FangSong" in fonts["签"]


def test_downward_documents_carry_no_signer():
    # given / when a 通报 (下行文)
    pdf = _ordinary(2, kind="monthly_circular", signer="张建国")
    # then no 签发人 line
    assert "签发人" not in open_pdf(pdf).pages[0].extract_text()


def test_copy_to_second_line_aligns_after_the_colon():
    # given a 通报 copied to more offices than one line of the 版记 holds
    pdf = _render(notice_format=documents.ORDINARY_FORMAT, kind="monthly_circular", title="关于工程进展情况的通报",
                  context={"blocks": [{"kind": "p", "text": REQUIREMENT}]},
                  copy_to="市人民政府，省“一泓清水入黄河”工程专班，市委办公室，市人大常委会办公室，市政协办公室")
    # when the 抄送 lines are read back
    page = open_pdf(pdf).pages[-1]
    rows = [line for line in lines(page) if line["size"] == 14]
    first = next(index for index, line in enumerate(rows) if line["text"].startswith("抄送"))
    colon = next(c for c in page.chars if c["text"] == "：" and abs(c["top"] - rows[first]["top"]) < 4)
    # then "抄送" is one 字 in and its second line starts under the first name after the colon
    assert abs(rows[first]["x0"] - (28 * MM + 14)) < 1.5
    assert abs(rows[first + 1]["x0"] - colon["x1"]) < 1.5


def test_copy_report_line_stands_above_copy_to_and_wraps_after_its_colon():
    # given a 通报 reported to the city government and the province (抄报) and copied to others
    pdf = _render(notice_format=documents.ORDINARY_FORMAT, kind="monthly_circular", title="关于工程进展情况的通报",
                  context={"blocks": [{"kind": "p", "text": REQUIREMENT}],
                           "copy_report_to": "市人民政府，省“一泓清水入黄河”工程专班，市委办公室，市人大常委会办公室"},
                  copy_to="市政协办公室")
    # when the 版记 is read back
    page = open_pdf(pdf).pages[-1]
    rows = [line for line in lines(page) if line["size"] == 14]
    texts = [row["text"].replace(" ", "") for row in rows]
    report = next(index for index, text in enumerate(texts) if text.startswith("抄报："))
    copy = next(index for index, text in enumerate(texts) if text.startswith("抄送："))
    colon = next(c for c in page.chars if c["text"] == "：" and abs(c["top"] - rows[report]["top"]) < 4)
    # then 抄报 comes first, one 字 in, its second line under the first name after the colon,
    # and 抄送 follows it
    assert report < copy and texts[copy] == "抄送：市政协办公室。"
    assert abs(rows[report]["x0"] - (28 * MM + 14)) < 1.5
    assert abs(rows[report + 1]["x0"] - colon["x1"]) < 1.5 and report + 1 < copy


def test_main_recipients_wrap_between_two_names_and_start_flush_left_again():
    # given a 主送 one line cannot hold ("……，市直有关部门：" is 30 characters)
    recipients = "各县（市、区）人民政府，临汾经济开发区管委会，市直有关部门"
    pdf = _render(notice_format=documents.ORDINARY_FORMAT, kind="monthly_circular", title="关于工程进展情况的通报",
                  main_recipients=recipients, context={"blocks": [{"kind": "p", "text": REQUIREMENT}]})
    # when its lines are read back
    page = open_pdf(pdf).pages[0]
    rows = [line for line in lines(page) if line["size"] == 16]
    first = next(index for index, line in enumerate(rows) if line["text"].startswith("各县"))
    # then the first line ends after a whole name and its 、/，, never inside "（市、区）" or a name,
    # and the second line starts at the left margin (顶格, GB/T 9704 §7.3.2)
    first_line, second_line = rows[first]["text"].replace(" ", ""), rows[first + 1]["text"].replace(" ", "")
    assert first_line + second_line == recipients + "："
    assert first_line.endswith("，") and second_line in ("市直有关部门：", "临汾经济开发区管委会，市直有关部门：")
    assert abs(rows[first]["x0"] - 28 * MM) < 1.5 and abs(rows[first + 1]["x0"] - 28 * MM) < 1.5
    assert documents.recipient_parts(recipients) == ["各县（市、区）人民政府，", "临汾经济开发区管委会，", "市直有关部门"]


@pytest.mark.parametrize("paragraphs", range(1, 9))
def test_a_table_keeps_its_caption_and_three_rows_at_least_on_each_page_it_spans(paragraphs):
    # given a report whose 18-row table starts anywhere on a page
    table = {"kind": "table", "caption": "表1 各县（市、区）工程状态", "wide": False, "text_columns": [1],
             "header": ["县市区", "项目数", "前期", "在建"], "rows": [[f"第{i}县", 5, 0, 1] for i in range(1, 19)]}
    pdf = _ordinary(0, kind="weekly_report", blocks=[{"kind": "p", "text": REQUIREMENT}] * paragraphs + [
        table, {"kind": "p", "text": REQUIREMENT}])
    # when each page's rows are counted
    spans = []
    for page in open_pdf(pdf).pages:
        rows = {round(c["top"]) for c in page.chars if c["text"] == "第" and round(c["size"]) == 12}
        caption = any(round(c["size"]) == 14 and c["text"] == "表" for c in page.chars)
        if rows or caption:
            spans.append((len(rows), caption))
    # then the caption stands on the page where the rows begin, and no page holds one or two rows
    assert spans[0][1] and spans[0][0] >= 3
    assert all(count >= 3 for count, _ in spans), spans
    assert sum(count for count, _ in spans) == 18


def _signature_page_and_pitch(pdf: bytes, issuer: str) -> tuple[int, float]:
    """(0-based page of the 署名, the body's line pitch on page 1 in pt)."""
    pages = open_pdf(pdf).pages
    signature_page = next(i for i, page in enumerate(pages)
                          if any(row["text"] == issuer for row in lines(page)))
    body = [row["top"] for row in lines(pages[0]) if row["size"] == 16]
    pitches = sorted(b - a for a, b in pairwise(body))
    return signature_page, pitches[len(pitches) // 2]


def test_closer_lines_keep_the_signature_with_the_text_rather_than_start_a_page_for_it():
    # given 督办函 of 1 to 8 items, laid out as issued
    issuer = documents.build_document(notice_format="letter", number=None, title="", main_recipients="",
                                      context={"blocks": []}, issued_on=ISSUED_ON)["issuer"]
    tightened = []
    for items in range(1, 9):
        doc = documents.build_document(
            issued_on=ISSUED_ON, main_recipients="侯马市人民政府", number="临一泓专办函〔2025〕12号",
            title_terms=TERMS, notice_format=documents.LETTER_FORMAT, kind="supervision",
            title="关于侯马市汾河侯马段综合治理工程进度滞后的督办函",
            context={"reason": "督办规则", "requirements": REQUIREMENT,
                     "items": [{"project_name": "汾河侯马段综合治理工程", "facts": FACTS,
                                "requirement": "请于2025年10月20日前报送整改情况。"}] * items})
        issued = rendering.render_pdf("notices/pdf/document.html", {"doc": doc})
        page, pitch = _signature_page_and_pitch(issued, issuer)
        # when it is compared with the same letter laid out once, at the standard pitch
        plain = rendering.layout_only(rendering.render_html("notices/pdf/document.html", {"doc": doc}))
        plain_page = next(i for i, p in enumerate(plain.pages) if "signature" in rendering._classes_on(p))
        # then the issued letter never puts the signature later than the standard layout does;
        # where it is earlier, the lines are closer (GB/T 9704 §7.3.5: 调整行距) but no closer than 25 pt
        assert page <= plain_page
        if page < plain_page:
            tightened.append(items)
            assert 24.5 <= pitch < 28.5
        else:
            assert pitch == pytest.approx(28.99, abs=0.6)
        assert signature_pages_without_body(issued, issuer=issuer, date_text=DATE_TEXT) == []
    # and at least one of these letters was kept on fewer pages that way
    assert tightened, "no letter needed closer lines: the check did not run"
