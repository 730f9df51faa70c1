"""Building spreadsheets the way clerks send them, for the ledger tests."""
from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook, load_workbook


def xlsx_bytes(rows: list[list], *, title_rows: list[str] | None = None,
               formats: dict[str, str] | None = None) -> bytes:
    """A workbook whose first sheet holds the optional merged title rows, then `rows`."""
    workbook = Workbook()
    sheet = workbook.active
    offset = 0
    width = max(len(r) for r in rows)
    for title in title_rows or []:
        offset += 1
        sheet.cell(row=offset, column=1, value=title)
        sheet.merge_cells(start_row=offset, start_column=1, end_row=offset, end_column=width)
    for r, values in enumerate(rows, start=offset + 1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if formats and isinstance(value, (int, float)):
                header = rows[0][c - 1]
                if header in formats:
                    cell.number_format = formats[header]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_rows(data: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def xlsx_edit(data: bytes, edits: dict[tuple[int, str], object]) -> bytes:
    """Change cells of an exported workbook: {(excel row, header): value} (header row found by name)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    header_row = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), start=1) if "项目编号" in row)
    headers = [c.value for c in sheet[header_row]]
    for (row, header), value in edits.items():
        sheet.cell(row=row, column=headers.index(header) + 1, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_cached_formula(data: bytes, cell_ref: str, formula: str, cached: str) -> bytes:
    """Put a formula with its last computed value into a cell, as Excel saves it.

    openpyxl cannot compute formulas, so the sheet XML is edited directly.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = content.decode()
                pattern = re.compile(rf'<c r="{cell_ref}"[^>]*?(/>|>.*?</c>)')
                replacement = f'<c r="{cell_ref}"><f>{formula}</f><v>{cached}</v></c>'
                xml, count = pattern.subn(replacement, xml, count=1)
                assert count == 1, f"cell {cell_ref} not found"
                content = xml.encode()
            target.writestr(item, content)
    return out.getvalue()
