"""Conduct rules: the immediate red flags, verbal abuse, changes of mind, everyday friction
and patterns of it."""

from __future__ import annotations

from redflags.rules.assessment import LazyEvidence, Reason, round_points
from redflags.rules.facts import BillingMode, Category, StepFacts
from redflags.rules.settings import RuleSettings
from redflags.rules.snapshot import IncidentState, Snapshot
from redflags.rules.wording import gettext_noop, incidents_evidence, step_evidence

# Red flags do not fade: an apology afterwards does not undo what happened.


def physical_abuse(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    return _red_flag(
        snap.incidents.get(Category.PHYSICAL_ABUSE),
        settings,
        "physical_abuse",
        gettext_noop("Physical abuse or threats"),
        gettext_noop(
            "No working relationship survives this, and an apology afterwards changes nothing. "
            "Finish only what you must, end the work quickly and in writing, and keep the dated "
            "record of what happened."
        ),
    )


def lying(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    return _red_flag(
        snap.incidents.get(Category.LYING),
        settings,
        "lying",
        gettext_noop("Lied to you"),
        gettext_noop(
            "Working together needs trust, and you cannot trust someone who lies to you. Close "
            "what is open, hand over what is theirs, and end the relationship politely."
        ),
    )


def legal_risk(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    return _red_flag(
        snap.incidents.get(Category.LEGAL_RISK),
        settings,
        "legal_risk",
        gettext_noop("Could drag you into legal trouble"),
        gettext_noop(
            "Stop supplying anything that could be used for unlawful or unsafe work, keep dated "
            "records of what you learned, and end the relationship. Ask a lawyer if you are unsure."
        ),
    )


def repeated_verbal_abuse(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    """Abuse again after they were told it is not acceptable (only on a later day counts)."""
    incidents = snap.incidents.get(Category.VERBAL_ABUSE)
    if not incidents:
        return ()
    warning = snap.raised_by(Category.VERBAL_ABUSE)
    if warning is None:
        return ()
    repeats = [state for state in incidents if state[0].occurred_on > warning.taken_on]
    if not repeats:
        return ()
    return (
        Reason(
            "repeated_verbal_abuse",
            gettext_noop("Abusive again after a warning"),
            settings.red_flag_points,
            gettext_noop(
                "You told them it was not acceptable and it happened again. Part ways, and say "
                "it plainly: their language crossed a line and you will no longer work with "
                "them. Step away from any abusive conversation until then."
            ),
            _evidence(repeats, warning),
            red_flag=True,
        ),
    )


def verbal_abuse(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    incidents = snap.incidents.get(Category.VERBAL_ABUSE)
    if not incidents:
        return ()
    points = round_points(settings.verbal_abuse_points * _faded(incidents))
    if not points:
        return ()
    return (
        Reason(
            "verbal_abuse",
            gettext_noop("Verbal abuse"),
            points,
            gettext_noop(
                "Tell them calmly, and in writing, that insults and belittling remarks are not "
                "acceptable, then log that as a step (warned): if it happens again, you part ways. "
                "Step away from an abusive conversation (\"let's take a break; I'll send a status "
                'update within the hour").'
            ),
            _evidence(incidents),
        ),
    )


def scope_changes(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    """Changes of mind: paid time when billing by the hour, unpaid work on a fixed fee."""
    incidents = snap.incidents.get(Category.SCOPE_CHANGE)
    if not incidents:
        return ()
    mode = snap.client.billing_mode
    if mode == BillingMode.HOURLY:
        weight = settings.scope_hourly_points
        advice = gettext_noop(
            "Billed by the hour, each change is paid time, so this costs you little. Still "
            "confirm each change in writing, so the bill is no surprise."
        )
    elif mode == BillingMode.RETAINER:
        weight = settings.scope_retainer_points
        advice = gettext_noop(
            "Every change eats into the hours the retainer covers. Agree in writing what the "
            "retainer includes, and quote changes beyond it separately."
        )
    else:
        weight = settings.scope_fixed_points
        advice = gettext_noop(
            "On a fixed fee every change of mind is unpaid work. Decide where your cut-off is, "
            "write it down, and quote extra work before you do it."
        )
    points, advice, evidence = _after_steps(
        snap, Category.SCOPE_CHANGE, incidents, weight, settings, advice
    )
    if not points:
        return ()
    return (
        Reason(
            "scope_changes", gettext_noop("Keeps changing their mind"), points, advice, evidence
        ),
    )


# Everyday friction: (category, settings field with its points, title, advice).
_FRICTION: tuple[tuple[Category, str, str, str], ...] = (
    (
        Category.UNRESPONSIVE,
        "unresponsive_points",
        gettext_noop("Slow to answer"),
        gettext_noop(
            "Tell them, firmly and kindly, at every step that the work cannot move without timely "
            "answers, and that their delays delay their own project. Note the time spent waiting."
        ),
    ),
    (
        Category.MICROMANAGING,
        "micromanaging_points",
        gettext_noop("Wants to control every step"),
        gettext_noop(
            "Explain that approving every small change makes the agreed work impossible, and agree "
            "what you decide alone. If they will not listen, walk away before they blame you for "
            "the results."
        ),
    ),
    (
        Category.IGNORED_ADVICE,
        "ignored_advice_points",
        gettext_noop("Ignores your advice"),
        gettext_noop(
            "Put your recommendation and its risks in writing before they decide, so that the cost "
            "of going against it is theirs, not yours to absorb."
        ),
    ),
    (
        Category.COMPETITOR_LEVERAGE,
        "competitor_leverage_points",
        gettext_noop("Plays you against competitors"),
        gettext_noop(
            "Quotes before agreeing are fine; using a rival's price to pay less for agreed work is "
            "not. Hold to the agreed price and scope."
        ),
    ),
    (
        Category.PUBLIC_CRITICISM,
        "public_criticism_points",
        gettext_noop("Criticises you in public"),
        gettext_noop(
            "Answer calmly and in private, ask them to bring concerns to you directly, and keep "
            "dated records in case it escalates."
        ),
    ),
    (
        Category.THREAT,
        "threat_points",
        gettext_noop("Threatens you"),
        gettext_noop(
            "A threat (a bad review, holding back payment unless you give in, legal action "
            "without grounds) is pressure, not a conversation. Do not give in; answer once, "
            "calmly and in writing, keep the dated record, and collect what is owed."
        ),
    ),
    (
        Category.UNREASONABLE_DEMAND,
        "unreasonable_demand_points",
        gettext_noop("Unreasonable demands"),
        gettext_noop(
            "Decide what you will and will not do (business hours, response times, what counts as "
            "urgent), send it to them in writing, and hold to it."
        ),
    ),
    (
        Category.OTHER,
        "other_points",
        gettext_noop("Other trouble"),
        gettext_noop(
            "Write down what happened and what you expect instead, and talk it through with them "
            "before it becomes a pattern."
        ),
    ),
)


_COMPETITOR_ADVICE = gettext_noop(
    "Using a rival's price to pay less for work already agreed or under way is enough, once. "
    "Hold to the agreed price, collect what is owed, then let them go."
)


def everyday_friction(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    """One reason per kind of friction, by count, severity and recency."""
    reasons = []
    for category, field, title, advice in _FRICTION:
        incidents = snap.incidents.get(category)
        if not incidents:
            continue
        points, advice, evidence = _after_steps(
            snap, category, incidents, getattr(settings, field), settings, advice
        )
        if category == Category.COMPETITOR_LEVERAGE and any(
            state[1] < settings.sign_window_days for state in incidents
        ):
            # The practice: once on agreed work is enough to let them go, whatever the
            # severity; quotes asked before agreeing are not logged as this.
            points = max(points, settings.fire_points)
            advice = _COMPETITOR_ADVICE
            snap.firm = True
        if points:
            reasons.append(Reason(category.value, title, points, advice, evidence))
    return tuple(reasons)


# Red flags are judged on their own; every other kind can form a pattern. One title each,
# whole, so that each reads naturally once translated.
PATTERN_TITLES: dict[str, str] = {
    Category.VERBAL_ABUSE: gettext_noop("Verbal abuse, again and again"),
    Category.UNREASONABLE_DEMAND: gettext_noop("Unreasonable demands, again and again"),
    Category.INVOICE_DISPUTE: gettext_noop("Invoice disputes, again and again"),
    Category.SCOPE_CHANGE: gettext_noop("Changes of mind, again and again"),
    Category.IGNORED_ADVICE: gettext_noop("Ignores your advice, again and again"),
    Category.COMPETITOR_LEVERAGE: gettext_noop("Played against competitors, again and again"),
    Category.UNRESPONSIVE: gettext_noop("Unresponsive, again and again"),
    Category.MICROMANAGING: gettext_noop("Micromanaging, again and again"),
    Category.PUBLIC_CRITICISM: gettext_noop("Public criticism, again and again"),
    Category.THREAT: gettext_noop("Threats, again and again"),
    Category.OTHER: gettext_noop("Other trouble, again and again"),
}

_RED_FLAG_ONLY = frozenset({Category.PHYSICAL_ABUSE, Category.LYING, Category.LEGAL_RISK})


def patterns(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    """Several incidents of one kind in a short time: how they work, not a bad week."""
    window = settings.pattern_window_days
    reasons = []
    for category, incidents in snap.incidents.items():
        if len(incidents) < settings.pattern_count or category in _RED_FLAG_ONLY:
            continue
        recent = [state for state in incidents if state[1] < window]
        if len(recent) < settings.pattern_count or not settings.pattern_points:
            continue
        points = settings.pattern_points
        step = snap.raised_by(category) if snap.raised else None
        if step is not None and any(state[0].occurred_on > step.taken_on for state in recent):
            # They were told and it went on: the advice already says what then.
            points = max(points, settings.fire_points)
        else:
            step = None
            if category in TELL_FIRST:
                points = min(points, settings.tell_first_max_points)
        reasons.append(
            Reason(
                f"pattern:{category}",
                PATTERN_TITLES[category],
                points,
                gettext_noop(
                    "Once is a bad week; this often is how they work. Name the pattern to them, "
                    "put in writing what you need instead, and decide now what you will do if it "
                    "goes on."
                ),
                _evidence(recent, step),
            )
        )
    snap.patterns = len(reasons)
    return tuple(reasons)


# The reason each kind of incident is judged in on its own, when not by its category slug.
_OWN_RULE: dict[str, str] = {
    Category.INVOICE_DISPUTE: "disputes",
    Category.SCOPE_CHANGE: "scope_changes",
}


def one_reason_per_pattern(reasons: list[Reason]) -> list[Reason]:
    """A pattern and the reason for the same incidents are one fact, so one reason.

    It is named as the pattern, costs the larger of the two measures (each only grows, so
    more incidents never cost less) and keeps the advice for the kind of trouble.
    """
    index = {reason.rule: position for position, reason in enumerate(reasons)}
    merged: dict[int, Reason] = {}
    dropped: set[int] = set()
    for position, reason in enumerate(reasons):
        kind, is_pattern, category = reason.rule.partition(":")
        if not is_pattern or kind != "pattern":
            continue
        own_at = index.get(_OWN_RULE.get(category, category))
        if own_at is None:
            continue
        own = reasons[own_at]
        dropped.add(own_at)
        merged[position] = reason._replace(points=max(own.points, reason.points), advice=own.advice)
    return [
        merged.get(position, reason)
        for position, reason in enumerate(reasons)
        if position not in dropped
    ]


# Everyday friction that the practice says to raise with the client before holding it
# against them (docs/domain.md, "Three kinds of problem client").
TELL_FIRST = frozenset(
    {
        Category.UNRESPONSIVE,
        Category.MICROMANAGING,
        Category.UNREASONABLE_DEMAND,
        Category.SCOPE_CHANGE,
        Category.IGNORED_ADVICE,
    }
)

_AFTER_STEP_ADVICE = gettext_noop(
    "You raised this with them and it went on. Say once more, in writing, what has to "
    "change and what you will do if it does not; if it still goes on, finish what you "
    "promised and let them go."
)


def _after_steps(
    snap: Snapshot,
    category: str,
    incidents: list[IncidentState],
    weight: float,
    settings: RuleSettings,
    advice: str,
) -> tuple[int, str, LazyEvidence]:
    """Points, advice and evidence for one kind of friction, after what was tried.

    Never raised with the client, or not gone on since: at most watch for the kinds to tell
    them about first, with the advice on what to tell them. Gone on after a step: each
    incident since weighs `after_step_factor` times as much. Adding a step can only keep
    or raise the points for friction that goes on after it.
    """
    points = round_points(weight * _severe(incidents))
    # Most clients have no step at all: then the lookup is not worth its call.
    step = snap.raised_by(category) if snap.raised else None
    if step is None:
        if category in TELL_FIRST and points > settings.tell_first_max_points:
            points = settings.tell_first_max_points
        return points, advice, _evidence(incidents)
    after = [state for state in incidents if state[0].occurred_on > step.taken_on]
    if not after:
        if category in TELL_FIRST and points > settings.tell_first_max_points:
            points = settings.tell_first_max_points
        return points, advice, _evidence(incidents, step)
    escalated = round_points(float(settings.after_step_factor) * weight * _severe(after))
    return max(points, escalated), _AFTER_STEP_ADVICE, _evidence(incidents, step)


def _red_flag(
    incidents: list[IncidentState] | None,
    settings: RuleSettings,
    rule: str,
    title: str,
    advice: str,
) -> tuple[Reason, ...]:
    if not incidents:
        return ()
    evidence = _evidence(incidents)
    return (Reason(rule, title, settings.red_flag_points, advice, evidence, red_flag=True),)


def _evidence(incidents: list[IncidentState], step: StepFacts | None = None) -> LazyEvidence:
    """The incidents, most recent first, then the step that raised them, if any."""
    if step is None:
        return LazyEvidence(lambda: incidents_evidence(state[0] for state in incidents))
    return LazyEvidence(
        lambda: (*incidents_evidence(state[0] for state in incidents), step_evidence(step))
    )


def _faded(incidents: list[IncidentState]) -> float:
    """How many incidents, each counted by what is left of it after fading."""
    total = 0.0
    for state in incidents:
        total += state[2]
    return total


def _severe(incidents: list[IncidentState]) -> float:
    """Like _faded, with each incident also weighed by its severity."""
    total = 0.0
    for state in incidents:
        total += state[3]
    return total
