"""Benchmark of the 电子签章, run by hand: `.venv/bin/python bench/bench_signing.py`.

Prints, for a one-page letter rendered once: the median time pyHanko adds to sign it (PAdES, the
office's RSA key, the visible seal image), the median time to verify a signed file (what the
download, the e-mail and `verify_notices` add per file), and the size added. No database needed;
the demo CA and office certificate are made under YIHONG_SIGNING_DIR on the first run (timed apart).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from notices import documents, rendering, sealing  # noqa: E402

RUNS = 30


def main() -> None:
    doc = documents.build_document(
        notice_format="letter",
        number="临一泓专办函〔2025〕12号",
        title="关于侯马市生态保护工程进度滞后的督办函",
        main_recipients="侯马市人民政府",
        issued_on=dt.date(2025, 9, 30),
        kind="supervision",
        title_terms=[],
        context={
            "blocks": [
                {"kind": "p", "text": "为推进工程建设，现将有关事项函告如下。" * 6},
                {"kind": "h2", "text": "一、有关情况"},
                {"kind": "p", "text": "请于10月15日前书面反馈。"},
            ]
        },
    )
    pdf = rendering.render_pdf("notices/pdf/document.html", {"doc": doc})
    start = time.perf_counter()
    sealing.pdf_sign(pdf, signer_name="预热")  # keys (made once), seal image, imports
    print(
        f"first signature (keys, seal, imports): {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    sign_times, verify_times, sign_cpu = [], [], []
    for _ in range(RUNS):
        start, cpu = time.perf_counter(), time.process_time()
        signed = sealing.pdf_sign(pdf, signer_name="王局长")
        sign_times.append(time.perf_counter() - start)
        sign_cpu.append(time.process_time() - cpu)
        start = time.perf_counter()
        assert sealing.pdf_signature_check(signed).valid
        verify_times.append(time.perf_counter() - start)
    print(
        f"sign:   median {statistics.median(sign_times) * 1000:.1f} ms, min {min(sign_times) * 1000:.1f} ms "
        f"({RUNS} runs; target ≤ 50 ms added per letter)"
    )
    print(
        f"sign CPU time (busy machines inflate wall time): {statistics.median(sign_cpu) * 1000:.1f} ms median"
    )
    print(
        f"verify: median {statistics.median(verify_times) * 1000:.1f} ms, "
        f"min {min(verify_times) * 1000:.1f} ms"
    )
    print(f"size:   {len(pdf) / 1024:.0f} KB unsigned → {len(signed) / 1024:.0f} KB signed")


if __name__ == "__main__":
    main()
