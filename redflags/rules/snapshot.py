"""The client's facts as they stood on one date, worked out once for all the rules.

Judging a client at a past date (for score history) must not see what came later, so
drafts, invoices issued after `as_of`, payments after it and incidents after it are left
out here, and no rule has to think about it again. The invoices are sorted into the groups
the rules read in a single pass, since that pass is most of the engine's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import exp, log

from redflags.rules.facts import (
    CATEGORIES,
    ZERO,
    Category,
    ClientFacts,
    IncidentFacts,
    InvoiceFacts,
    StepFacts,
    StepKind,
    days_delta,
    settle,
)
from redflags.rules.settings import RuleSettings
from redflags.rules.value import Income

# Plain tuples rather than objects: a client has dozens of invoices and building an object
# for each would cost more than the rules that read them.
# (invoice, paid by as_of, day fully paid or None, days late as in InvoiceFacts.days_late,
#  days since the due date: negative when not due yet)
InvoiceState = tuple[InvoiceFacts, Decimal, date | None, int, int]
# (incident, age in days, weight left after fading, that weight times severity / 3)
IncidentState = tuple[IncidentFacts, int, float, float]

LN2 = log(2)
_KNOWN = frozenset(CATEGORIES)
# Severity 3 counts once, 1 a third, 5 five thirds.
_SEVERITY = {severity: severity / 3 for severity in range(1, 6)}


@dataclass(slots=True)  # not frozen: it lives for one assessment, and frozen init is slow
class Snapshot:
    client: ClientFacts
    as_of: date
    # Invoices whose payment can be judged: due within the last `late_window_days`, and
    # paid or unpaid past due. Not disputed ones (the dispute rule judges them) nor
    # written-off ones (settled one way or another).
    judged: list[InvoiceState]
    overdue: list[InvoiceState]  # unpaid past due, however long ago; same exclusions
    disputed: list[InvoiceFacts]
    # Money billed by as_of (received, or still owed and judged by other rules; not written
    # off) on invoices issued within the effort window, in the client's
    # currency (zero when the effort rule is off). Summed here to save a pass.
    received: Decimal
    incidents: dict[str, list[IncidentState]]  # by category, in the given order; unknown: other
    income: Income | None  # the freelancer's income and exchange rates; None: not judged
    notes: list  # Phrases: what the rules could not compare (set by the rules)
    # The first step that raised each kind of trouble with the client, by category; under
    # "" the first one about the relationship as a whole. Steps after as_of are left out.
    raised: dict[str, StepFacts]
    patterns: int = 0  # how many pattern reasons were found (set by conduct.patterns)
    hourly: Decimal | None = None  # effective rate in the target currency (set by effort)
    # A sign that is enough once on its own (playing you against a competitor on agreed
    # work): money does not buy it off (set by conduct.everyday_friction).
    firm: bool = False

    def raised_by(self, category: str) -> StepFacts | None:
        """The first step that told the client this kind of trouble has to stop.

        The one place that says whether and when a warning was given. A step about the
        relationship as a whole raises every kind but verbal abuse: a repeat of that ends
        the relationship, so the warning has to be about it.
        """
        raised = self.raised
        if not raised:
            return None
        own = raised.get(category)
        general = None if category == Category.VERBAL_ABUSE else raised.get("")
        if own is None or (general is not None and _step_order(general) < _step_order(own)):
            return general
        return own


def take_snapshot(
    client: ClientFacts, as_of: date, settings: RuleSettings, income: Income | None = None
) -> Snapshot:
    judged: list[InvoiceState] = []
    overdue: list[InvoiceState] = []
    disputed: list[InvoiceFacts] = []
    received = ZERO
    currency = client.currency
    if settings.target_hourly_rate is None:
        effort_start = date.max
    else:
        effort_start = as_of - days_delta(settings.effort_window_days)
    today = as_of.toordinal()
    window = settings.late_window_days
    for invoice in client.invoices:
        issued_on = invoice.issued_on
        if issued_on > as_of or invoice.is_draft:
            continue
        amount = invoice.amount
        payments = invoice.payments
        paid_on: date | None
        if len(payments) == 1:  # the usual shape, inlined from settle()
            payment = payments[0]
            paid_on = payment.paid_on
            if paid_on > as_of:
                paid, paid_on = ZERO, None
            else:
                paid = payment.amount
                if paid < amount:
                    paid_on = None
        else:
            paid, paid_on = settle(invoice, as_of)
        if issued_on > effort_start and invoice.currency == currency:
            # What is still unpaid is judged by the payment and dispute rules; counting it
            # as missing here too would weigh the same money twice. Only money written
            # off is lost to the effort.
            received += paid if invoice.written_off else amount
        if invoice.disputed:
            disputed.append(invoice)
            continue
        due = invoice.due_on.toordinal()
        due_age = today - due
        if invoice.written_off or (paid_on is None and due_age <= 0) or amount <= ZERO:
            continue
        if paid_on is None:
            state = (invoice, paid, None, due_age, due_age)
            overdue.append(state)
            if due_age < window:
                judged.append(state)
        elif due_age < window:
            days = paid_on.toordinal() - due
            judged.append((invoice, paid, paid_on, days if days > 0 else 0, due_age))

    decay = LN2 / settings.half_life_days
    incidents: dict[str, list[IncidentState]] = {}
    for incident in client.incidents:
        if incident.occurred_on > as_of:
            continue
        age = today - incident.occurred_on.toordinal()
        fade = exp(-decay * age)
        severity = _SEVERITY.get(incident.severity) or _SEVERITY[min(5, max(1, incident.severity))]
        incident_state = (incident, age, fade, fade * severity)
        category = incident.category if incident.category in _KNOWN else "other"
        if category in incidents:
            incidents[category].append(incident_state)
        else:
            incidents[category] = [incident_state]
    raised: dict[str, StepFacts] = {}
    for step in client.steps:
        if step.taken_on > as_of or step.kind not in _RAISES:
            continue
        key = step.addresses or ""
        first = raised.get(key)
        if first is None or _step_order(step) < _step_order(first):
            raised[key] = step
    return Snapshot(
        client, as_of, judged, overdue, disputed, received, incidents, income, [], raised
    )


# Every step but an apology tells the client what has to change: an apology is the
# freelancer fixing their own mistake.
_RAISES = frozenset(kind.value for kind in StepKind if kind != StepKind.APOLOGISED)


def _step_order(step: StepFacts) -> tuple[date, int]:
    return step.taken_on, step.id
