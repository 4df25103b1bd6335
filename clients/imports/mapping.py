"""From a read file to a backup document: the file's client names matched to the
freelancer's clients, the questions the file leaves open answered, and every row placed.

Pure: the stored clients and the freelancer's defaults come in as arguments. The document
goes through `backup_import` like any other, which checks it whole, writes it in one
transaction and matches what is already stored (invoices by number, work logs by date,
hours, description and billable), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext_noop

from clients.backup import FORMAT_VERSION
from clients.imports import text
from clients.imports.formats import InvoiceRecord, WorkRecord
from clients.imports.reading import Source

NEW, SKIP = "+new", "+skip"
PAID_ON_DUE, PAID_ON_ISSUED, PAID_ON_NONE = "due", "issued", "none"
# Why a row is left out, by the key `Built.skipped` gives; the pages show them translated.
REASONS = {
    "short": gettext_noop("shorter than a minute"),
    "draft": gettext_noop("a draft in %(tool)s, never sent"),
    "void": gettext_noop("cancelled in %(tool)s"),
    "credit": gettext_noop("an amount of zero or less (a credit note)"),
    "client": gettext_noop('client "%(name)s" skipped, as you chose'),
    "payment": gettext_noop("its payment left out: no payment date, as you chose"),
}


def why(reason: str, params: Mapping[str, str], translate=lambda message: message) -> str:
    """A left-out row's reason in words (`translate`: gettext, for a page)."""
    return translate(REASONS[reason]) % params


@dataclass
class Match:
    ref: str | None  # the stored client's ref, or None: no client by that name
    how: str  # "exact", "loose" (ignoring case and punctuation) or ""


def match_names(names: list[str], clients: Mapping[str, str]) -> dict[str, Match]:
    """Each file name's client among `clients` (ref -> name): the same name, else the same
    name ignoring case, punctuation and spacing, else none. A loose name shared by two
    clients matches neither: the freelancer chooses."""
    exact: dict[str, str] = {}
    loose: dict[str, list[str]] = {}
    for ref, name in clients.items():
        exact.setdefault(name.strip(), ref)
        loose.setdefault(text.loose(name), []).append(ref)
    matches = {}
    for name in names:
        if name.strip() in exact:
            matches[name] = Match(exact[name.strip()], "exact")
        elif len(loose.get(text.loose(name), [])) == 1:
            matches[name] = Match(loose[text.loose(name)][0], "loose")
        else:
            matches[name] = Match(None, "")
    return matches


@dataclass
class Choices:
    """What the freelancer decided in the preview (or on the command line)."""

    clients: dict[str, str]  # file name -> a stored client's ref, NEW or SKIP
    emails: dict[str, str] = field(default_factory=dict)  # file name -> a new client's email
    date_order: str = ""  # text.DMY or text.MDY when the file's dates could be either
    currency: str = ""  # for invoices the file gives none
    due_days: int | None = None  # days after issue for invoices without a due date;
    # None: each client's own payment terms
    paid_on: str = PAID_ON_DUE  # when a paid invoice without a payment date was paid


def default_choices(source: Source, clients: Mapping[str, str], currency: str) -> Choices:
    """The preview's first answers: each name's match, or a new client; the file's only
    date order; the freelancer's currency; each client's payment terms."""
    matches = match_names(source.names(), clients)
    emails = {}
    for record in source.invoices:
        if record.email:
            emails.setdefault(record.client, record.email)
    return Choices(
        clients={name: m.ref or NEW for name, m in matches.items()},
        emails=emails,
        date_order=source.date_orders[0] if len(source.date_orders) == 1 else "",
        currency=currency,
    )


@dataclass
class Built:
    document: dict[str, Any]
    # Document path -> the file's row, as the CSV import keeps them (`csv_import.explain`).
    origins: dict[str, int]
    # (row, reason, its params) for each row the import leaves out; see `why`.
    skipped: list[tuple[int, str, dict[str, str]]]
    new_refs: dict[str, str]  # file name -> the ref given to its new client
    problems: list[str]  # open questions: nothing can be built until they are answered


