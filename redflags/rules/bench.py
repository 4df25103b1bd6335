"""Throughput of the rules engine on synthetic clients (`make bench`).

Run directly: python -m redflags.rules.bench
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

from redflags.rules.engine import assess
from redflags.rules.facts import (
    CATEGORIES,
    STEP_KINDS,
    BillingMode,
    ClientFacts,
    IncidentFacts,
    InvoiceFacts,
    PaymentFacts,
    StepFacts,
    WorkLogFacts,
)
from redflags.rules.settings import RuleSettings
from redflags.rules.value import Income, Rates

AS_OF = date(2025, 6, 30)
# Red flags would end every assessment early in real life; leave them out of the mix so the
# benchmark exercises the scored rules.
_SCORED_CATEGORIES = tuple(
    category for category in CATEGORIES if category not in {"physical_abuse", "lying", "legal_risk"}
)


def synthetic_client(
    seed: int, invoices: int = 40, incidents: int = 10, work_logs: int = 100
) -> ClientFacts:
    """A client with monthly invoices (one payment each), incidents and work logs."""
    rng = random.Random(seed)  # noqa: S311 (repeatable synthetic data, not secrets)
    habit = rng.choice((0, 0, 3, 10))  # typical days late: most clients pay on time
    drift = rng.choice((0, 0, 0, 1))  # some pay a little later every cycle
    invoice_list = []
    for index in range(invoices):
        issued_on = AS_OF - timedelta(days=30 * (invoices - index))
        due_on = issued_on + timedelta(days=14)
        late = max(0, habit + drift * index + rng.randint(-3, 3))
        amount = Decimal(rng.randrange(200, 3000))
        paid_on = due_on + timedelta(days=late)
        payments = (PaymentFacts(paid_on, amount),) if paid_on <= AS_OF else ()
        invoice_list.append(
            InvoiceFacts(
                id=seed * 1000 + index,
                number=f"{issued_on.year}-{index:03d}",
                issued_on=issued_on,
                due_on=due_on,
                amount=amount,
                currency="EUR",
                payments=payments,
                disputed=rng.random() < 0.02,
                written_off=False,
                is_draft=False,
            )
        )
    incident_list = tuple(
        IncidentFacts(
            id=seed * 1000 + index,
            category=rng.choice(_SCORED_CATEGORIES),
            occurred_on=AS_OF - timedelta(days=rng.randrange(0, 720)),
            severity=rng.randint(1, 5),
            note="",
        )
        for index in range(incidents)
    )
    # Up to two steps tried in the last year, drawn apart so the rest stays as it was.
    tried = random.Random(-1 - seed)  # noqa: S311
    step_list = tuple(
        StepFacts(
            id=seed * 1000 + 900 + index,
            kind=tried.choice(STEP_KINDS),
            taken_on=AS_OF - timedelta(days=tried.randrange(0, 365)),
            addresses=tried.choice((None, *_SCORED_CATEGORIES)),
        )
        for index in range(tried.randrange(0, 3))
    )
    log_list = tuple(
        WorkLogFacts(
            worked_on=AS_OF - timedelta(days=rng.randrange(0, 365)),
            hours=Decimal(rng.randrange(1, 16)) / 2,
            billable=rng.random() < 0.8,
        )
        for _ in range(work_logs)
    )
    return ClientFacts(
        id=seed,
        name=f"Client {seed}",
        billing_mode=rng.choice(tuple(BillingMode)).value,
        currency="EUR",
        invoices=tuple(invoice_list),
        incidents=incident_list,
        work_logs=log_list,
        started_on=AS_OF - timedelta(days=30 * invoices + rng.randrange(0, 60)),
        steps=step_list,
    )


def engine_throughput(n_clients: int = 2000, repeats: int = 3) -> float:
    """Client assessments per second on one core (best of `repeats` runs).

    Timed in CPU time of this process, so that other work on a shared machine does not
    count against the engine.
    """
    clients = [synthetic_client(seed) for seed in range(n_clients)]
    settings = RuleSettings(target_hourly_rate=Decimal(60), target_currency="EUR")
    # Every client's payments make the freelancer's income, so each share is judged too.
    income = Income(
        "EUR",
        (
            (payment.paid_on, payment.amount, invoice.currency)
            for client in clients
            for invoice in client.invoices
            for payment in invoice.payments
        ),
        Rates([("EUR", "USD", AS_OF - timedelta(days=10), Decimal("1.08"))]),
    )
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for client in clients:
            assess(client, settings, AS_OF, income)
        best = min(best, time.process_time() - started)
    return n_clients / max(best, 1e-9)


if __name__ == "__main__":
    print(f"{engine_throughput():,.0f} client assessments per second")
