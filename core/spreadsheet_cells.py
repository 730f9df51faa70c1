"""Spreadsheet cells that cannot run: text someone typed never becomes a formula in an export.

OWASP "CSV Injection": Excel, WPS and LibreOffice take a cell beginning with = + - @ (or a tab
or carriage return before one) as a formula — `=HYPERLINK("http://…","点此")` sends the
reader to another site, DDE formulas start programs. Every export (the ledgers' xlsx and csv,
the admin's export buttons, the audit log's csv) passes each value through `cell_value_safe`:
such text gets a leading single quote, which makes the cell plain text. Numbers, dates and
empty cells pass unchanged, so a negative figure stays a number.

Lives in the domain app because the audit log's export (tracker) needs it as much as the
ledgers do; the ledgers' import undoes the quote (`cell_text_unescaped`) so that a ledger
exported and imported again reads as it was typed.
"""
from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX = "'"


def cell_value_safe(value):
    """The value as it may go into a spreadsheet cell: text that could start a formula, quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return ESCAPE_PREFIX + value
    return value


def cell_text_unescaped(text: str) -> str:
    """The text as typed, from a cell `cell_value_safe` quoted (anything else is returned as is)."""
    if text.startswith(ESCAPE_PREFIX) and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text
