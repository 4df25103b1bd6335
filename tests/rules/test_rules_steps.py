"""What was tried: friction never raised with the client is watched with the advice to tell
them; the same friction going on after a step escalates (docs/domain.md, "What a client is
worth, and what to try first")."""

from redflags.rules import Category, StepKind, Verdict


def unresponsive(facts, days=(3, 10, 17, 24, 31, 38, 45, 52), severity=5):
    return [facts.incident(Category.UNRESPONSIVE, days_ago=d, severity=severity) for d in days]


def reason(assessment, rule):
    return next(r for r in assessment.reasons if r.rule == rule)


def test_heavy_friction_never_raised_with_them_is_watched_with_advice_to_tell_them(facts):
    assessment = facts.assess(
        facts.client(invoices=facts.monthly([0] * 6), incidents=unresponsive(facts))
    )

    assert assessment.verdict == Verdict.WATCH
    assert "firmly and kindly" in assessment.top_reason.advice
    assert not [e for e in assessment.top_reason.evidence if e.kind == "step"]


def test_the_same_friction_going_on_after_a_warning_fires(facts):
    warned = facts.step(StepKind.WARNED, days_ago=60, about=Category.UNRESPONSIVE)
    client = facts.client(
        invoices=facts.monthly([0] * 6), incidents=unresponsive(facts), steps=[warned]
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    top = assessment.top_reason
    assert "raised this with them and it went on" in top.advice
    assert top.evidence[-1].kind == "step"
    assert top.evidence[-1].id == warned.id
    assert top.evidence[-1].label.startswith("Warned them, firmly and kindly on ")


def test_two_slow_answers_after_a_warning_cost_more_than_before_it(facts):
    incidents = unresponsive(facts, days=(5, 12), severity=3)
    before = facts.assess(facts.client(incidents=incidents))
    warned = facts.step(StepKind.RESTATED_TERMS, days_ago=20, about=Category.UNRESPONSIVE)

    after = facts.assess(facts.client(incidents=incidents, steps=[warned]))

    assert after.score < before.score
    assert after.verdict == Verdict.WATCH


def test_a_step_after_the_friction_ends_it_counts_no_more_than_before(facts):
    incidents = unresponsive(facts)
    step = facts.step(StepKind.WARNED, days_ago=1, about=Category.UNRESPONSIVE)

    assessment = facts.assess(facts.client(incidents=incidents, steps=[step]))

    assert assessment.verdict == Verdict.WATCH
    assert reason(assessment, "pattern:unresponsive").evidence[-1].kind == "incident"


def test_a_step_about_another_kind_of_trouble_does_not_raise_this_one(facts):
    step = facts.step(StepKind.WARNED, days_ago=60, about=Category.MICROMANAGING)

    assessment = facts.assess(facts.client(incidents=unresponsive(facts), steps=[step]))

    assert assessment.verdict == Verdict.WATCH


def test_a_step_about_the_relationship_as_a_whole_raises_everyday_friction(facts):
    step = facts.step(StepKind.PAUSED_WORK, days_ago=60)

    assessment = facts.assess(facts.client(incidents=unresponsive(facts), steps=[step]))

    assert assessment.verdict == Verdict.FIRE


def test_an_apology_is_not_telling_them(facts):
    step = facts.step(StepKind.APOLOGISED, days_ago=60, about=Category.UNRESPONSIVE)

    assessment = facts.assess(facts.client(incidents=unresponsive(facts), steps=[step]))

    assert assessment.verdict == Verdict.WATCH


def test_a_step_after_the_assessment_date_is_not_yet_known(facts):
    step = facts.step(StepKind.WARNED, days_ago=-5, about=Category.UNRESPONSIVE)
    incidents = unresponsive(facts, days=(-10, *range(3, 60, 7)))

    assessment = facts.assess(facts.client(incidents=incidents, steps=[step]))

    assert assessment.verdict == Verdict.WATCH


def test_abuse_again_after_a_warning_step_about_it_is_a_red_flag(facts):
    warned = facts.step(StepKind.WARNED, days_ago=100, about=Category.VERBAL_ABUSE)
    client = facts.client(
        incidents=[facts.incident(Category.VERBAL_ABUSE, days_ago=5, severity=1)], steps=[warned]
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    assert assessment.top_reason.rule == "repeated_verbal_abuse"
    assert [e.kind for e in assessment.top_reason.evidence] == ["incident", "step"]


def test_a_general_step_is_no_warning_about_abuse(facts):
    step = facts.step(StepKind.WARNED, days_ago=100)
    client = facts.client(
        incidents=[facts.incident(Category.VERBAL_ABUSE, days_ago=5)], steps=[step]
    )

    assert not facts.assess(client).red_flag


def test_the_earliest_step_is_the_one_that_counts(facts):
    early = facts.step(StepKind.WARNED, days_ago=300, about=Category.VERBAL_ABUSE)
    late = facts.step(StepKind.RESTATED_TERMS, days_ago=1, about=Category.VERBAL_ABUSE)
    client = facts.client(
        incidents=[facts.incident(Category.VERBAL_ABUSE, days_ago=5)], steps=[late, early]
    )

    top = facts.assess(client).top_reason

    assert top.rule == "repeated_verbal_abuse"
    assert top.evidence[-1].id == early.id


def test_competitor_leverage_once_still_fires_without_a_step(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 6),
        incidents=[facts.incident(Category.COMPETITOR_LEVERAGE, days_ago=10, severity=1)],
    )

    assert facts.assess(client).verdict == Verdict.FIRE
