"""The freelancer tunes the rules; every client is scored again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.services import profile_for
from redflags.assess import rule_settings_for, scores_refresh
from redflags.models import ClientScore
from redflags.rules.settings import TUNABLES, RuleSettings

pytestmark = pytest.mark.django_db


def rules_post(**changes):
    defaults = RuleSettings()
    data = {
        t.name: getattr(defaults, t.name)
        for t in TUNABLES
        if t.name not in {"target_hourly_rate", "target_currency"}
    }
    data.update(changes)
    return {k: "" if v is None else str(v) for k, v in data.items()}


@pytest.fixture
def abusive_once(alice, factories):
    client = factories.client(owner=alice, name="Snappy Ltd")
    factories.incident(
        client=client,
        category="verbal_abuse",
        severity=4,
        occurred_on=timezone.localdate() - timedelta(days=5),
    )
    scores_refresh(alice)
    return client


def test_raising_a_weight_moves_the_verdict(alice_client, alice, abusive_once):
    assert ClientScore.objects.get(client=abusive_once).verdict == "watch"
    response = alice_client.post(reverse("rule_settings"), rules_post(verbal_abuse_points=80))
    assert response.status_code == 302
    assert ClientScore.objects.get(client=abusive_once).verdict == "fire"
    assert rule_settings_for(profile_for(alice)).verbal_abuse_points == 80
    assert profile_for(alice).rule_overrides == {"verbal_abuse_points": 80}


def test_restore_defaults_clears_every_override(alice_client, alice, abusive_once):
    alice_client.post(reverse("rule_settings"), rules_post(verbal_abuse_points=80))
    alice_client.post(reverse("rule_settings"), {"restore_defaults": "1"})
    assert profile_for(alice).rule_overrides == {}
    assert ClientScore.objects.get(client=abusive_once).verdict == "watch"


@pytest.mark.parametrize(
    "changes",
    [
        {"keep_at": 30, "watch_at": 60},
        {"verbal_abuse_points": -1},
        {"half_life_days": "soon"},
        {"late_day_points": "1e999"},
    ],
)
def test_bad_rule_values_are_refused_and_nothing_changes(
    alice_client, alice, abusive_once, changes
):
    response = alice_client.post(reverse("rule_settings"), rules_post(**changes))
    assert response.status_code == 422
    assert response.context["rules_form"].errors
    assert profile_for(alice).rule_overrides == {}


def test_the_settings_page_shows_every_rule_weight(alice_client):
    page = alice_client.get(reverse("profile_settings")).content.decode()
    for tunable in TUNABLES:
        if tunable.name not in {"target_hourly_rate", "target_currency"}:
            assert f'name="{tunable.name}"' in page
