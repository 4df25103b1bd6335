"""Where the problem is: a number per area, stored with the assessment and shown on the
client page and the dashboard row."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from redflags.assess import client_score_refresh
from redflags.models import Area, ClientScore, StepKind
from redflags.rules.areas import AREAS
from redflags.rules.facts import STEP_KINDS
from tests.test_client_pages import page

TODAY = timezone.localdate()


def test_the_models_use_the_engines_slugs():
    assert tuple(Area.values) == AREAS
    assert tuple(StepKind.values) == STEP_KINDS


def slow_client(factories, owner):
    client = factories.client(owner=owner, name="Slow Reply Oy")
    for days in (2, 9, 16):
        factories.incident(
            client=client, occurred_on=TODAY - timedelta(days=days), category="unresponsive"
        )
    client_score_refresh(client)
    return client


def test_the_stored_assessment_keeps_a_number_per_area(alice, factories):
    client = slow_client(factories, alice)

    areas = ClientScore.objects.get(client=client).areas

    assert set(areas) == set(AREAS)
    assert areas["conduct"] < 100
    assert areas["money"] == areas["scope"] == areas["effort"] == 100


def test_the_client_page_shows_every_area(alice_client, alice, factories):
    client = slow_client(factories, alice)
    conduct = ClientScore.objects.get(client=client).areas["conduct"]

    html = page(alice_client.get(reverse("client_detail", args=[client.pk])))

    assert 'aria-label="Where the problem is"' in html
    assert f"Conduct {conduct}" in html
    assert "Money 100" in html and "Effort 100" in html


def test_the_dashboard_row_shows_only_the_areas_with_a_problem(alice_client, alice, factories):
    client = slow_client(factories, alice)
    conduct = ClientScore.objects.get(client=client).areas["conduct"]

    html = page(alice_client.get(reverse("dashboard")))

    assert f"Conduct {conduct}" in html
    assert "Money 100" not in html


def test_the_areas_are_named_in_the_readers_language(alice_client, alice, factories):
    client = slow_client(factories, alice)
    conduct = ClientScore.objects.get(client=client).areas["conduct"]

    dashboard = alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="fi")
    detail = alice_client.get(reverse("client_detail", args=[client.pk]), HTTP_ACCEPT_LANGUAGE="fy")

    assert f"Käytös {conduct}" in dashboard.content.decode()
    assert 'aria-label="Missä ongelma on"' in dashboard.content.decode()
    assert f"Gedrach {conduct}" in detail.content.decode()
    assert "Jild 100" in detail.content.decode()