def questions(source: Source, choices: Choices) -> list[str]:
    """What still needs an answer before the file can be imported."""
    problems = []
    if len(source.date_orders) > 1 and choices.date_order not in source.date_orders:
        problems.append("the dates could be day first or month first: choose which")
    for name in source.names():
        choice = choices.clients.get(name, "")
        if not choice:
            problems.append(f"{text.show(name)}: choose a client, a new client or skip")
        elif choice == NEW and not choices.emails.get(name, "").strip():
            problems.append(f"{text.show(name)}: a new client needs an email address")
    if "currency" in source.lacks() and not choices.currency:
        problems.append("some invoices give no currency: choose one")
    return problems


def build(
    source: Source,
    choices: Choices,
    *,
    known: Mapping[str, Mapping[str, Any]],
    defaults: Mapping[str, Any],
    today: date,
    paid: Mapping[str, Decimal] | None = None,
) -> Built:
    """The backup document for `source` as `choices` place it.

    `known` holds, by ref, the document values of the freelancer's stored clients (the
    values the file does not touch); `defaults` a new client's language, payment terms and
    currency; `paid`, by invoice number, what is recorded as paid on stored invoices: a file
    exported again after another payment adds only the difference.
    """
    paid = paid or {}
    problems = questions(source, choices)
    built = Built({"version": FORMAT_VERSION, "clients": []}, {}, [], {}, problems)
    if problems:
        # What is left out whatever the answers: the preview shows it meanwhile.
        built.skipped = sorted(
            (
                (r.row, r.skip or "client", {"tool": source.label, "name": r.client})
                for r in source.records
                if r.skip or choices.clients.get(r.client) == SKIP
            ),
            key=lambda item: item[0],
        )
        return built
    order = choices.date_order or (source.date_orders or [text.YMD])[0]
    clients: dict[str, dict[str, Any]] = {}  # ref -> document client
    first_rows: dict[str, int] = {}
    used_refs = set(known)
    for name in source.names():
        choice = choices.clients[name]
        if choice in (NEW, SKIP):
            continue
        clients.setdefault(choice, {"ref": choice, **known[choice]})
    for name in source.names():
        if choices.clients[name] == NEW:
            ref = _new_ref(name, used_refs)
            used_refs.add(ref)
            built.new_refs[name] = ref
            clients[ref] = {
                "ref": ref,
                "name": name[:120],
                "email": choices.emails[name].strip(),
                "language": defaults["language"],
                "currency": _client_currency(source, name, choices),
                "billing": "hourly",
                "rate": "0.00",
                "payment_terms_days": defaults["payment_terms_days"],
                "started_on": None,  # the first date in the file, below
            }

    def client_for(record: WorkRecord | InvoiceRecord) -> dict[str, Any] | None:
        choice = choices.clients.get(record.client, SKIP)
        if choice == SKIP:
            built.skipped.append((record.row, "client", {"name": record.client}))
            return None
        client = clients[built.new_refs.get(record.client, choice)]
        first_rows.setdefault(client["ref"], record.row)
        return client

    for record in source.work:
        if record.skip:
            built.skipped.append((record.row, record.skip, {"tool": source.label}))
            continue
        client = client_for(record)
        if client is None:
            continue
        day = text.to_date(record.day, order)
        logs = client.setdefault("work_logs", [])
        built.origins[f"@{client['ref']}.work_logs[{len(logs)}]"] = record.row
        logs.append(
            {
                "date": day.isoformat(),
                "hours": str(record.hours),
                "description": record.description,
                "billable": record.billable,
            }
        )
        _started(client, day, built.new_refs)
    for record in source.invoices:
        if record.skip:
            built.skipped.append((record.row, record.skip, {"tool": source.label}))
            continue
        client = client_for(record)
        if client is None:
            continue
        issued = text.to_date(record.issued, order)
        if record.due:
            due = text.to_date(record.due, order)
        else:
            days = choices.due_days
            due = issued + timedelta(days=client["payment_terms_days"] if days is None else days)
        invoice: dict[str, Any] = {
            "number": record.number,
            "issued_on": issued.isoformat(),
            "due_on": due.isoformat(),
            "amount": str(record.amount),
            "currency": record.currency or choices.currency,
            "payments": [],
        }
        # The file says what was paid in all; what is recorded already stays as it is.
        unpaid = record.paid - paid.get(record.number, Decimal("0"))
        paid_on = _paid_on(record, issued, due, choices, order, today)
        if unpaid > 0 and paid_on is not None:
            invoice["payments"].append({"paid_on": paid_on.isoformat(), "amount": str(unpaid)})
        elif unpaid > 0:
            built.skipped.append((record.row, "payment", {}))
        invoices = client.setdefault("invoices", [])
        path = f"@{client['ref']}.invoices[{len(invoices)}]"
        built.origins[path] = record.row
        if invoice["payments"]:
            built.origins[f"{path}.payments[0]"] = record.row
        invoices.append(invoice)
        _started(client, issued, built.new_refs)
    for ref, client in clients.items():
        if client["started_on"] is None:
            client["started_on"] = today.isoformat()
        if ref in first_rows:
            built.document["clients"].append(client)
    # Paths by position in the document, as backup_import names its problems.
    positions = {c["ref"]: i for i, c in enumerate(built.document["clients"])}
    for ref, i in positions.items():
        built.origins[f"clients[{i}]"] = first_rows[ref]
    built.origins = {
        _placed(path, positions): row
        for path, row in built.origins.items()
        if not path.startswith("@") or path[1:].split(".", 1)[0] in positions
    }
    built.skipped.sort(key=lambda item: item[0])
    return built


