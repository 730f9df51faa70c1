"""The office's ledgers (台账) as spreadsheets: what each holds, and how it is written.

DOMAIN: Ledgers and maps — "10+ ledgers … each tracks scale, content, progress and problems
of every project". Each builder below reads the portfolio (scoped to what the user may see)
into a `LedgerTable`; `ledger_xlsx` / `ledger_csv` write any table the same way: a title row
with the as-of date, a frozen header row, readable widths, 万元 with two decimals and
thousands separators, percentages as percentages, dates as real dates, a totals row where
sums make sense.

The master ledger's columns (MASTER_COLUMNS) are the contract for both directions:
ledgers.importing reads exactly what `ledger_build("master")` writes, so exporting and
re-importing the same file reports zero changes.

The package is split by what a person does; every public name is re-exported here.
"""
from ledgers.exporting.files import (  # noqa: F401
    DATE_FORMAT,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    _csv_value,
    ledger_csv,
    ledger_file,
    ledger_xlsx,
)
from ledgers.exporting.kinds import (  # noqa: F401
    BUILDERS,
    _annual_target,
    _week_range,
    annual_ledger,
    funds_ledger,
    grouped_master_ledger,
    ledger_build,
    master_ledger,
    problems_ledger,
    procedures_ledger,
    sections_ledger,
    unit_ledger,
    weekly_ledger,
    weekly_template,
)
from ledgers.exporting.tables import (  # noqa: F401  # noqa: F401
    CITY_TITLE,
    DATE,
    INT,
    KINDS,
    MASTER_COLUMNS,
    MASTER_HEADERS,
    MONEY,
    PERCENT,
    TEXT,
    WEEKLY_COLUMNS,
    WEEKLY_HEADERS,
    Column,
    LedgerFilters,
    LedgerTable,
    ProjectRowFacts,
    _facts,
    _master_rows,
    _open_problems,
    _scope_suffix,
    _scoped,
    _state_value,
    _stem,
    _title,
    cn_date,
    projects_for_ledger,
    state_label,
)
