"""assess(): every rule over one client's facts, as they stood on one date."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from operator import attrgetter

from redflags.rules import conduct, effort, payment, value
from redflags.rules.assessment import Assessment, Reason, Verdict, verdict_for
from redflags.rules.facts import ClientFacts
from redflags.rules.settings import RuleSettings
from redflags.rules.snapshot import Snapshot, take_snapshot
from redflags.rules.value import Income, Worth

Rule = Callable[[Snapshot, RuleSettings], Sequence[Reason]]

RULES: tuple[Rule, ...] = (
    conduct.physical_abuse,
    conduct.repeated_verbal_abuse,
    conduct.lying,
    conduct.legal_risk,
    payment.lateness,
    payment.disputes,
    conduct.verbal_abuse,
    conduct.scope_changes,
    conduct.everyday_friction,
    conduct.patterns,
    effort.effort_against_reward,
)


def assess(
    client: ClientFacts, settings: RuleSettings, as_of: date, income: Income | None = None
) -> Assessment:
    """Score, verdict and reasons for one client on as_of. No clock, no I/O: the same input
    gives the same assessment.

    With `income` (the freelancer's income from every client and their exchange rates) the
    client's worth is judged too: a large client with lesser problems only is watched with
    a plan rather than let go, and the assessment carries what the client page shows.
    """
    snap = take_snapshot(client, as_of, settings, income)
    reasons: list[Reason] = []
    for rule in RULES:
        reasons += rule(snap, settings)
    if snap.patterns:
        reasons = conduct.one_reason_per_pattern(reasons)
    # Most points first; the sort is stable, even reversed, so ties keep the order of RULES.
    reasons.sort(key=_points, reverse=True)
    red_flags = [reason for reason in reasons if reason.red_flag]
    if red_flags:
        reasons = red_flags + [reason for reason in reasons if not reason.red_flag]
    score = 100 - sum(map(_points, reasons))
    # The number reads like the ladder: a red flag always scores below a client whose
    # problems are all lesser ones, however many those are.
    below = settings.red_flag_below
    if red_flags:
        score = min(score, below - 1) if score > 0 else 0
    elif score < below:
        score = below
    too_early = not red_flags and _too_early(snap, settings)
    if too_early and score >= settings.keep_at:
        score = settings.keep_at - 1
    verdict = verdict_for(score, bool(red_flags), settings)
    if income is None:
        return Assessment(score, verdict, tuple(reasons), too_early)

    def judged_worth() -> Worth:
        return value.worth(
            invoices=client.invoices,
            income=income,
            as_of=as_of,
            started_on=_started(snap),
            hourly=snap.hourly,
            settings=settings,
            notes=snap.notes,
        )

    if verdict is not Verdict.FIRE or red_flags or snap.firm:
        # Money changes nothing here: the worth is written out only when it is read.
        return Assessment(score, verdict, tuple(reasons), too_early, judged_worth)
    if value.large_share(client.invoices, income, as_of, settings):
        worth = judged_worth()
        # Lesser problems on a client who pays a large share of the income: diplomacy and
        # a plan first (docs/domain.md, "Value"). The score rises to the watch line so
        # that the number and the verdict say the same.
        score = settings.watch_at
        verdict = Verdict.WATCH
        reasons.insert(0, value.plan(worth, as_of))
        return Assessment(score, verdict, tuple(reasons), too_early, worth)
    return Assessment(score, verdict, tuple(reasons), too_early, judged_worth)


def _started(snap: Snapshot) -> date | None:
    """When the work began: the start date, else the first invoice issued."""
    started = snap.client.started_on
    if started is not None and started <= snap.as_of:
        return started
    days = [invoice.issued_on for invoice in snap.client.invoices if not invoice.is_draft]
    first = min(days, default=None)
    return first if first is not None and first <= snap.as_of else None


def _too_early(snap: Snapshot, settings: RuleSettings) -> bool:
    """Fewer than `early_invoices` invoices and under `early_days` of history.

    History runs from the start date, the first invoice or the first hours logged; not
    from incidents, so that logging trouble can never make a client look better known.
    """
    client = snap.client
    as_of = snap.as_of
    first = None
    enough = settings.early_invoices
    invoices = 0
    for invoice in client.invoices:
        if invoice.is_draft or invoice.issued_on > as_of:
            continue
        invoices += 1
        if invoices >= enough:
            return False
        if first is None or invoice.issued_on < first:
            first = invoice.issued_on
    if not enough:
        return False
    started = client.started_on
    if started is not None and started <= as_of and (first is None or started < first):
        first = started
    for log in client.work_logs:
        if log.worked_on <= as_of and (first is None or log.worked_on < first):
            first = log.worked_on
    if first is None:
        return True  # nothing known yet
    return (as_of - first).days < settings.early_days


_points = attrgetter("points")