def _placed(path: str, positions: Mapping[str, int]) -> str:
    if not path.startswith("@"):
        return path
    ref, rest = path[1:].split(".", 1)
    return f"clients[{positions[ref]}].{rest}"


def _started(client: dict[str, Any], day: date, new_refs: Mapping[str, str]) -> None:
    # A new client started with its first work or invoice; a stored one keeps its date.
    if client["ref"] in new_refs.values():
        current = client["started_on"]
        if current is None or day.isoformat() < current:
            client["started_on"] = day.isoformat()


def _paid_on(
    record: InvoiceRecord,
    issued: date,
    due: date,
    choices: Choices,
    order: str,
    today: date,
) -> date | None:
    if record.paid_on:
        return text.to_date(record.paid_on, order)
    if choices.paid_on == PAID_ON_NONE:
        return None
    day = due if choices.paid_on == PAID_ON_DUE else issued
    # Paid already, so not after today even when the due date is still to come.
    return min(day, today)


def _client_currency(source: Source, name: str, choices: Choices) -> str:
    """A new client's currency: its invoices' own when they give one, else the chosen one."""
    for record in source.invoices:
        if record.client == name and record.currency and not record.skip:
            return record.currency
    return choices.currency


def _new_ref(name: str, used: set[str]) -> str:
    base = slugify(name)[:34] or "client"
    ref, n = base, 2
    while ref in used:
        ref, n = f"{base}-{n}", n + 1
    return ref


_PROBLEM = re.compile(
    r"(?P<path>clients\[\d+\](?:\.(?:invoices|work_logs)\[\d+\])?(?:\.payments\[\d+\])?)"
    r"(?:\.(?P<key>\w+))?: (?P<message>.*)",
    re.DOTALL,
)


def explain(problems: list[str], origins: Mapping[str, int]) -> list[str]:
    """backup_import's problems, named by the file's row where the path allows it."""
    explained = []
    for problem in problems:
        match = _PROBLEM.fullmatch(problem)
        if match is None or match["path"] not in origins:
            explained.append(problem)
            continue
        key = f" ({match['key']})" if match["key"] else ""
        explained.append(f"row {origins[match['path']]}{key}: {match['message']}")
    return explained
