"""Builders for the rules engine's facts. Plain objects, no database, no Django."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest

from redflags.rules import (
    Assessment,
    ClientFacts,
    IncidentFacts,
    InvoiceFacts,
    PaymentFacts,
    RuleSettings,
    StepFacts,
    StepKind,
    WorkLogFacts,
    assess,
)

AS_OF = date(2024, 6, 30)


class FactBuilder:
    """Facts relative to `as_of`: "due 20 days ago, paid 5 days late"."""

    as_of = AS_OF

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        # Warnings given with incidents (`incident(warned=True)`), for the next client().
        self._warnings: list[StepFacts] = []

    def day(self, days_ago: int) -> date:
        return self.as_of - timedelta(days=days_ago)

    def invoice(
        self,
        *,
        due_days_ago: int,
        days_late: int | None = 0,
        amount: str = "1000.00",
        currency: str = "EUR",
        terms: int = 14,
        disputed: bool = False,
        written_off: bool = False,
        is_draft: bool = False,
        payments: Sequence[tuple[int, str]] | None = None,
        reminders_sent: int | None = None,
    ) -> InvoiceFacts:
        """days_late None: unpaid. `payments` as (days ago, amount) overrides days_late."""
        number = next(self._ids)
        due_on = self.day(due_days_ago)
        if payments is not None:
            paid = tuple(PaymentFacts(self.day(ago), Decimal(value)) for ago, value in payments)
        elif days_late is None:
            paid = ()
        else:
            paid = (PaymentFacts(due_on + timedelta(days=days_late), Decimal(amount)),)
        return InvoiceFacts(
            id=number,
            number=f"2024-{number:03d}",
            issued_on=due_on - timedelta(days=terms),
            due_on=due_on,
            amount=Decimal(amount),
            currency=currency,
            payments=paid,
            disputed=disputed,
            written_off=written_off,
            is_draft=is_draft,
            reminders_sent=reminders_sent,
        )

    def monthly(
        self, days_late: Iterable[int | None], last_due_days_ago: int = 5, **kwargs
    ) -> list[InvoiceFacts]:
        """One invoice a month, oldest first, the last one due `last_due_days_ago` ago."""
        late = list(days_late)
        return [
            self.invoice(
                due_days_ago=last_due_days_ago + 30 * (len(late) - 1 - index),
                days_late=value,
                **kwargs,
            )
            for index, value in enumerate(late)
        ]

    def incident(
        self,
        category: str,
        *,
        days_ago: int = 3,
        severity: int = 3,
        warned: bool = False,
        note: str = "",
    ) -> IncidentFacts:
        """warned: they were told that day it is not acceptable (a warned step about it)."""
        if warned:
            self._warnings.append(self.step(StepKind.WARNED, days_ago=days_ago, about=category))
        return IncidentFacts(
            id=next(self._ids),
            category=category,
            occurred_on=self.day(days_ago),
            severity=severity,
            note=note,
        )

    def step(
        self, kind: str = StepKind.WARNED, *, days_ago: int = 3, about: str | None = None, note=""
    ) -> StepFacts:
        return StepFacts(next(self._ids), kind, self.day(days_ago), about, note)

    def work(self, *, days_ago: int, hours: str, billable: bool = True) -> WorkLogFacts:
        return WorkLogFacts(self.day(days_ago), Decimal(hours), billable)

    def client(
        self,
        *,
        invoices: Iterable[InvoiceFacts] = (),
        incidents: Iterable[IncidentFacts] = (),
        work_logs: Iterable[WorkLogFacts] = (),
        steps: Iterable[StepFacts] = (),
        billing_mode: str = "fixed",
        currency: str = "EUR",
        started_days_ago: int | None = 730,
    ) -> ClientFacts:
        """An established client (working together for two years) unless told otherwise."""
        warnings, self._warnings = self._warnings, []
        return ClientFacts(
            id=next(self._ids),
            name="Acme Studio",
            billing_mode=billing_mode,
            currency=currency,
            invoices=tuple(invoices),
            incidents=tuple(incidents),
            work_logs=tuple(work_logs),
            started_on=None if started_days_ago is None else self.day(started_days_ago),
            steps=(*warnings, *steps),
        )

    def assess(
        self, client: ClientFacts, settings: RuleSettings | None = None, as_of: date | None = None
    ) -> Assessment:
        return assess(client, settings or RuleSettings(), as_of or self.as_of)


@pytest.fixture
def facts() -> FactBuilder:
    return FactBuilder()
