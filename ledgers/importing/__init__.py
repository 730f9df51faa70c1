"""Ledgers that come back from Excel: the master ledger and the counties' weekly sheets.

Two steps: `ledger_import_preview` reads a file and says what would be
created and changed, field by field, and every bad row with its row number, column and reason;
`ledger_import_confirm` does the same reading again inside one transaction and writes it all
— or, when any row is bad, nothing.

Decisions:
- 当前阶段 is never written by an import: a project's state changes only through
  tracker.services.project_transition (guarded, audited). A sheet whose stage differs from
  the system's yields a list of the transitions to make (`StageDifference`).
- The master ledger writes a project's facts (name, unit, department, domain, owner, content,
  investment, planned dates, remarks). Its 形象进度 / 累计完成投资 / 资金到位 columns are checked
  (a bad value refuses the file) and compared, but written only by the weekly dispatch: they
  are the figures of the project's weekly reports, which the as-of-date portfolio reads.
  Differences are listed as notes. 存在问题 is the problem register's text, never imported.
- The weekly sheet keeps weekly_report_submit's rules (progress may not fall below the previous
  week's without a note — the optional 进度回调说明 column) but writes set-based: one
  transaction, bulk inserts/updates, audit rows bulk-created, so that a 95-project sheet
  takes well under the 2 s the issue asks for. A row with all three figures blank is "not
  reported" and skipped.
- New projects get the same checks as tracker.services.project_create (model validation,
  office staff only, a PROJECT_CREATE audit row), written in bulk for the same reason.

The package is split by what a person does; every public name is re-exported here.
"""
from ledgers.importing.confirm import (  # noqa: F401
    ACCEPTED_SUFFIXES,
    _preview_read,
    ledger_import_confirm,
    ledger_import_preview,
    week_label,
)
from ledgers.importing.master import (  # noqa: F401
    _master_row_changes,
    _master_write,
    _safe_text,
)
from ledgers.importing.rows import (  # noqa: F401
    IMPORT_KINDS,
    MASTER_FIELDS,
    MASTER_FIGURES,
    MASTER_OPTIONAL,
    MASTER_REQUIRED,
    SKIPPED_FIRST_CELLS,
    WEEKLY_OPTIONAL,
    WEEKLY_REQUIRED,
    WRITE_BATCH,
    FieldChange,
    ImportPreview,
    LedgerImportRefused,
    ProgressCallback,
    RowChange,
    RowError,
    Sheet,
    SheetRow,
    StageDifference,
    _read,
    _RowReader,
    _sheet_read,
    _show,
    _state_from_label,
    _transition_graph,
    transitions_between,
)
from ledgers.importing.weekly import (  # noqa: F401
    _WEEK_IN_TITLE,
    _week_from_title,
    _weekly_row_changes,
    _weekly_write,
)
