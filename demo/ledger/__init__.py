"""The demo ledger: 95 projects with a history from mid-2023 to the demo date.

Illustrative, but consistent with every published fact in DOMAIN.md: 95 projects over all 18
units, 6 domains with exactly 22 in 生态, total investment 1,293,700 万元, the real project names
among them; all 95 started and exactly 62 completed as of 2024-12-31; 9 national sections of
which 7 were good (I–III) in 2023 and 8 in 2024. By the demo date some projects are late, some
stalled, one county shows no progress for a month, and problems sit at every escalation level,
so that the dispatch rules have something real to find.

Deterministic (a fixed seed) and idempotent: a second run changes nothing. Transitions go
through tracker.services, so the audit log and the as-of-date portfolio are real.

The package is split by what a person does; every public name is re-exported here.
"""
from demo.ledger.people import (  # noqa: F401
    DEMO_PASSWORD,
    GIVEN,
    OFFICE_MODELS,
    SEED,
    SURNAMES,
    _name,
    _office_group,
    _user,
    demo_users_create,
)
from demo.ledger.portfolio import (  # noqa: F401
    COMPLETED_BY_END_2024,
    END_2024,
    LISTED_ON,
    NAME_PATTERNS,
    OWNER_PATTERNS,
    PROBLEM_TEXTS,
    PROJECTS_PER_DOMAIN,
    PROJECTS_PER_UNIT,
    REAL_PROJECTS,
    TOTAL_INVESTMENT_WAN,
    UNIT_BASIN,
    PlannedHistory,
    _add_days,
    _evidence,
    _histories,
    _load_reference,
    _month_start,
    _planned_dates,
    _problems_create,
    _procedures_create,
    _progress_on,
    _project_specs,
    _quantize,
    _reports_and_plans_create,
    _transitions_apply,
    demo_date,
    demo_ledger_load,
)
from demo.ledger.sections import (  # noqa: F401
    SECTIONS,
    _location_in,
    _next_month,
    _sections_create,
)
