"""How sure the engine is, and a number that tells the same story as the verdict."""

import pytest

from redflags.rules import Category, InvalidSettings, RuleSettings, Verdict


def test_a_brand_new_client_is_too_early_to_tell_not_a_clean_keep(facts):
    client = facts.client(
        invoices=[facts.invoice(due_days_ago=-10, days_late=None)], started_days_ago=5
    )

    assessment = facts.assess(client)

    assert assessment.too_early
    assert assessment.verdict == Verdict.WATCH
    assert assessment.score < RuleSettings().keep_at


def test_a_red_flag_counts_at_once_on_a_new_client(facts):
    client = facts.client(incidents=[facts.incident(Category.LYING)], started_days_ago=3)

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    assert not assessment.too_early


def test_what_is_known_so_far_still_counts(facts):
    client = facts.client(
        incidents=[facts.incident(Category.VERBAL_ABUSE, days_ago=2)], started_days_ago=10
    )

    assessment = facts.assess(client)

    assert assessment.too_early
    assert assessment.top_reason.rule == "verbal_abuse"


def test_three_invoices_or_sixty_days_are_enough_history(facts):
    three = facts.client(
        invoices=facts.monthly([0, 0, 0], last_due_days_ago=-5), started_days_ago=0
    )
    old = facts.client(invoices=[facts.invoice(due_days_ago=5)], started_days_ago=60)
    young = facts.client(invoices=[facts.invoice(due_days_ago=5)], started_days_ago=59)

    assert facts.assess(three).verdict == Verdict.KEEP
    assert facts.assess(old).verdict == Verdict.KEEP
    assert facts.assess(young).too_early


def test_how_much_history_is_enough_is_tunable(facts):
    client = facts.client(invoices=[facts.invoice(due_days_ago=5)], started_days_ago=100)

    assert facts.assess(client, RuleSettings(early_days=120)).too_early
    assert not facts.assess(client, RuleSettings(early_invoices=1, early_days=120)).too_early


def test_a_red_flag_client_scores_below_one_with_many_lesser_problems(facts):
    liar = facts.client(
        invoices=facts.monthly([0] * 12), incidents=[facts.incident(Category.LYING)]
    )
    everything_else = facts.client(
        invoices=facts.monthly([30] * 6 + [None], last_due_days_ago=40),
        incidents=[
            facts.incident(category, days_ago=days)
            for category in (Category.UNRESPONSIVE, Category.SCOPE_CHANGE, Category.THREAT)
            for days in (5, 20, 35, 50, 65)
        ],
    )

    worst = facts.assess(liar)
    bad = facts.assess(everything_else)

    assert bad.verdict == worst.verdict == Verdict.FIRE
    assert worst.score < bad.score
    assert bad.score == RuleSettings().red_flag_below


def test_red_flag_below_may_not_be_above_the_watch_score():
    with pytest.raises(InvalidSettings) as error:
        RuleSettings.from_overrides({"red_flag_below": 50, "watch_at": 40})
    assert "red_flag_below" in error.value.keys


def test_nothing_known_at_all_is_too_early(facts):
    assert facts.assess(facts.client(started_days_ago=None)).too_early
    assert facts.assess(facts.client(started_days_ago=59)).too_early
    assert not facts.assess(facts.client(started_days_ago=60)).too_early
