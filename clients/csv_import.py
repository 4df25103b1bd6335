"""Clients and invoices from a spreadsheet: CSV rows turned into the backup document format.

One row per invoice payment, per invoice, or per client alone; rows sharing a `client_ref`
are one client, rows sharing an `invoice_number` are one invoice (each such row may add a
payment). The result goes through `backup_import` like any backup, so a CSV import gets the
same checks and the same "importing twice changes nothing" as a JSON one.

Pure: no database. What the freelancer already has (their clients' stored values) and the
defaults for new clients come in as arguments.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from clients.backup import CENTS, FORMAT_VERSION, MAX_NUMBER_CHARS, BackupInvalid
from clientwatch.money import MONEY_WHOLE_DIGITS

CLIENT_COLUMNS = {
    # CSV column -> key in the document's client object
    "client_ref": "ref",
    "client_name": "name",
    "client_email": "email",
    "client_phone": "phone",
    "client_address": "postal_address",
    "client_tax_number": "tax_number",
    "currency": "currency",
    "language": "language",
    "billing": "billing",
    "rate": "rate",
    "payment_terms_days": "payment_terms_days",
    "started_on": "started_on",
}
INVOICE_COLUMNS = {
    "invoice_number": "number",
    "issued_on": "issued_on",
    "due_on": "due_on",
    "amount": "amount",
}
PAYMENT_COLUMNS = {"paid_on": "paid_on", "paid_amount": "amount"}
COLUMNS = (*CLIENT_COLUMNS, *INVOICE_COLUMNS, *PAYMENT_COLUMNS)
# Every client in the document needs these; a new client missing one gets it from `defaults`.
CLIENT_REQUIRED = (
    "name",
    "email",
    "currency",
    "language",
    "billing",
    "rate",
    "payment_terms_days",
    "started_on",
)
DEFAULTS: Mapping[str, Any] = {
    "language": "en",
    "billing": "hourly",
    "rate": "0.00",
    "payment_terms_days": 14,
}
PREVIEW_ROWS = 50

# ASCII digits only: \d also matches "١٢" and other scripts' digits, which Decimal() reads.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A decimal comma is read as a decimal point (semicolon files from European spreadsheets
# write 1200,50), but only with one or two digits after it: "1,200" could be a thousand.
_MONEY = re.compile(r"-?([0-9]+)(?:[.,][0-9]{1,2})?")
_WHOLE = re.compile(r"[0-9]+")
_PATH = re.compile(
    r"(?P<path>clients\[\d+\](?:\.invoices\[\d+\](?:\.payments\[\d+\])?)?)"
    r"(?:\.(?P<key>\w+))?: (?P<message>.*)",
    re.DOTALL,
)


@dataclass
class CsvDocument:
    """A CSV file read into a backup document, with what a preview and error messages need."""

    document: dict[str, Any]
    columns: list[str]  # the file's columns, in the order of COLUMNS
    preview: list[tuple[int, list[str]]]  # (row number, cells by `columns`), the first rows
    rows: int  # data rows in the file, blank ones left out
    # Document path ("clients[0].invoices[1]", "clients[0].name") -> the row it came from,
    # so problems found later by backup_import can be named by row and column too.
    origins: dict[str, int] = field(default_factory=dict)
    # The rows' own problems. The document leaves out each value named here, so it can
    # still go through backup_import's checks to find the rest in one go.
    problems: list[str] = field(default_factory=list)

    def explain(self, problems: list[str]) -> list[str]:
        return explain(problems, self.origins)

    def all_problems(self, import_problems: Sequence[str] = ()) -> list[str]:
        """The rows' problems and backup_import's, by row; a cell the file got wrong is
        named once, not again as "required" because the document had to leave it out."""
        named = {problem.split(": ", 1)[0] for problem in self.problems}
        more = [p for p in self.explain(list(import_problems)) if p.split(": ", 1)[0] not in named]
        return sorted([*self.problems, *more], key=_row_number)


def _row_number(problem: str) -> int:
    match = re.match(r"row (\d+)", problem)
    return int(match[1]) if match else 0


def csv_to_document(
    text: str,
    *,
    known_clients: Mapping[str, Mapping[str, Any]] | None = None,
    defaults: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The backup document for the CSV `text`; raises BackupInvalid naming rows and columns."""
    parsed = csv_read(text, known_clients=known_clients, defaults=defaults, today=today)
    if parsed.problems:
        raise BackupInvalid(parsed.problems)
    return parsed.document


