"""Hypothesis settings and hostile-input strategies shared by the fuzz tests of tests/trust/."""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Modest counts keep the suite fast (YIHONG_FUZZ_EXAMPLES=500 for a longer hunt by hand); no
# example database in the working tree; the demo-ledger fixtures are function-scoped on purpose
# (each example runs in its own savepoint).
EXAMPLES = int(os.environ.get("YIHONG_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

CJK = re.compile(r"[\u4e00-\u9fff]")

# Text a hostile or careless user sends: control characters, markup, quotes, right-to-left
# marks, very long runs, Excel formula prefixes, SQL-ish fragments.
HOSTILE_FRAGMENTS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE tracker_project; --",
    "=1+1",
    "=cmd|' /C calc'!A0",
    "@SUM(A1)",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\r\n",
    "\t",
    "\x0b",
    "\x1b[31m",
    "\ufeff",
    "\u200b",
    "𝕏😀",
    "汾河侯马段综合治理工程",
    "%s%n",
    "{{ 7*7 }}",
    "../../etc/passwd",
]

hostile_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=400, max_size=1200),
    st.lists(st.sampled_from(HOSTILE_FRAGMENTS), min_size=1, max_size=6).map("".join),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE_FRAGMENTS), st.text(max_size=20)),
)

hostile_number_text = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(lambda n: f"{n}.{abs(n) % 97:02d}"),
    st.sampled_from(
        [
            "-0",
            "-1",
            "1e309",
            "-1e309",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "Infinity",
            "0x10",
            "1_000",
            "١٢٣",
            "１２３",
            "9" * 60,
            "0." + "0" * 50 + "1",
            "",
            " ",
            "—",
            "1,2,3",
            "12.345.6",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

hostile_date_text = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "10000-01-01",
            "1900-02-29",
            "2025-02-30",
            "2025-13-01",
            "-2025-01-01",
            "2025-1-1T25:61",
            "30000101",
            "99999999999",
            "今天",
            "",
        ]
    ),
    st.text(max_size=30),
)


def is_chinese(message: str) -> bool:
    return bool(CJK.search(message or ""))
