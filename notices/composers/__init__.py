"""Build each kind's content from the as-of-date portfolio (reads only; returns plain JSON-able dicts).

The dict returned is the `context` to pass to notices.services.notice_draft_create: body
`blocks` (paragraphs, headings, tables) for reports and circulars; letters take `items` and
`reason` from the dispatch rules (see notices.documents.letter_blocks).

The package is split by what a person does; every public name is re-exported here.
"""
from notices.composers.wording import (  # noqa: F401
    _pct,
    _num,
    money,
    _change,
    _change_cell,
    rank_text,
    _versus,
    _short_date,
    PROGRAMME,
    WEEKDAYS,
    pronoun,
    cn_day,
    week_range_text,
    meeting_time_text,
    _points,
    HUNDRED,
    YI,
)
from notices.composers.reports import (  # noqa: F401
    _ranking_table,
    _standing,
    compose_monthly_circular,
    RISK_DAYS,
    compose_weekly_report,
    LEVEL_LABELS,
    escalated_problem_rows,
    _escalated_blocks,
    _escalated_summary,
)
from notices.composers.letters import (  # noqa: F401
    compose_unit_letter,
    _item_lines,
    compose_letter,
    LETTER_TITLES,
    letter_items_merge,
    _date_or_none,
    letter_at_issue,
    letter_blocks,
    compose_correction,
)
