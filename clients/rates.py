"""Exchange rates from a reference-rate file: the ECB's euro foreign exchange reference rates.

Two shapes of the same CSV are read: the history (`eurofxref-hist.csv`: a `Date,USD,JPY,...`
header, one row per day, ISO dates, `N/A` where a currency had no rate that day) and the
single day (`eurofxref.csv`: the same header with spaces, a date like `4 January 2024`).
Every value is "1 EUR = value units of the column's currency". No database here; nothing
is fetched, the freelancer uploads the file they downloaded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from clients.models import MIN_RATE, RATE_DECIMAL_PLACES, RATE_MAX_DIGITS

BASE = "EUR"
MISSING = {"", "N/A", "NA", "-"}
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y")
MAX_PROBLEMS = 50  # listed; the count says how many more there were


@dataclass
class RateFile:
    rows: list[tuple[str, str, date, Decimal]] = field(default_factory=list)  # base, quote, day
    problems: list[str] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)  # currencies left out (not wanted)

    def problem(self, message: str) -> None:
        self.problems.append(message)


def rate_file_read(
    raw: bytes, *, known: frozenset[str], wanted: frozenset[str] | None = None
) -> RateFile:
    """The rates in the file; `problems` names each bad cell by line and column.

    `known` are the currency codes accepted; `wanted`, when given, the ones kept (others
    are skipped, not errors: the history holds 40 currencies nobody bills in).
    """
    result = RateFile()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.problem(_("The file is not text in UTF-8: upload the CSV file as downloaded."))
        return result
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if not header or header[0].strip().lower() != "date":
        result.problem(
            _("The first line must be the header “Date,USD,JPY,…” of a reference-rate file.")
        )
        return result
    columns: list[str | None] = []
    for number, cell in enumerate(header[1:], start=2):
        code = cell.strip().upper()
        if not code:
            columns.append(None)  # the history ends each line with a comma
        elif code not in known or code == BASE:
            result.problem(
                _("Line 1, column %(column)s: %(code)s is not a currency code.")
                % {"column": number, "code": cell.strip()[:12]}
            )
            columns.append(None)
        elif wanted is not None and code not in wanted:
            result.skipped.add(code)
            columns.append(None)
        else:
            columns.append(code)
    seen: set[date] = set()
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            day = _day(cells[0])
            if day is None:
                result.problem(
                    _("Line %(line)s: “%(value)s” is not a date (use 2024-01-04).")
                    % {"line": line, "value": cells[0].strip()[:20]}
                )
                continue
            if day in seen:
                result.problem(
                    _("Line %(line)s: %(day)s appears twice.") % {"line": line, "day": day}
                )
                continue
            seen.add(day)
            for code, cell in zip(columns, cells[1:], strict=False):
                value = cell.strip()
                if code is None or value.upper() in MISSING:
                    continue
                rate = _rate(value)
                if rate is None:
                    result.problem(
                        _("Line %(line)s, %(code)s: “%(value)s” is not a positive rate.")
                        % {"line": line, "code": code, "value": value[:20]}
                    )
                    continue
                result.rows.append((BASE, code, day, rate))
    except csv.Error as error:
        result.problem(_("The file cannot be read as CSV: %(error)s") % {"error": error})
    return result


def _day(cell: str) -> date | None:
    value = cell.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _rate(value: str) -> Decimal | None:
    try:
        rate = Decimal(value)
    except InvalidOperation:
        return None
    if not rate.is_finite() or rate < MIN_RATE:
        return None
    rate = rate.quantize(Decimal(1).scaleb(-RATE_DECIMAL_PLACES))
    if len(rate.as_tuple().digits) > RATE_MAX_DIGITS:
        return None
    return rate
