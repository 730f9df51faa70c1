"""A ledger as a file: xlsx (formatted for printing) or csv."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from core.spreadsheet_cells import cell_value_safe
from ledgers.exporting.tables import DATE, KINDS, MONEY, PERCENT, Column, LedgerTable

MONEY_FORMAT = "#,##0.00"


PERCENT_FORMAT = "0.00%"


DATE_FORMAT = "yyyy-mm-dd"


def ledger_xlsx(table: LedgerTable) -> bytes:
    """The table as an .xlsx workbook (title row, frozen header, formats, totals).

    Written in openpyxl's write-only mode with shared styles: a 10,000-project ledger takes
    about a third of the time of the ordinary mode (the export must take at most 10 s).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(KINDS.get(table.kind, "周调度表")[:31])
    width = len(table.columns)
    last_column = get_column_letter(width)
    for position, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    header_row = 3 if table.note else 2
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.row_dimensions[1].height = 30

    title = WriteOnlyCell(sheet, value=table.title)
    title.font = Font(name="黑体", size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.append([title])
    sheet.merged_cells.add(f"A1:{last_column}1")
    if table.note:
        sheet.append([table.note])
        sheet.merged_cells.add(f"A2:{last_column}2")

    thin = Side(style="thin", color="999999")
    header_style = {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="DDEBF7"),
        "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "border": Border(top=thin, bottom=thin, left=thin, right=thin),
    }
    headers = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        for attribute, style in header_style.items():
            setattr(cell, attribute, style)
        headers.append(cell)
    sheet.append(headers)

    formats = {MONEY: MONEY_FORMAT, PERCENT: PERCENT_FORMAT, DATE: DATE_FORMAT}
    column_formats = [formats.get(column.kind) for column in table.columns]
    percent_columns = {i for i, column in enumerate(table.columns) if column.kind == PERCENT}
    bold = Font(bold=True)
    body = list(table.rows)
    bold_rows = set(table.subtotal_rows)
    if table.totals and body:
        bold_rows.add(len(body))
        body.append(table.totals_row())
    for index, values in enumerate(body):
        is_bold = index in bold_rows
        row: list[object] = []
        for position, value in enumerate(values):
            if value is None or value == "":
                row.append(None)
                continue
            if position in percent_columns and isinstance(value, Decimal):
                value = value / 100
            # Written as a string, never a formula (openpyxl takes "=…" text for one).
            value = cell_value_safe(value)
            number_format = column_formats[position]
            if number_format is None and not is_bold:
                row.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            if number_format:
                cell.number_format = number_format
            if is_bold:
                cell.font = bold
            row.append(cell)
        sheet.append(row)
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + len(table.rows)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(column: Column, value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return cell_value_safe(value)
    if column.kind == PERCENT and isinstance(value, Decimal):
        return f"{value:.2f}%"  # the % keeps the figure unambiguous (ledgers.parsing)
    if column.kind == MONEY and isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def ledger_csv(table: LedgerTable) -> bytes:
    """The table as CSV in UTF-8 with a BOM (so that Excel opens it as Chinese), title row first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([table.title])
    if table.note:
        writer.writerow([table.note])
    writer.writerow([c.header for c in table.columns])
    body = list(table.rows)
    if table.totals and body:
        body.append(table.totals_row())
    for values in body:
        writer.writerow([_csv_value(c, v) for c, v in zip(table.columns, values, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")


def ledger_file(table: LedgerTable, *, file_format: str = "xlsx") -> tuple[str, bytes, str]:
    """(file name, content, content type) of a ledger in the asked format."""
    if file_format == "csv":
        return f"{table.file_stem}.csv", ledger_csv(table), "text/csv; charset=utf-8"
    if file_format != "xlsx":
        raise ValueError(f"不支持的导出格式“{file_format}”，应为xlsx或csv")
    return (
        f"{table.file_stem}.xlsx",
        ledger_xlsx(table),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
