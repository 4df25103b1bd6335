"""Which open invoices an incoming credit pays: plain functions over plain data.

Each credit gets suggestions, best first. A suggestion is an allocation (which invoices,
how much each) with the reasons for it: the amount equals what is still owed, the
invoice's number is in the payer's reference, the client's name is in the reference or
is the payer's. Only invoices issued on or before the credit's date and in its currency
are candidates. A suggestion never gives an invoice more than it still owes, nor more
than the credit in all.

Credits are matched in date order against what is still owed after the credits before
them, so two transfers for one invoice each take their part, and the second one's
amount then equals what is left.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import combinations

from invoices.bank.credits import Credit

# How much each reason counts; a suggestion scoring CONFIDENT or more is proposed
# (pre-filled in the preview, applied by the command line without asking).
WEIGHTS = {
    "number": 50,  # the invoice's number in the reference: the payer meant this invoice
    "amount": 40,  # exactly what is still owed (for a combined payment: the sum)
    "name": 20,  # the client's name in the reference or as the payer
}
# The invoice's number alone (the payer named it), or the client's name and the exact
# amount; never the amount alone, which many invoices may share.
CONFIDENT = 50
MAX_SUGGESTIONS = 5
# Invoices of one client a combined payment may cover, tried as pairs and threes.
MAX_COMBINED = 3
# Words that say what kind of company it is, not which one: "Acme Studio BV" is found
# in a reference that says "ACME STUDIO".
LEGAL_FORMS = frozenset(
    {
        *("bv", "nv", "vof", "cv", "gmbh", "ag", "kg", "ug", "ltd", "limited", "llc", "inc"),
        *("co", "corp", "plc", "oy", "oyj", "ab", "as", "sa", "sarl", "srl", "sdn", "bhd"),
        *("pt", "tbk"),
    }
)


@dataclass(frozen=True)
class OpenInvoice:
    pk: int
    number: str
    client_pk: int
    client_name: str
    currency: str
    issued_on: date
    outstanding: Decimal


@dataclass(frozen=True)
class Allocation:
    invoice: OpenInvoice
    amount: Decimal


@dataclass(frozen=True)
class Suggestion:
    allocations: tuple[Allocation, ...]
    score: int
    reasons: tuple[str, ...]  # keys of WEIGHTS, and "partial" or "combined"

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal("0"))

    @property
    def confident(self) -> bool:
        return self.score >= CONFIDENT


@dataclass(frozen=True)
class Matched:
    credit: Credit
    suggestions: tuple[Suggestion, ...]

    @property
    def proposed(self) -> Suggestion | None:
        """The best suggestion when it is strong enough and no other is as strong."""
        if not self.suggestions or not self.suggestions[0].confident:
            return None
        best = self.suggestions[0]
        if len(self.suggestions) > 1 and self.suggestions[1].score == best.score:
            return None  # two equally good answers: the freelancer decides
        return best


def words(text: str) -> list[str]:
    """Lower-case words without accents or punctuation: "Mühle & Söhne" -> muhle, sohne."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", plain)


def name_words(name: str) -> tuple[str, ...]:
    found = [w for w in words(name) if w not in LEGAL_FORMS]
    return tuple(found or words(name))


def _tokens(text: str) -> set[str]:
    """Every stretch that could be an invoice number, as written and without separators."""
    found = set()
    for token in re.findall(r"[A-Z0-9](?:[A-Z0-9\-/_.]*[A-Z0-9])?", text.upper()):
        found.add(token)
        found.add(re.sub(r"[^A-Z0-9]", "", token))
    return found