def csv_read(
    text: str,
    *,
    known_clients: Mapping[str, Mapping[str, Any]] | None = None,
    defaults: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> CsvDocument:
    """Read the CSV `text` (header row first, comma or semicolon separated).

    Raises BackupInvalid when the file cannot be read as rows at all (no header, unknown
    or missing columns, broken quoting); a problem in a row is kept in `problems`.

    `known_clients` holds, by ref, the document values of clients already stored: a client
    column left empty keeps what is stored rather than resetting it to a default. A new
    client gets the missing values from `defaults` (DEFAULTS, then started_on: its first
    invoice's date, or `today`).
    """
    reader = _Reader(known_clients or {}, {**DEFAULTS, **(defaults or {})}, today or date.today())
    return reader.read(text.removeprefix("\ufeff"))


def explain(problems: list[str], origins: Mapping[str, int]) -> list[str]:
    """backup_import's problems, named by CSV row and column where the path allows it."""
    columns = {
        "client": {key: column for column, key in CLIENT_COLUMNS.items()},
        "invoice": {key: column for column, key in INVOICE_COLUMNS.items()},
        "payment": {key: column for column, key in PAYMENT_COLUMNS.items()},
    }
    explained = []
    for problem in problems:
        match = _PATH.fullmatch(problem)
        if match is None or match["path"] not in origins:
            explained.append(problem)
            continue
        path, key = match["path"], match["key"]
        level = (
            "payment" if ".payments[" in path else "invoice" if ".invoices[" in path else "client"
        )
        row = origins.get(f"{path}.{key}", origins[path])
        if key is None:
            explained.append(f"row {row}: {match['message']}")
        else:
            column = columns[level].get(key, key)
            explained.append(f"row {row}, {column}: {match['message']}")
    return explained


def _delimiter(header_line: str) -> str:
    # Decided from the header alone: column names never contain either character, while
    # data rows do (decimal commas in semicolon files), which misleads csv.Sniffer.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _show(value: str) -> str:
    # Cut short like backup's: a problem quoting a 5,000-digit cell whole helps nobody.
    return json.dumps(value if len(value) <= 40 else value[:40] + "...", ensure_ascii=False)


def _column_name(cell: str) -> str:
    return cell.strip().lower().replace(" ", "_").replace("-", "_")


class _Reader:
    def __init__(
        self, known: Mapping[str, Mapping[str, Any]], defaults: Mapping[str, Any], today: date
    ) -> None:
        self.known = known
        self.defaults = defaults
        self.today = today
        self.problems: list[str] = []
        self.clients: dict[str, dict[str, Any]] = {}  # by ref, in order of first appearance
        self.client_rows: dict[str, int] = {}
        self.value_rows: dict[tuple[str, str], int] = {}  # (ref, key) -> row that set it
        self.invoices: dict[str, tuple[str, dict[str, Any], int]] = {}  # number -> ref, row
        self.origins: dict[str, int] = {}

    def problem(self, row: int, column: str | None, message: str) -> None:
        where = f"row {row}" if column is None else f"row {row}, {column}"
        self.problems.append(f"{where}: {message}")

    def read(self, text: str) -> CsvDocument:
        header_line = text.split("\n", 1)[0]
        if not header_line.strip():
            raise BackupInvalid(["row 1: the file is empty; it needs a header row of columns"])
        rows = csv.reader(text.splitlines(keepends=True), delimiter=_delimiter(header_line))
        try:
            header = [_column_name(cell) for cell in next(rows)]
            positions = self.header(header)
            if self.problems:
                raise BackupInvalid(self.problems)
            columns = [column for column in COLUMNS if column in positions]
            preview: list[tuple[int, list[str]]] = []
            count = 0
            for number, cells in enumerate(rows, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                count += 1
                if len(cells) > len(header):
                    self.problem(
                        number,
                        None,
                        f"{len(cells)} values but the header has {len(header)} columns",
                    )
                    continue
                values = {
                    column: cells[i].strip() if i < len(cells) else ""
                    for column, i in positions.items()
                }
                if len(preview) < PREVIEW_ROWS:
                    preview.append((number, [values[column] for column in columns]))
                self.row(number, values)
        except csv.Error as error:
            raise BackupInvalid([f"row {rows.line_num}: not valid CSV ({error})"]) from error
        if count == 0:
            raise BackupInvalid(["row 2: no rows under the header"])
        document = self.document()
        return CsvDocument(document, columns, preview, count, self.origins, self.problems)

    def header(self, header: list[str]) -> dict[str, int]:
        positions: dict[str, int] = {}
        for i, name in enumerate(header):
            if name not in COLUMNS:
                close = difflib.get_close_matches(name, COLUMNS, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                self.problem(1, name or f"column {i + 1}", "unknown column" + hint)
            elif name in positions:
                self.problem(1, name, "appears twice")
            else:
                positions[name] = i
        # Checked once here rather than on every row: a missing column is one mistake.
        needed = ["client_ref"]
        if "invoice_number" in positions:
            needed += ["issued_on", "due_on", "amount"]
        if positions.keys() & PAYMENT_COLUMNS.keys():
            needed += ["invoice_number", "paid_on"]
        for name in needed:
            if name not in positions:
                self.problem(1, name, "missing column")
        return positions

    def row(self, row: int, values: Mapping[str, str]) -> None:
        ref = values["client_ref"]
        if not ref:
            self.problem(row, "client_ref", "required")
            return
        client = self.clients.setdefault(ref, {"ref": ref})
        self.client_rows.setdefault(ref, row)
        for column, key in CLIENT_COLUMNS.items():
            raw = values.get(column, "")
            if column == "client_ref" or not raw:
                continue
            value = self.convert(row, column, raw)
            if value is None:
                continue
            if key in client and client[key] != value:
                first = self.value_rows[(ref, key)]
                self.problem(
                    row, column, f"{_show(raw)} differs from row {first} for client {_show(ref)}"
                )
                continue
            client[key] = value
            self.value_rows.setdefault((ref, key), row)
        invoice = self.invoice(row, ref, values)
        if invoice is not None:
            self.payment(row, invoice, values)

    def invoice(self, row: int, ref: str, values: Mapping[str, str]) -> dict[str, Any] | None:
        number = values.get("invoice_number", "")
        given = {c: values.get(c, "") for c in INVOICE_COLUMNS if c != "invoice_number"}
        if not number:
            if any(given.values()):
                self.problem(row, "invoice_number", "required for an invoice")
            return None
        if number in self.invoices:
            owner_ref, invoice, first = self.invoices[number]
            if owner_ref != ref:
                self.problem(
                    row,
                    "invoice_number",
                    f"{_show(number)} belongs to client {_show(owner_ref)} on row {first}",
                )
                return None
            # A later row of the same invoice (for another payment) may repeat its columns.
            for column, raw in given.items():
                if raw:
                    key = INVOICE_COLUMNS[column]
                    value = self.convert(row, column, raw)
                    if value is not None and key in invoice and invoice[key] != value:
                        self.problem(row, column, f"{_show(raw)} differs from row {first}")
            return invoice
        invoice = {"number": number, "payments": []}
        for column, raw in given.items():
            if not raw:
                self.problem(row, column, "required for a new invoice")
                continue
            value = self.convert(row, column, raw)
            if value is not None:
                invoice[INVOICE_COLUMNS[column]] = value
        self.clients[ref].setdefault("invoices", []).append(invoice)
        self.invoices[number] = (ref, invoice, row)
        return invoice

    def payment(self, row: int, invoice: dict[str, Any], values: Mapping[str, str]) -> None:
        paid_on, paid_amount = values.get("paid_on", ""), values.get("paid_amount", "")
        if not (paid_on or paid_amount):
            return
        if not paid_on:
            self.problem(row, "paid_on", "required when paid_amount is given")
            return
        day = self.convert(row, "paid_on", paid_on)
        # No amount: the invoice was paid in full, the common case in a spreadsheet.
        amount = self.convert(row, "paid_amount", paid_amount) if paid_amount else None
        if amount is None and not paid_amount:
            amount = invoice.get("amount")
        if day is not None and amount is not None:
            invoice["payments"].append({"paid_on": day, "amount": amount, "_row": row})

    def convert(self, row: int, column: str, raw: str) -> Any:
        """The cell as the document writes it, or None after reporting the problem."""
        if column in ("issued_on", "due_on", "paid_on", "started_on"):
            if _DATE.fullmatch(raw):
                try:
                    date.fromisoformat(raw)
                    return raw
                except ValueError:
                    pass
            self.problem(row, column, f"not a date (use YYYY-MM-DD): {_show(raw)}")
        elif column in ("amount", "paid_amount", "rate"):
            whole = len(re.split(r"[.,]", raw.lstrip("-"))[0].lstrip("0"))
            if _MONEY.fullmatch(raw) and whole > MONEY_WHOLE_DIGITS:
                self.problem(
                    row,
                    column,
                    f"too large: {_show(raw)}; at most {MONEY_WHOLE_DIGITS} digits before "
                    "the decimal point",
                )
            elif _MONEY.fullmatch(raw):
                # Written with cents, so "1200" and "1200,00" on two rows are the same amount.
                return str(Decimal(raw.replace(",", ".")).quantize(CENTS))
            else:
                self.problem(
                    row,
                    column,
                    f"not an amount: {_show(raw)}; write it like 1200.50, without thousands "
                    "separators",
                )
        elif column == "payment_terms_days":
            if _WHOLE.fullmatch(raw) and len(raw) > MAX_NUMBER_CHARS:
                self.problem(row, column, f"too many digits ({len(raw)})")
            elif _WHOLE.fullmatch(raw):
                # Its range is the model field's, checked by backup_import.
                return int(raw)
            self.problem(row, column, f"not a whole number of days: {_show(raw)}")
        elif column == "currency":
            return raw.upper()
        elif column in ("language", "billing"):
            return raw.lower()
        else:
            return raw
        return None

    def document(self) -> dict[str, Any]:
        clients = []
        for i, (ref, client) in enumerate(self.clients.items()):
            path = f"clients[{i}]"
            self.origins[path] = self.client_rows[ref]
            for key in list(client):
                if (ref, key) in self.value_rows:
                    self.origins[f"{path}.{key}"] = self.value_rows[(ref, key)]
            self.complete(ref, client)
            for j, invoice in enumerate(client.get("invoices", [])):
                ipath = f"{path}.invoices[{j}]"
                self.origins[ipath] = self.invoices[invoice["number"]][2]
                for k, payment in enumerate(invoice["payments"]):
                    self.origins[f"{ipath}.payments[{k}]"] = payment.pop("_row")
            clients.append(client)
        return {"version": FORMAT_VERSION, "clients": clients}

    def complete(self, ref: str, client: dict[str, Any]) -> None:
        """Fill the client's required values the file left out."""
        stored = self.known.get(ref)
        row = self.client_rows[ref]
        for key in CLIENT_REQUIRED:
            if key in client:
                continue
            if stored is not None and key in stored:
                client[key] = stored[key]
            elif key == "started_on":
                issued = [
                    inv["issued_on"] for inv in client.get("invoices", ()) if "issued_on" in inv
                ]
                client[key] = min(issued, default=self.today.isoformat())
            elif key in self.defaults:
                client[key] = self.defaults[key]
            else:
                column = next(c for c, k in CLIENT_COLUMNS.items() if k == key)
                self.problem(row, column, f"required for the new client {_show(ref)}")
