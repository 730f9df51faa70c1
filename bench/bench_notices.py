"""Benchmark of notice rendering (run by hand): `.venv/bin/python bench/bench_notices.py`.

Prints: the cost of breaking a title (jieba); a 1–2 page letter's median total time and PDF size,
WeasyPrint's layout time alone for the same letter and the ratio; the monthly batch (circular + one
letter to each of the 18 units, composed from the 95-project ledger) wall time and peak memory.
Needs the demo ledger in the configured database (`manage.py load_demo`) and the prepared fonts
(`manage.py prepare_fonts`).
`--fonttools` forces WeasyPrint's fontTools subsetter instead of HarfBuzz's.
`--naive` also times the same letter rendered the naive way (for comparison; takes seconds).
"""
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402

from notices import composers, documents, rendering, titles  # noqa: E402
from tracker.models import AdministrativeUnit  # noqa: E402

LETTER_RUNS = 20

if "--fonttools" in sys.argv:
    # Force WeasyPrint's fontTools subsetting path (what runs where libharfbuzz-subset is missing).
    import weasyprint.pdf.fonts

    weasyprint.pdf.fonts.harfbuzz_subset = None


def letter_html(unit, as_of) -> str:
    context = composers.compose_unit_letter(
        unit=unit, as_of=as_of, reason="“形象进度低于月进展计划20个百分点”督办规则",
        requirement="请倒排工期，于反馈期限前报送整改情况。", limit=5)
    doc = documents.build_document(
        notice_format=documents.LETTER_FORMAT, number="临一泓专办函〔2025〕12号",
        title=f"关于{unit.name}生态保护工程进度滞后的督办函", main_recipients=f"{unit.name}人民政府",
        context=context, issued_on=as_of)
    return rendering.render_html("notices/pdf/document.html", {"doc": doc})


def circular_html(as_of) -> str:
    context = composers.compose_monthly_circular(month=as_of.replace(day=1))
    doc = documents.build_document(
        notice_format=documents.ORDINARY_FORMAT, number="临一泓专办通〔2025〕9号", title=context["title"],
        main_recipients="各县（市、区）人民政府，临汾经济开发区管委会，市直有关部门", context=context,
        issued_on=as_of, copy_to=context["copy_to"])
    return rendering.render_html("notices/pdf/document.html", {"doc": doc})


def render_one(html: str) -> int:
    return len(rendering.pdf_from_html(html))


def naive_render(html: str) -> tuple[float, int]:
    """What a first implementation does: system Noto CJK (.ttc), a fresh FontConfiguration."""
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    families = {role: '"Noto Serif CJK SC"' for role in settings.YIHONG_FONT_STACK}
    started = time.perf_counter()
    font_config = FontConfiguration()
    css = CSS(string=render_to_string("notices/pdf/print.css", {"families": families}),
              font_config=font_config)
    pdf = HTML(string=html).write_pdf(stylesheets=[css], font_config=font_config)
    return time.perf_counter() - started, len(pdf)


def title_breaking() -> None:
    """jieba's cost: its dictionary is loaded on the first title that needs breaking, once per process."""
    title = "关于2025年9月15日至9月21日全市“一泓清水入黄河”生态保护工程调度情况的报告"
    started = time.perf_counter()
    titles.title_lines(title)
    first = time.perf_counter() - started
    runs = []
    for _ in range(LETTER_RUNS):
        started = time.perf_counter()
        titles.title_lines(title)
        runs.append(time.perf_counter() - started)
    print(f"title breaking (jieba): first title {first:.3f} s (dictionary loaded, once per process), "
          f"then median {statistics.median(runs) * 1000:.2f} ms a title (office names read each time)")


def main() -> None:
    as_of = dt.date.fromisoformat(settings.YIHONG_DEMO_DATE)
    title_breaking()
    units = list(AdministrativeUnit.objects.order_by("display_order"))
    html = letter_html(units[1], as_of)

    started = time.perf_counter()
    size = render_one(html)
    cold = time.perf_counter() - started

    totals, layouts = [], []
    for _ in range(LETTER_RUNS):
        started = time.perf_counter()
        size = render_one(html)
        totals.append(time.perf_counter() - started)
        started = time.perf_counter()
        document = rendering.layout_only(html)
        layouts.append(time.perf_counter() - started)
    pages = len(document.pages)
    total_median, layout_median = statistics.median(totals), statistics.median(layouts)
    print(f"letter: {pages} pages, first render (fonts loaded) {cold:.3f} s")
    print(f"letter: median total {total_median:.3f} s over {LETTER_RUNS} runs (min {min(totals):.3f}, "
          f"max {max(totals):.3f}); PDF {size / 1024:.0f} KB")
    if "--naive" in sys.argv:
        seconds, naive_size = naive_render(html)
        print(f"letter, naive (system Noto Serif CJK .ttc, fresh font config): {seconds:.2f} s, "
              f"PDF {naive_size / 1024:.0f} KB")
    print(f"letter: median WeasyPrint layout alone {layout_median:.3f} s; total / layout = "
          f"{total_median / layout_median:.2f}")

    started = time.perf_counter()
    htmls = [circular_html(as_of)] + [letter_html(unit, as_of) for unit in units]
    composed = time.perf_counter() - started
    with ProcessPoolExecutor(max_workers=2) as pool:
        sizes = list(pool.map(render_one, htmls))
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"monthly batch: circular + {len(units)} letters = {len(htmls)} PDFs "
          f"({sum(sizes) / 1024:.0f} KB), composed in {composed:.2f} s, wall {wall:.2f} s with 2 processes")
    issue_batch_through_services(as_of)
    print(f"monthly batch: peak memory {own:.0f} MB (parent) + {children:.0f} MB (largest worker) "
          f"= {own + 2 * children:.0f} MB upper bound")


class _Rollback(Exception):
    pass


def issue_batch_through_services(as_of) -> None:
    """The real thing, in one process: draft, sign, number, render, store and deliver the circular
    and 18 letters through notices.services; rolled back afterwards (files removed)."""
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage
    from django.db import transaction

    from notices import services
    from notices.models import Notice, NoticeKind

    leader = get_user_model().objects.get(username="leader")
    units = list(AdministrativeUnit.objects.order_by("display_order"))
    stored: list[str] = []
    started = time.perf_counter()
    try:
        with transaction.atomic():
            circular = services.notice_draft_create(
                kind=NoticeKind.MONTHLY_CIRCULAR, recipient_units=units, to_city_government=True,
                context=composers.compose_monthly_circular(month=as_of.replace(day=1)), acting_user=leader)
            ids = [circular.pk]
            for unit in units:
                ids.append(services.notice_draft_create(
                    kind=NoticeKind.SUPERVISION, recipient_units=[unit], acting_user=leader,
                    context=composers.compose_unit_letter(unit=unit, as_of=as_of, reason="督办规则",
                                                          requirement="请按期反馈。", limit=5)).pk)
            for notice_id in ids:
                services.notice_sign_and_issue(notice_id=notice_id, acting_user=leader)
            stored = list(Notice.objects.filter(pk__in=ids).values_list("pdf", flat=True))
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    for name in stored:
        default_storage.delete(name)
    print(f"monthly batch through services (draft + sign + number + PDF + store, 1 process): "
          f"{len(stored)} notices in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