def _compact(number: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", number.upper())


class Matcher:
    """Suggestions for many credits against one freelancer's open invoices, each credit
    looked up by index (number, amount, name) rather than against every invoice."""

    def __init__(self, invoices: Iterable[OpenInvoice]) -> None:
        self.invoices = {inv.pk: inv for inv in invoices}
        self.owed = {pk: inv.outstanding for pk, inv in self.invoices.items()}
        self.by_number: dict[str, list[int]] = defaultdict(list)
        self.by_client: dict[int, list[int]] = defaultdict(list)
        self.by_amount: dict[tuple[str, Decimal], set[int]] = defaultdict(set)
        self.names: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        named: set[int] = set()
        for inv in sorted(self.invoices.values(), key=lambda i: (i.issued_on, i.pk)):
            self.by_number[inv.number.upper()].append(inv.pk)
            compact = _compact(inv.number)
            # Without separators only when long enough not to be any number in the text.
            if len(compact) >= 5 and compact != inv.number.upper():
                self.by_number[compact].append(inv.pk)
            self.by_client[inv.client_pk].append(inv.pk)
            self.by_amount[(inv.currency, inv.outstanding)].add(inv.pk)
            if inv.client_pk not in named:
                named.add(inv.client_pk)
                key = name_words(inv.client_name)
                if key:
                    self.names[key[0]].append((key, inv.client_pk))

    def match_all(self, credits: Sequence[Credit]) -> list[Matched]:
        """Suggestions for each credit, in the order given; each proposed allocation is
        taken off what is owed before the next credit is matched."""
        matched = []
        for credit in credits:
            one = self.match(credit)
            if one.proposed is not None:
                self.take(one.proposed)
            matched.append(one)
        return matched

    def take(self, suggestion: Suggestion) -> None:
        for allocation in suggestion.allocations:
            inv = allocation.invoice
            self.by_amount[(inv.currency, self.owed[inv.pk])].discard(inv.pk)
            self.owed[inv.pk] = max(self.owed[inv.pk] - allocation.amount, Decimal("0"))
            self.by_amount[(inv.currency, self.owed[inv.pk])].add(inv.pk)

    def _candidate(self, pk: int, credit: Credit) -> bool:
        inv = self.invoices[pk]
        return (
            inv.currency == credit.currency and inv.issued_on <= credit.date and self.owed[pk] > 0
        )

    def _clients_named(self, credit: Credit) -> set[int]:
        text = words(f"{credit.reference} {credit.counterparty}")
        found = set()
        for i, word in enumerate(text):
            for key, client_pk in self.names.get(word, ()):
                if tuple(text[i : i + len(key)]) == key:
                    found.add(client_pk)
        return found

    def match(self, credit: Credit) -> Matched:
        numbered = []
        for token in _tokens(credit.reference):
            for pk in self.by_number.get(token, ()):
                if pk not in numbered and self._candidate(pk, credit):
                    numbered.append(pk)
        clients = self._clients_named(credit)
        candidates = set(numbered)
        for client_pk in clients:
            candidates.update(pk for pk in self.by_client[client_pk] if self._candidate(pk, credit))
        # The amount alone, for any client: a weak hint, shown but never proposed by itself.
        candidates.update(
            pk
            for pk in self.by_amount.get((credit.currency, credit.amount), ())
            if self._candidate(pk, credit)
        )

        suggestions: dict[tuple[int, ...], Suggestion] = {}
        for pk in candidates:
            inv = self.invoices[pk]
            owed = self.owed[pk]
            reasons = []
            if pk in numbered:
                reasons.append("number")
            if inv.client_pk in clients:
                reasons.append("name")
            if owed == credit.amount:
                reasons.append("amount")
            elif credit.amount < owed:
                reasons.append("partial")
            allocation = Allocation(inv, min(owed, credit.amount))
            self._add(suggestions, (allocation,), reasons)

        # Combined: several invoices named in the reference, or several of a named client
        # (or of the numbered invoice's client) whose balances add up to the credit.
        if len(numbered) > 1:
            self._add_combined(suggestions, credit, numbered, ["number"], exact_only=False)
        groups = {self.invoices[pk].client_pk for pk in numbered} | clients
        for client_pk in groups:
            pks = [pk for pk in self.by_client[client_pk] if self._candidate(pk, credit)]
            reasons = ["name"] if client_pk in clients else []
            self._add_combined(suggestions, credit, pks, reasons, numbered=numbered)

        ranked = sorted(
            suggestions.values(),
            key=lambda s: (
                -s.score,
                len(s.allocations),
                min(a.invoice.issued_on for a in s.allocations),
            ),
        )
        return Matched(credit, tuple(ranked[:MAX_SUGGESTIONS]))

    def _add_combined(
        self,
        suggestions: dict[tuple[int, ...], Suggestion],
        credit: Credit,
        pks: list[int],
        reasons: list[str],
        *,
        exact_only: bool = True,
        numbered: Sequence[int] = (),
    ) -> None:
        pks = sorted(pks, key=lambda pk: (self.invoices[pk].issued_on, pk))
        if not exact_only:
            # Oldest first, each as much as it owes, until the credit runs out.
            left, allocations = credit.amount, []
            for pk in pks:
                if left <= 0:
                    break
                part = min(self.owed[pk], left)
                allocations.append(Allocation(self.invoices[pk], part))
                left -= part
            if len(allocations) > 1:
                exact = left == 0 and all(a.amount == self.owed[a.invoice.pk] for a in allocations)
                extra = ["amount"] if exact else ["partial"]
                self._add(suggestions, tuple(allocations), [*reasons, *extra, "combined"])
            return
        if len(pks) > 12:
            return  # too many ways to add up; the freelancer allocates by hand
        for size in range(2, MAX_COMBINED + 1):
            for group in combinations(pks, size):
                if sum(self.owed[pk] for pk in group) != credit.amount:
                    continue
                allocations = tuple(Allocation(self.invoices[pk], self.owed[pk]) for pk in group)
                more = ["number"] if any(pk in numbered for pk in group) else []
                self._add(suggestions, allocations, [*reasons, *more, "amount", "combined"])

    @staticmethod
    def _add(
        suggestions: dict[tuple[int, ...], Suggestion],
        allocations: tuple[Allocation, ...],
        reasons: list[str],
    ) -> None:
        key = tuple(sorted(a.invoice.pk for a in allocations))
        unique = tuple(dict.fromkeys(reasons))
        score = sum(WEIGHTS.get(reason, 0) for reason in unique)
        if score == 0:
            return
        known = suggestions.get(key)
        if known is None or known.score < score:
            suggestions[key] = Suggestion(allocations, score, unique)


def match_credits(credits: Sequence[Credit], invoices: Iterable[OpenInvoice]) -> list[Matched]:
    """Suggestions for each credit (in date order) against the open invoices."""
    return Matcher(invoices).match_all(sorted(credits, key=lambda c: c.date))


def allocation_problems(
    credit: Credit, allocations: Sequence[tuple[OpenInvoice, Decimal]], owed: dict[int, Decimal]
) -> list[tuple[str, str]]:
    """What is wrong with a chosen allocation of one credit, as (code, invoice number):
    more than the credit in all ("over_credit"), an amount of nothing ("not_positive"),
    another currency ("currency"), an invoice issued after the money came
    ("before_issue"), more than the invoice still owes after earlier credits
    ("over_owed"). Empty when it is fine."""
    problems = []
    total = sum((amount for _, amount in allocations), Decimal("0"))
    if total > credit.amount:
        problems.append(("over_credit", ""))
    left = dict(owed)
    for invoice, amount in allocations:
        if amount <= 0:
            problems.append(("not_positive", invoice.number))
            continue
        if invoice.currency != credit.currency:
            problems.append(("currency", invoice.number))
        if invoice.issued_on > credit.date:
            problems.append(("before_issue", invoice.number))
        if amount > left.get(invoice.pk, Decimal("0")):
            problems.append(("over_owed", invoice.number))
        left[invoice.pk] = left.get(invoice.pk, Decimal("0")) - amount
    return problems
