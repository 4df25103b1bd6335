"""Reading the cells of another tool's export: its encoding, separator, numbers and dates.

Pure functions. Tools write what the freelancer's spreadsheet or locale writes: a byte-order
mark, Windows-1252 from an older Excel, `;` between cells and `1.234,56` for amounts in
much of Europe, and dates day first or month first.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from charset_normalizer import from_bytes

CENTS = Decimal("0.01")


class CellError(ValueError):
    """A cell that cannot be read; the message is shown after its row and column."""


def decode(raw: bytes) -> str:
    """The file as text. UTF-8 (with or without a byte-order mark) first, as most tools
    write it; anything else is left to charset-normalizer, which tells Windows-1252 from
    its neighbours by the letters it produces."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        raise CellError("not a text file (no character encoding fits it)")
    # A short file often reads equally well in several code pages (é is the same byte in
    # 1250 and 1252, ę differs): of those, the one Excel writes in Western Europe.
    for match in matches:
        ties = (match.chaos, match.coherence) == (best.chaos, best.coherence)
        if ties and match.encoding == "cp1252":
            best = match
            break
    return str(best).removeprefix("\ufeff")


def rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's cells and the data rows as (row number, cells), blank rows left out.

    The separator is chosen from the header alone: column names hold neither `,` nor `;`,
    while data rows do (decimal commas in semicolon files).
    """
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].strip():
        raise CellError("the file is empty; it needs a header row of columns")
    header_line = lines[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    if header_line.count("\t") > max(header_line.count(";"), header_line.count(",")):
        delimiter = "\t"
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
        body = [(reader.line_num, cells) for cells in reader if any(cell.strip() for cell in cells)]
    except csv.Error as error:
        raise CellError(f"row {reader.line_num}: not valid CSV ({error})") from error
    return header, body


# 1234.5, 1,234.56, 1.234,56, 1 234,56, 1234,5, -12; a currency sign or code around it.
_NUMBER = re.compile(r"[-+]?[0-9][0-9 .,'\u00a0\u202f]*")
_CURRENCY_AROUND = re.compile(r"^[^\d\-+]*|[^\d]*$")


def number(cell: str) -> Decimal:
    """A number as a person's locale writes it: a decimal comma or point, thousands
    separators of either kind. "1,234" with three digits after the only separator is
    read as a thousand, as every tool that writes it means."""
    text = _CURRENCY_AROUND.sub("", cell.strip())
    negative = cell.strip().startswith("-") or cell.strip().startswith("(")
    text = text.lstrip("+-")
    if not text or not _NUMBER.fullmatch(text) or len(text) > 40:
        raise CellError(f"not a number: {show(cell)}")
    for space in (" ", "\u00a0", "\u202f", "'"):
        text = text.replace(space, "")
    last_comma, last_point = text.rfind(","), text.rfind(".")
    decimal_mark = None
    if last_comma >= 0 and last_point >= 0:
        decimal_mark = "," if last_comma > last_point else "."
    elif last_comma >= 0 or last_point >= 0:
        mark = "," if last_comma >= 0 else "."
        whole, _, fraction = text.rpartition(mark)
        # One mark with other than three digits after it, or "0.125": a decimal mark.
        if text.count(mark) == 1 and (len(fraction) != 3 or whole in ("0", "")):
            decimal_mark = mark
    if decimal_mark is not None:
        thousands = "." if decimal_mark == "," else ","
        whole, _, fraction = text.rpartition(decimal_mark)
        text = whole.replace(thousands, "") + "." + fraction
    else:
        text = text.replace(",", "").replace(".", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"not a number: {show(cell)}") from None
    return -value if negative else value


def money(cell: str) -> Decimal:
    value = number(cell)
    # Checked here: cents of a number this long are beyond Decimal's precision, and far
    # beyond any money column (whose own limit backup_import names by row).
    if value.adjusted() >= 20:
        raise CellError(f"too large: {show(cell)}")
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


_CLOCK = re.compile(r"([0-9]{1,4}):([0-5][0-9])(?::([0-5][0-9]))?")


def hours(cell: str) -> Decimal:
    """A duration as hours with two decimals: "1:30:00", "1:30" or "1.5" / "1,5"."""
    text = cell.strip()
    match = _CLOCK.fullmatch(text)
    if match:
        h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
        total = Decimal(h * 3600 + m * 60 + s) / Decimal(3600)
    else:
        try:
            total = number(text)
        except CellError:
            raise CellError(f"not a duration (like 1:30:00 or 1.5): {show(cell)}") from None
    return total.quantize(CENTS, rounding=ROUND_HALF_UP)


YES = frozenset({"yes", "y", "true", "1", "ja", "oui", "sí", "si", "billable", "x", "ya", "kyllä"})
NO = frozenset({"no", "n", "false", "0", "nein", "non", "nee", "non-billable", "", "tidak", "ei"})


def yes_no(cell: str) -> bool:
    text = cell.strip().casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(f"not yes or no: {show(cell)}")


# Date orders a file's dates may be written in. ISO (2024-03-01) is never ambiguous.
DMY, MDY, YMD = "dmy", "mdy", "ymd"
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ].*)?")
_SLASHED = re.compile(r"([0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{2}|[0-9]{4})(?:[T ,].*)?")


def date_orders(cell: str) -> set[str]:
    """The orders `cell` reads as a real date in: {"ymd"}, {"dmy"}, {"mdy"}, both, or none."""
    text = cell.strip()
    if _ISO.fullmatch(text):
        return {YMD} if _read(text, YMD) else set()
    return {order for order in (DMY, MDY) if _SLASHED.fullmatch(text) and _read(text, order)}


def to_date(cell: str, order: str) -> date:
    """The cell as a date in `order` (ISO cells are ISO whatever the order)."""
    text = cell.strip()
    day = _read(text, YMD if _ISO.fullmatch(text) else order)
    if day is None:
        raise CellError(f"not a date: {show(cell)}")
    return day


def _read(text: str, order: str) -> date | None:
    if order == YMD:
        match = _ISO.fullmatch(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _SLASHED.fullmatch(text)
        if not match:
            return None
        first, second, year = (int(g) for g in match.groups())
        year += 2000 if year < 100 else 0
        day, month = (first, second) if order == DMY else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def show(value: str) -> str:
    """A cell quoted in a problem, cut short: a 5,000-character cell whole helps nobody."""
    value = value if len(value) <= 40 else value[:40] + "..."
    return '"' + value.replace('"', '\\"') + '"'


def loose(name: str) -> str:
    """A name as compared ignoring case, punctuation and spacing: "ACME, Inc." = "acme inc"."""
    kept = "".join(ch if ch.isalnum() else " " for ch in name.casefold())
    return " ".join(kept.split())


def unstorable(value: str) -> str | None:
    """Why no text column takes `value` (PostgreSQL refuses NUL), or None."""
    return "contains a NUL character, which cannot be stored" if "\x00" in value else None
