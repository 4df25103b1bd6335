"""Spreadsheet-like statements (plain bank CSV, Stripe, PayPal): bytes to rows.

Banks export CSV in whatever their country's spreadsheet uses: Windows-1252 or
ISO-8859-1 rather than UTF-8, semicolons with decimal commas. charset-normalizer tells
the encoding apart from the bytes, where trying a fixed list would read "Mühle" as
"MÃ¼hle" without noticing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from charset_normalizer import from_bytes

from invoices.bank.credits import DATE_FORMATS, StatementInvalid, parse_date


@dataclass
class Table:
    header: list[str]  # as the file writes it
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells)

    def column(self, *names: str) -> int | None:
        """The position of the first of `names` in the header (case and spaces ignored)."""
        wanted = [_key(name) for name in names]
        keys = [_key(cell) for cell in self.header]
        for name in wanted:
            if name in keys:
                return keys.index(name)
        return None

    def cell(self, cells: list[str], position: int | None) -> str:
        if position is None or position >= len(cells):
            return ""
        return cells[position].strip()


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw, cp_isolation=["cp1252", "latin_1", "cp1250", "utf_16"]).best()
    if best is None:
        raise StatementInvalid(["the file is not text (no known character encoding fits it)"])
    return str(best)


def _delimiter(header_line: str) -> str:
    # From the header alone: data rows hold decimal commas, which mislead csv.Sniffer.
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=counts.__getitem__)


def table_read(text: str) -> Table:
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)
    # Some banks put an account summary above the table: the header is the first line
    # with at least two separators.
    start = next(
        (i for i, line in enumerate(lines[:20]) if max(line.count(d) for d in ";,\t") >= 2),
        None,
    )
    if start is None:
        raise StatementInvalid(["row 1: no header row of at least three columns"])
    reader = csv.reader(lines[start:], delimiter=_delimiter(lines[start]))
    try:
        header = next(reader)
        rows = [
            (number, cells)
            for number, cells in enumerate(reader, start=start + 2)
            if any(cell.strip() for cell in cells)
        ]
    except csv.Error as error:
        raise StatementInvalid(
            [f"row {reader.line_num + start}: not valid CSV ({error})"]
        ) from error
    if not rows:
        raise StatementInvalid([f"row {start + 2}: no rows under the header"])
    return Table([cell.strip() for cell in header], rows)


def date_format_for(values: list[str], preferred: str = "") -> str | None:
    """The date format of a column: `preferred` when the freelancer chose one, else the
    one format every value reads in. None when several do (03/04/2026: 3 April or
    4 March?). When none does, the one most values read in, so that the others are
    reported by row."""
    if preferred:
        return preferred
    counts = {
        name: sum(parse_date(value, name) is not None for value in values if value)
        for name in DATE_FORMATS
    }
    filled = sum(1 for value in values if value)
    fitting = [name for name, count in counts.items() if count == filled]
    if len(fitting) > 1:
        return None
    return fitting[0] if fitting else max(counts, key=counts.__getitem__)
