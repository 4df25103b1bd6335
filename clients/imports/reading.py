"""A file from another tool read into plain records: which tool, and every problem by row
and column. Pure: no database."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from clients.imports import text
from clients.imports.formats import (
    InvoiceRecord,
    Row,
    Tool,
    WorkRecord,
    clockify,
    freshbooks,
    harvest,
    invoice2go,
    invoicely,
    invoiceninja,
    kimai,
    toggl,
    wave,
    zoho,
)

TOOLS: dict[str, Tool] = {
    tool.key: tool
    for tool in (
        toggl.TOOL,
        clockify.TOOL,
        harvest.TOOL,
        kimai.TOOL,
        invoiceninja.TOOL,
        freshbooks.TOOL,
        zoho.TOOL,
        wave.TOOL,
        invoice2go.TOOL,
        invoicely.TOOL,
    )
}
# Shorter than this rounds to 0.00 hours, which no work log holds.
MIN_HOURS = Decimal("0.01")
MAX_HOURS = Decimal("24")


class FileInvalid(Exception):
    """The file cannot be imported; `problems` names each one by row and column."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Source:
    """What a file holds, ready for a preview; JSON-safe through `as_json`/`from_json`."""

    tool: str
    filename: str
    rows: int
    work: list[WorkRecord] = field(default_factory=list)
    invoices: list[InvoiceRecord] = field(default_factory=list)
    # The date orders every date in the file reads as: one, or "dmy" and "mdy" to ask.
    date_orders: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the file's column

    @property
    def label(self) -> str:
        return TOOLS[self.tool].label

    @property
    def records(self) -> list[WorkRecord | InvoiceRecord]:
        return [*self.work, *self.invoices]

    def names(self) -> list[str]:
        """The file's client names, most rows first."""
        counts = Counter(r.client for r in self.records if not r.skip)
        return [name for name, _count in counts.most_common()]

    def lacks(self) -> set[str]:
        """What some invoice in the file does not say: "due", "currency", "paid_on"."""
        kept = [r for r in self.invoices if not r.skip]
        missing = set()
        if any(not r.due for r in kept):
            missing.add("due")
        if any(not r.currency for r in kept):
            missing.add("currency")
        if any((r.paid > 0 or r.paid_in_full) and not r.paid_on for r in kept):
            missing.add("paid_on")
        return missing

    def as_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Source:
        work = [WorkRecord(**{**r, "hours": Decimal(r["hours"])}) for r in data["work"]]
        invoices = [
            InvoiceRecord(**{**r, "amount": Decimal(r["amount"]), "paid": Decimal(r["paid"])})
            for r in data["invoices"]
        ]
        return cls(
            tool=data["tool"],
            filename=data["filename"],
            rows=data["rows"],
            work=work,
            invoices=invoices,
            date_orders=data["date_orders"],
            columns=data["columns"],
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def detect(header: list[str]) -> tuple[Tool, dict[str, int]] | None:
    """The tool whose columns the header has (the one matching most of them), and the
    position of each of its fields; None when no tool's required columns are all there."""
    positions = {_key(cell): i for i, cell in reversed(list(enumerate(header)))}
    best: tuple[int, Tool, dict[str, int]] | None = None
    for tool in TOOLS.values():
        found: dict[str, int] = {}
        for name, spellings in tool.columns.items():
            for spelling in spellings:
                if _key(spelling) in positions:
                    found[name] = positions[_key(spelling)]
                    break
        recognised = all(name in found for name in tool.required)
        if recognised and (best is None or len(found) > best[0]):
            best = (len(found), tool, found)
    return None if best is None else (best[1], best[2])


def read_file(raw: bytes, *, filename: str = "", tool: str | None = None) -> Source:
    """Read an export file; raises FileInvalid listing every problem, by row and column.

    `tool` (a key of TOOLS) insists on one tool; by default it is recognised from the header.
    """
    try:
        header, body = text.rows(text.decode(raw))
    except text.CellError as error:
        message = str(error)
        raise FileInvalid(
            [message if message.startswith("row ") else f"row 1: {message}"]
        ) from None
    found = detect(header)
    if tool is not None:
        if tool not in TOOLS:
            raise FileInvalid([f"unknown format {tool!r}; use one of: {', '.join(TOOLS)}"])
        if found is None or found[0].key != tool:
            wanted = TOOLS[tool]
            missing = [
                wanted.columns[name][0]
                for name in wanted.required
                if not any(_key(s) in {_key(c) for c in header} for s in wanted.columns[name])
            ]
            raise FileInvalid(
                [f"row 1: not a {wanted.label} export; missing columns: {', '.join(missing)}"]
            )
    if found is None:
        raise FileInvalid(
            [
                "row 1: the columns are not those of any tool this import knows "
                f"({', '.join(t.label for t in TOOLS.values())})"
            ]
        )
    found_tool, positions = found
    columns = {name: header[i] for name, i in positions.items()}
    if not body:
        raise FileInvalid(["row 2: no rows under the header"])
    problems: list[str] = []
    records = []
    dates: list[tuple[int, str, str]] = []  # (row, field, cell)
    for number, cells in body:
        if len(cells) > len(header):
            problems.append(f"row {number}: {len(cells)} values but the header has {len(header)}")
            continue
        values = {name: cells[i] if i < len(cells) else "" for name, i in positions.items()}
        for name, value in values.items():
            if text.unstorable(value):
                problems.append(f"row {number}, {columns[name]}: {text.unstorable(value)}")
        row = Row(number, values, columns)
        record = found_tool.read(row)
        problems.extend(row.problems)
        if row.problems or record is None:
            continue
        if not record.client:
            problems.append(f"row {number}, {columns['client']}: required")
            continue
        if isinstance(record, WorkRecord):
            if record.hours > MAX_HOURS:
                duration = columns.get("duration", columns.get("hours", ""))
                problems.append(
                    f"row {number}, {duration}: {record.hours} hours in one entry, "
                    f"more than a day's {MAX_HOURS}"
                )
                continue
            if record.hours < MIN_HOURS:
                record.skip = "short"
            record.description = record.description[:500]
        dates.extend((number, name, cell) for name, cell in row.dates.items())
        records.append(record)
    orders = _date_orders(dates, columns, problems)
    invoices = _invoices(records, found_tool, columns, problems)
    if problems:
        raise FileInvalid(sorted(problems, key=_row_number))
    return Source(
        tool=found_tool.key,
        filename=filename,
        rows=len(body),
        work=[r for r in records if isinstance(r, WorkRecord)],
        invoices=invoices,
        date_orders=orders,
        columns=columns,
    )


def _row_number(problem: str) -> int:
    head = problem.split(":", 1)[0].split(",", 1)[0]
    return int(head[4:]) if head.startswith("row ") and head[4:].isdigit() else 0


def _date_orders(
    dates: list[tuple[int, str, str]], columns: dict[str, str], problems: list[str]
) -> list[str]:
    """The orders all the file's dates read in. A file mixing 31/01 and 01/31 has none:
    the rows that disagree with the others are named."""
    fits = {text.DMY: 0, text.MDY: 0}
    only: dict[str, list[tuple[int, str, str]]] = {text.DMY: [], text.MDY: []}
    for row, name, cell in dates:
        orders = text.date_orders(cell)
        if orders == {text.YMD}:
            continue
        for order in (text.DMY, text.MDY):
            if order in orders:
                fits[order] += 1
            if orders == {order}:
                only[order].append((row, name, cell))
    if only[text.DMY] and only[text.MDY]:
        minority = min((text.DMY, text.MDY), key=lambda o: len(only[o]))
        first = only[text.MDY if minority == text.DMY else text.DMY][0]
        for row, name, cell in only[minority]:
            problems.append(
                f"row {row}, {columns[name]}: {text.show(cell)} cannot be in the same date "
                f"format as row {first[0]}'s {text.show(first[2])}"
            )
        return []
    if only[text.DMY]:
        return [text.DMY]
    if only[text.MDY]:
        return [text.MDY]
    if fits[text.DMY]:
        return [text.DMY, text.MDY]  # every date could be either: ask
    return [text.YMD]


def _invoices(
    records: list[Any], tool: Tool, columns: dict[str, str], problems: list[str]
) -> list[InvoiceRecord]:
    """Invoices by number: a line-item tool's rows added up, any other number twice refused."""
    by_number: dict[str, InvoiceRecord] = {}
    for record in records:
        if not isinstance(record, InvoiceRecord):
            continue
        first = by_number.get(record.number)
        if first is None:
            by_number[record.number] = record
            continue
        where = f"row {record.row}, {columns['number']}: {text.show(record.number)}"
        if not tool.line_items:
            problems.append(f"{where} appears twice (also row {first.row})")
            continue
        if record.client != first.client:
            problems.append(f"{where} is for {text.show(first.client)} on row {first.row}")
            continue
        first.amount += record.amount
        first.rows.append(record.row)
    for record in by_number.values():
        if record.paid_in_full:
            record.paid = record.amount
        if record.paid > record.amount:
            problems.append(
                f"row {record.row}: paid {record.paid}, more than the invoice's {record.amount}"
            )
        if record.amount <= 0 and not record.skip:
            record.skip = "credit"
    return list(by_number.values())
