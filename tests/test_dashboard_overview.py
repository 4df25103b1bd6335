"""The dashboard's header: clients by verdict, the money at risk per currency, and what
needs acting on today, each of the owner's own data only."""

import re
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from tests.test_client_pages import HTMX


def header(response) -> str:
    html = response.content.decode()
    return html.split('<section class="overview"', 1)[1].split("</section>", 1)[0]


def counts(html: str) -> dict[str, int]:
    return {
        verdict: int(count)
        for verdict, count in re.findall(
            r'class="verdict-count verdict-(\w+)"><span class="count">(\d+)</span>', html
        )
    }


def test_the_header_counts_clients_by_verdict_leaving_dropped_ones_out(
    alice_client, alice, factories
):
    factories.client(owner=alice, name="Calm Co")
    factories.client(owner=alice, name="Quiet Ltd")
    factories.incident(client=factories.client(owner=alice, name="Fibber Inc"), category="lying")
    factories.incident(
        client=factories.client(owner=alice, name="Gone Oy", status=Client.Status.DROPPED),
        category="lying",
    )
    html = header(alice_client.get(reverse("dashboard")))
    assert counts(html) == {"keep": 2, "watch": 0, "fire": 1}
    assert 'href="?verdict=fire"' in html


def test_the_header_lists_each_currency_once_on_one_line(alice_client, alice, factories):
    long_ago = timezone.localdate() - timedelta(days=60)
    for currency, amount in (("EUR", "1200.00"), ("EUR", "50.00"), ("MYR", "300.00")):
        client = factories.client(owner=alice, currency=currency)
        factories.invoice(client=client, issued_on=long_ago, amount=Decimal(amount))
    factories.invoice(
        client=factories.client(owner=alice, currency="IDR"),
        amount=Decimal("1234567890.00"),
        disputed=True,
        dispute_reason="Scope",
    )
    html = header(alice_client.get(reverse("dashboard")))
    assert (
        '<span class="amount overdue">€1,250.00</span> · '
        '<span class="amount overdue">MYR300.00</span>'
    ) in html
    assert '<span class="amount disputed">IDR1,234,567,890.00</span>' in html
    assert "," not in html.split("€1,250.00", 1)[1].split("MYR", 1)[0]  # no comma between


def test_the_header_says_what_to_act_on_today(alice_client, alice, factories):
    today = timezone.localdate()
    acme = factories.client(owner=alice, name="Acme")
    # Three days overdue: the nudge is due; fell overdue this week.
    factories.invoice(client=acme, issued_on=today - timedelta(17), due_on=today - timedelta(3))
    # Overdue for a month: not new, and its nudge is due as well.
    factories.invoice(client=acme, issued_on=today - timedelta(44), due_on=today - timedelta(30))
    # Due today: not overdue yet.
    factories.invoice(client=acme, issued_on=today - timedelta(14), due_on=today)
    response = alice_client.get(reverse("dashboard"))
    overview = response.context["overview"]
    assert (overview.newly_overdue, overview.reminders_due) == (1, 2)
    html = header(response)
    assert "2 payment reminders are due to go out" in html
    assert "1 invoice fell overdue in the last 7 days" in html


def test_nothing_to_act_on_says_so(alice_client, alice, factories):
    factories.client(owner=alice)
    html = header(alice_client.get(reverse("dashboard")))
    assert "Nothing new: no reminder due, no invoice newly overdue." in html
    assert "Nothing overdue or in dispute." in html


def test_the_header_shows_nothing_of_another_freelancer(alice_client, alice, bob, factories):
    today = timezone.localdate()
    theirs = factories.client(owner=bob, currency="MYR")
    factories.incident(client=theirs, category="lying")
    factories.invoice(client=theirs, issued_on=today - timedelta(17), due_on=today - timedelta(3))
    factories.invoice(client=theirs, amount=Decimal("777.00"), disputed=True, dispute_reason="x")
    factories.client(owner=alice)
    response = alice_client.get(reverse("dashboard"))
    overview = response.context["overview"]
    assert overview.verdicts == {"keep": 1, "watch": 0, "fire": 0}
    assert (overview.newly_overdue, overview.reminders_due) == (0, 0)
    assert not overview.money
    assert "MYR" not in header(response)


def test_the_client_list_swapped_by_htmx_skips_the_header(alice_client, alice, factories):
    factories.client(owner=alice)
    response = alice_client.get(reverse("dashboard"), {"sort": "name"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="client-list"')
    assert 'class="overview"' not in html


def test_the_score_sort_says_what_it_sorts_by(alice_client, alice, factories):
    factories.client(owner=alice)
    html = alice_client.get(reverse("dashboard")).content.decode()
    assert "Worst first: red flags, then the lowest score." in html
