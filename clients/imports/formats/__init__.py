"""One module per tool: the header names it writes and how one row becomes a plain record.

A tool is recognised when the header holds a column for each of its `required` fields (in
any of the spellings listed, compared ignoring case and spacing). `read` gets a `Row` and
returns a WorkRecord, an InvoiceRecord or None (a row with nothing to import), after
naming each bad cell with `row.problem`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from clients.imports import text


@dataclass
class WorkRecord:
    row: int
    client: str
    day: str  # as written; read with the file's date order once known
    hours: Decimal
    description: str
    billable: bool
    skip: str = ""  # why the row is left out, if it is: a key of mapping.REASONS


@dataclass
class InvoiceRecord:
    row: int
    client: str
    number: str
    issued: str  # as written, like `day`
    amount: Decimal
    due: str = ""
    currency: str = ""
    paid: Decimal = Decimal("0")  # paid so far
    paid_on: str = ""
    email: str = ""
    paid_in_full: bool = False  # the tool says "paid" without an amount
    skip: str = ""
    rows: list[int] = field(default_factory=list)  # every row of a line-item invoice


Record = WorkRecord | InvoiceRecord


class Row:
    """One data row's cells by field, with readers that name a bad cell by its column."""

    def __init__(self, number: int, cells: Mapping[str, str], columns: Mapping[str, str]):
        self.number = number
        self.cells = cells
        self.columns = columns  # field -> the file's own column name
        self.problems: list[str] = []
        self.dates: dict[str, str] = {}  # field -> cell, checked for the file's order later

    def has(self, name: str) -> bool:
        return name in self.columns

    def text(self, name: str) -> str:
        return self.cells.get(name, "").strip()

    def problem(self, name: str, message: str) -> None:
        self.problems.append(f"row {self.number}, {self.columns.get(name, name)}: {message}")

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.problem(name, "required")
        return value

    def _read(self, name: str, read: Callable[[str], object], default: object) -> object:
        value = self.text(name)
        if not value:
            return default
        try:
            return read(value)
        except text.CellError as error:
            self.problem(name, str(error))
            return default

    def money(self, name: str, default: Decimal | None = None) -> Decimal | None:
        return self._read(name, text.money, default)  # type: ignore[return-value]

    def hours(self, name: str) -> Decimal | None:
        if not self.text(name):
            self.problem(name, "required")
            return None
        return self._read(name, text.hours, None)  # type: ignore[return-value]

    def yes_no(self, name: str, default: bool = True) -> bool:
        return self._read(name, text.yes_no, default)  # type: ignore[return-value]

    def date(self, name: str, *, required: bool = True) -> str:
        value = self.text(name)
        if not value:
            if required:
                self.problem(name, "required")
            return ""
        if not text.date_orders(value):
            self.problem(name, f"not a date: {text.show(value)}")
            return ""
        self.dates[name] = value
        return value


@dataclass(frozen=True)
class Tool:
    key: str  # for --format and stored previews
    label: str  # the product's own name
    kind: Literal["time", "invoices"]
    columns: Mapping[str, tuple[str, ...]]  # field -> the header names the tool writes
    required: tuple[str, ...]
    read: Callable[[Row], Record | None]
    # One row per line item: rows with the same invoice number are one invoice, and their
    # `amount`s (line totals) add up.
    line_items: bool = False


def description(*parts: str) -> str:
    """A work log's description from the entry's project, task and notes, whichever exist."""
    seen: list[str] = []
    for part in parts:
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return " - ".join(seen)


# Statuses of invoices never sent or taken back, in the languages tools write them in:
# they say nothing about how a client pays.
DRAFT = frozenset({"draft", "entwurf", "brouillon", "borrador", "concept", "rascunho"})
VOID = frozenset(
    {
        "cancelled",
        "canceled",
        "void",
        "voided",
        "reversed",
        "storniert",
        "annulée",
        "annulé",
        "annulee",
        "cancelada",
        "anulada",
        "geannuleerd",
    }
)
PAID = frozenset({"paid", "bezahlt", "payée", "payé", "pagada", "betaald"})


def invoice(row: Row, label: str) -> InvoiceRecord | None:
    """The invoice fields most tools share: number, issued, due, amount, currency, status,
    and what was paid as `paid`, `balance` (paid = amount - balance) or `paid_on` alone."""
    number = row.required("number")
    issued = row.date("issued")
    due = row.date("due", required=False) if row.has("due") else ""
    paid_on = row.date("paid_on", required=False) if row.has("paid_on") else ""
    amount = row.money("amount") if row.text("amount") else None
    if amount is None and not row.text("amount"):
        row.problem("amount", "required")
    balance = row.money("balance") if row.has("balance") else None
    paid = row.money("paid") if row.has("paid") else None
    status = text.loose(row.text("status"))
    if row.problems or amount is None:
        return None
    record = InvoiceRecord(
        row=row.number,
        client=row.text("client"),
        number=number,
        issued=issued,
        amount=amount,
        due=due,
        currency=row.text("currency").upper(),
        paid_on=paid_on,
        email=row.text("email"),
        rows=[row.number],
    )
    if paid is not None:
        record.paid = paid
    elif balance is not None:
        record.paid = amount - balance
    record.paid_in_full = status in PAID or (bool(paid_on) and paid is None and balance is None)
    if status in DRAFT:
        record.skip = "draft"
    elif status in VOID:
        record.skip = "void"
    return record
