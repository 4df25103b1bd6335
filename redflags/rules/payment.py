"""Payment rules: paying late, paying later every cycle, money overdue, disputed invoices."""

from __future__ import annotations

from datetime import date
from functools import cache
from math import exp

from redflags.rules.assessment import Evidence, LazyEvidence, Reason, round_points
from redflags.rules.facts import Category, IncidentFacts, InvoiceFacts, days_delta
from redflags.rules.settings import RuleSettings
from redflags.rules.snapshot import LN2, InvoiceState, Snapshot
from redflags.rules.wording import (
    MAX_EVIDENCE,
    Money,
    Phrase,
    days_text,
    fill,
    gettext_noop,
    incident_evidence,
    invoice_evidence,
)

# The trend is only named apart when there are enough invoices to speak of cycles; below
# that its points stay inside "Pays late". This changes the wording, never the score.
_TREND_MIN_INVOICES = 3


def lateness(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    """Paying late and money overdue, each invoice weighed once.

    An unpaid invoice is both late and overdue: the payment record costs the larger of
    the two measures, never their sum, and the points are shown split between the reasons
    that describe it. Lateness on a few invoices the freelancer never chased is capped
    below `fire`: the next step is a reminder, not a farewell.
    """
    late_total, trend, late = _late_points(snap, settings)
    owed = _overdue_points(snap, settings)
    total = late_total if late_total > owed else owed
    if not total:
        return ()
    unchased = _never_chased(snap, settings, late)
    if unchased and total > settings.unchased_max_points:
        total = settings.unchased_max_points
    reasons = []
    if owed:
        shown = owed if owed < total else total
        reasons.append(
            Reason(
                "overdue",
                gettext_noop("Money overdue"),
                shown,
                _UNCHASED_ADVICE if unchased else _OVERDUE_ADVICE,
                LazyEvidence(lambda: _overdue_evidence(snap.overdue)),
            )
        )
        total -= shown
    if trend > total:
        trend = total
    if total > trend:
        reasons.append(
            Reason(
                "late_payment",
                gettext_noop("Pays late"),
                total - trend,
                gettext_noop(
                    "When a due date passes, send a polite reminder that lets them save face "
                    '("you may have overlooked this invoice"). Restate your payment terms, and '
                    "ask for a deposit before new work starts."
                ),
                LazyEvidence(lambda: _lateness_evidence(late)),
            )
        )
    if trend:
        reasons.append(
            Reason(
                "later_every_cycle",
                gettext_noop("Pays later every cycle"),
                trend,
                gettext_noop(
                    "Each cycle the money comes a little later, and working on tells them that is "
                    "fine. Point to the due date in your contract now; if the next payment is "
                    "late, pause the work until it arrives."
                ),
                LazyEvidence(lambda: _lateness_evidence(snap.judged, oldest_first=True)),
            )
        )
    return tuple(reasons)


_OVERDUE_ADVICE = gettext_noop(
    'Send a polite note that lets them save face ("you may have overlooked this '
    'invoice"). If it stays unpaid, stop work and tell them it is paused until payment '
    "arrives, and will resume promptly once it does."
)
_UNCHASED_ADVICE = gettext_noop(
    "You have not sent them a reminder yet. Start there: a polite note that lets them save "
    'face ("you may have overlooked this invoice"), with the invoice attached.'
)


def _late_points(snap: Snapshot, settings: RuleSettings) -> tuple[int, int, list[InvoiceState]]:
    """Share of invoices paid late and how late on average, leaning on the recent ones:
    the points, the part of them owed to a trend, and the late invoices.

    Both parts only grow when any payment comes later, so paying later never helps. That
    is why the trend is an average weighted towards recent invoices rather than a slope: a
    slope would reward having been late long ago.
    """
    grace = settings.late_grace_days
    decay = LN2 / settings.trend_half_life_days
    late: list[InvoiceState] = []
    day_sum = 0
    weight_sum = weighted_days = 0.0
    for state in snap.judged:
        due_age = state[4]
        weight = exp(-decay * due_age) if due_age > 0 else 1.0
        weight_sum += weight
        days = state[3] - grace
        if days > 0:
            late.append(state)
            day_sum += days
            weighted_days += weight * days
    if not late:
        return 0, 0, late

    judged = len(snap.judged)
    per_day = float(settings.late_day_points)
    trend_weight = float(settings.trend_weight)
    plain = day_sum / judged
    recent = weighted_days / weight_sum
    # Written as a sum of two terms that each only grow, so that float rounding too keeps
    # "later never helps" exact.
    level = (1 - trend_weight) * plain + trend_weight * recent
    days_part = min(settings.late_days_max_points, per_day * level)
    share_part = settings.late_share_points * len(late) / (judged + settings.late_benefit_invoices)
    total = round_points(share_part + days_part)
    # The part of the days points owed to recent invoices being later than the average.
    trend = round_points(min(days_part, per_day * trend_weight * (recent - plain)))
    if judged < _TREND_MIN_INVOICES or len(late) < 2:
        trend = 0
    return total, min(trend, total), late


def _overdue_points(snap: Snapshot, settings: RuleSettings) -> int:
    """Money owed now: unpaid past the due date, not disputed, not written off."""
    if not snap.overdue:
        return 0
    full_days = settings.overdue_full_days
    raw = 0.0
    for invoice, paid, _, days, _ in snap.overdue:
        unpaid = 1.0 - float(paid) / float(invoice.amount)
        raw += unpaid * (days / full_days if days < full_days else 1.0)
    return round_points(settings.overdue_points * raw)


def _never_chased(snap: Snapshot, settings: RuleSettings, late: list[InvoiceState]) -> bool:
    """Every late or overdue invoice is one the freelancer sent no reminder for, and there
    are only a few of them. Many late invoices are a habit, reminders or not (imported
    history has none), so they count in full."""
    few = settings.unchased_invoices
    seen: set[int] = set()  # an unpaid invoice is both late and overdue: count it once
    for states in (late, snap.overdue):
        for state in states:
            invoice = state[0]
            if invoice.reminders_sent != 0:
                return False
            seen.add(id(invoice))
            if len(seen) > few:
                return False
    return bool(seen)


def disputes(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    """Disputed invoices and logged haggling, each dispute counted once."""
    disputed = snap.disputed
    incidents = snap.incidents.get(Category.INVOICE_DISPUTE, ())
    if not disputed and not incidents:
        return ()
    as_of = snap.as_of
    decay = LN2 / settings.half_life_days
    window = settings.dispute_window_days
    weight = 0.0
    repeats = 0
    for invoice in disputed:
        age = max(0, (as_of - invoice.issued_on).days)
        weight += exp(-decay * age)
        repeats += age < window
    match = days_delta(settings.dispute_match_days)
    separate: list[IncidentFacts] = []
    for incident, age, fade, _ in incidents:
        day = incident.occurred_on
        if disputed and any(
            invoice.issued_on <= day <= invoice.due_on + match for invoice in disputed
        ):
            continue  # the same dispute as a disputed invoice
        separate.append(incident)
        weight += fade
        repeats += age < window
    raw = settings.dispute_points * weight
    if repeats >= 2:
        raw += settings.dispute_repeat_points
    elif repeats:
        # One haggle over an agreed price tells how they will behave next time: it stays
        # a reason to watch for as long as it counts, however it fades.
        raw = max(raw, settings.watch_points)
    points = round_points(raw)
    if not points:
        return ()
    return (
        Reason(
            "disputes",
            gettext_noop("Disputes or haggles over invoices"),
            points,
            gettext_noop(
                "They agreed the price up front. Stay firm and collect what is owed; a client who "
                "haggles once will do it again, so plan to let them go once they have paid."
            ),
            LazyEvidence(lambda: _dispute_evidence(disputed, separate)),
        ),
    )


def _lateness_evidence(
    states: list[InvoiceState], oldest_first: bool = False
) -> tuple[Evidence, ...]:
    """The latest invoices by due date; oldest first to show a trend."""
    latest = sorted(states, key=_due_order)[-MAX_EVIDENCE:]
    if not oldest_first:
        latest.reverse()
    evidence = []
    for invoice, _paid, paid_on, days, _ in latest:
        evidence.append(invoice_evidence(invoice, _lateness_status(paid_on is None, days)))
    return tuple(evidence)


# The same few statuses recur on every invoice line: each is worded (and stored) once.
@cache
def _lateness_status(unpaid: bool, days: int) -> Phrase:
    if unpaid:
        return fill("unpaid, {days} late", days=days_text(days))
    if days:
        return fill("paid {days} late", days=days_text(days))
    return fill("paid on time")


@cache
def _overdue_status(days: int) -> Phrase:
    return fill("{days} overdue", days=days_text(days))


def _overdue_evidence(states: list[InvoiceState]) -> tuple[Evidence, ...]:
    latest = sorted(states, key=_due_order, reverse=True)[:MAX_EVIDENCE]
    return tuple(
        invoice_evidence(
            invoice,
            _overdue_status(days),
            amount=invoice.amount - paid,
        )
        for invoice, paid, _, days, _ in latest
    )


def _dispute_evidence(
    invoices: list[InvoiceFacts], incidents: list[IncidentFacts]
) -> tuple[Evidence, ...]:
    evidence = [incident_evidence(incident) for incident in incidents]
    for invoice in invoices:
        label = fill(
            "Invoice {number}, issued {issued}, disputed, {money}",
            number=invoice.number,
            issued=invoice.issued_on,
            money=Money(invoice.amount, invoice.currency),
        )
        evidence.append(
            Evidence(
                "invoice", invoice.id, invoice.issued_on, label, invoice.amount, invoice.currency
            )
        )
    evidence.sort(key=_evidence_order, reverse=True)
    return tuple(evidence[:MAX_EVIDENCE])


def _due_order(state: InvoiceState) -> tuple[date, int]:
    return state[0].due_on, state[0].id


def _evidence_order(evidence: Evidence) -> tuple[date, str, int]:
    return evidence.on, evidence.kind, evidence.id or 0
