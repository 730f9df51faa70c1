"""The demo ledger: 95 projects with a history from mid-2023 to the demo date.

Illustrative, but consistent with every published fact in DOMAIN.md: 95 projects over all 18
units, 6 domains with exactly 22 in 生态, total investment 1,293,700 万元, the real project names
among them; all 95 started and exactly 62 completed as of 2024-12-31; 9 national sections of
which 7 were good (I–III) in 2023 and 8 in 2024. By the demo date some projects are late, some
stalled, one county shows no progress for a month, and problems sit at every escalation level,
so that the dispatch rules have something real to find.

Deterministic (a fixed seed) and idempotent: a second run changes nothing. Transitions go
through tracker.services, so the audit log and the as-of-date portfolio are real.

The package is split by what it builds; its entry points are re-exported here.
"""
from demo.ledger.people import DEMO_PASSWORD
from demo.ledger.portfolio import demo_date, demo_ledger_load

__all__ = ["DEMO_PASSWORD", "demo_date", "demo_ledger_load"]
