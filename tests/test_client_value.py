"""What a client is worth, on the client page: money over 12 months, share of income,
effective rate against the target, tenure, and what could not be compared."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.services import exchange_rate_add, profile_for, profile_update
from redflags.assess import scores_refresh
from redflags.models import ClientScore

pytestmark = pytest.mark.django_db


def paid_monthly(client, factories, months=12, amount="2000.00"):
    today = timezone.localdate()
    for month in range(months):
        issued = today - timedelta(days=30 * month + 20)
        invoice = factories.invoice(client=client, issued_on=issued, amount=Decimal(amount))
        factories.payment(invoice=invoice, paid_on=invoice.due_on)


def friction(client, factories):
    """Unanswered for six weeks, and advice ignored twice: lesser problems, fire alone."""
    today = timezone.localdate()
    for days in (2, 9, 16, 23, 30, 37):
        factories.incident(
            client=client, category="unresponsive", occurred_on=today - timedelta(days=days)
        )
    for days in (5, 20):
        factories.incident(
            client=client, category="ignored_advice", occurred_on=today - timedelta(days=days)
        )


def test_a_big_client_with_friction_is_watch_with_a_plan_and_a_small_one_fire(alice, factories):
    big = factories.client(
        owner=alice, name="Big Co", started_on=timezone.localdate() - timedelta(days=800)
    )
    small = factories.client(owner=alice, name="Small Co")
    paid_monthly(big, factories, amount="4000.00")
    paid_monthly(small, factories, amount="100.00")
    for client in (big, small):
        friction(client, factories)

    scores_refresh(alice)

    big_score, small_score = (ClientScore.objects.get(client=c) for c in (big, small))
    assert big_score.verdict == "watch"
    assert big_score.reasons[0]["rule"] == "value"
    assert big_score.top_reason == "A large share of your income: a plan before letting go"
    assert big_score.worth.share_percent == 98
    assert small_score.verdict == "fire"
    assert small_score.worth.share_percent == 2


def test_the_client_page_shows_money_share_rate_and_tenure(alice_client, alice, factories):
    profile_update(profile=profile_for(alice), fields={"target_hourly_rate": Decimal(60)})
    acme = factories.client(owner=alice, started_on=timezone.localdate() - timedelta(days=800))
    other = factories.client(owner=alice)
    paid_monthly(acme, factories, months=6)
    paid_monthly(other, factories, months=6)
    for days in range(1, 150, 5):
        factories.work_log(
            client=acme, hours=Decimal(8), worked_on=timezone.localdate() - timedelta(days=days)
        )
    scores_refresh(alice)

    page = alice_client.get(reverse("client_detail", args=[acme.pk])).content.decode()

    worth = page.split('id="worth"')[1].split("</p>")[0]
    assert "€12,000.00" in worth and "received" in worth
    assert "50% of your income" in worth
    assert "€50.00 an hour against a target of €60.00" in worth
    assert "with you for 2 years" in worth


def test_the_page_says_what_could_not_be_compared_for_lack_of_a_rate(
    alice_client, alice, factories
):
    profile_update(profile=profile_for(alice), fields={"target_hourly_rate": Decimal(60)})
    jakarta = factories.client(owner=alice, currency="IDR", name="Jakarta Mart")
    paid_monthly(jakarta, factories, months=3, amount="5000000.00")
    factories.work_log(client=jakarta, hours=Decimal(8))
    scores_refresh(alice)

    page = alice_client.get(reverse("client_detail", args=[jakarta.pk])).content.decode()
    assert "Money in IDR could not be compared with EUR" in page
    assert 'href="/settings/#rates"' in page
    assert "% of your income" not in page

    exchange_rate_add(
        owner=alice,
        fields={"base": "EUR", "quote": "IDR", "on": timezone.localdate(), "rate": Decimal(17000)},
    )
    page = alice_client.get(reverse("client_detail", args=[jakarta.pk])).content.decode()
    assert "could not be compared" not in page
    assert "100% of your income" in page
    assert "an hour against a target of €60.00" in page


def test_the_worth_is_shown_in_the_readers_language(alice_client, alice, factories):
    acme = factories.client(owner=alice, currency="IDR")
    paid_monthly(acme, factories, months=2)
    scores_refresh(alice)

    page = alice_client.get(
        reverse("client_detail", args=[acme.pk]), HTTP_ACCEPT_LANGUAGE="fi"
    ).content.decode()

    assert "IDR" in page
    assert "Money in IDR could not be compared" not in page
