"""Build each kind's content from the as-of-date portfolio (reads only; returns plain JSON-able dicts).

The dict returned is the `context` to pass to notices.services.notice_draft_create: body
`blocks` (paragraphs, headings, tables) for reports and circulars; letters take `items` and
`reason` from the dispatch rules (see notices.documents.letter_blocks).

The package is split by what a person does; every public name is re-exported here.
"""
from notices.composers.letters import (  # noqa: F401
    LETTER_TITLES,
    _date_or_none,
    _item_lines,
    compose_correction,
    compose_letter,
    compose_unit_letter,
    letter_at_issue,
    letter_blocks,
    letter_items_merge,
)
from notices.composers.reports import (  # noqa: F401
    LEVEL_LABELS,
    RISK_DAYS,
    _escalated_blocks,
    _escalated_summary,
    _ranking_table,
    _standing,
    compose_monthly_circular,
    compose_weekly_report,
    escalated_problem_rows,
)
from notices.composers.wording import (  # noqa: F401
    HUNDRED,
    PROGRAMME,
    WEEKDAYS,
    YI,
    _change,
    _change_cell,
    _num,
    _pct,
    _points,
    _short_date,
    _versus,
    cn_day,
    meeting_time_text,
    money,
    pronoun,
    rank_text,
    week_range_text,
)
