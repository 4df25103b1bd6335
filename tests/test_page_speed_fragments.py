"""Kept fragments (dashboard rows, the client page's blank forms) never go stale, never
leak, and never hold a CSRF token or a nonce: they are keyed on what they show."""

import pickle
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone, translation

from clients.forms import AccountItemForm, WorkLogForm
from clients.models import Client
from clients.templatetags.clientwatch import blank_form_signature, money_display
from invoices.forms import ClientPaymentForm
from redflags.models import ClientScore
from redflags.templatetags.charts import lateness_chart, score_chart

SECRETS = re.compile(r'csrfmiddlewaretoken|X-CSRFToken|nonce="|name="once"')


@pytest.fixture(autouse=True)
def empty_fragments():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def kept_fragments() -> list[str]:
    """Everything in the (local memory) fragments cache."""
    cache = caches["fragments"]
    return [pickle.loads(value) for value in cache._cache.values()]  # noqa: S301


def without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(r'name="once" value="[^"]+"', "", html)  # each form's one-time token
    return re.sub(r'nonce="[^"]+"', "", html)


def dashboard(browser, **headers) -> str:
    response = browser.get(reverse("dashboard"), **headers)
    assert response.status_code == 200
    return response.content.decode()


def client_page(browser, client) -> str:
    response = browser.get(reverse("client_detail", args=[client.pk]))
    assert response.status_code == 200
    return response.content.decode()


# Dashboard rows


def test_a_kept_row_is_the_row_rendered_afresh(alice_client, alice, factories):
    for n in range(3):
        client = factories.client(owner=alice, name=f"Client {n}")
        factories.invoice(client=client, issued_on=timezone.localdate() - timedelta(days=60))
        factories.incident(client=client)
    dashboard(alice_client)  # scores everyone
    fresh = dashboard(alice_client)
    assert len(kept_fragments()) >= 3
    assert without_tokens(dashboard(alice_client)) == without_tokens(fresh)


def test_a_row_follows_a_bulk_update_that_skips_the_services(alice_client, alice, factories):
    acme = factories.client(owner=alice, name="Acme Studio")
    html = dashboard(alice_client)
    assert "badge status-active" in html
    # Reminders pause clients with a queryset update: no signal, no score refresh.
    Client.objects.filter(pk=acme.pk).update(status=Client.Status.PAUSED, name="Acme Paused")
    html = dashboard(alice_client)
    assert "Acme Paused" in html and "badge status-paused" in html
    assert "Acme Studio" not in html


def test_a_row_follows_a_score_written_behind_its_back(alice_client, alice, factories):
    acme = factories.client(owner=alice, name="Acme Studio")
    dashboard(alice_client)
    ClientScore.objects.filter(client=acme).update(
        score=13, verdict=ClientScore.Verdict.FIRE, top_reason="Threatened to sue"
    )
    html = dashboard(alice_client)
    assert "<strong>13</strong>" in html and "Threatened to sue" in html


def test_rows_are_never_shared_between_freelancers(client, alice, bob, factories):
    mine = factories.client(owner=alice, name="Same Name", ref="same")
    theirs = factories.client(owner=bob, name="Same Name", ref="same")
    client.force_login(alice)
    dashboard(client)
    client.force_login(bob)
    html = dashboard(client)
    assert reverse("client_detail", args=[theirs.pk]) in html
    assert reverse("client_detail", args=[mine.pk]) not in html


def test_rows_follow_the_language(alice_client, alice, factories):
    factories.client(owner=alice, name="Acme Studio")
    assert 'data-label="Status"' in dashboard(alice_client, HTTP_ACCEPT_LANGUAGE="en")
    finnish = dashboard(alice_client, HTTP_ACCEPT_LANGUAGE="fi")
    assert 'data-label="Status"' not in finnish
    assert 'data-label="Tila"' in finnish


# The client page's blank forms


def test_kept_forms_hold_no_token_and_no_nonce(alice_client, acme, factories):
    factories.invoice(client=acme)  # an open invoice: the payment form shows too
    client_page(alice_client, acme)
    kept = kept_fragments()
    assert kept
    assert not [html for html in kept if SECRETS.search(html)]


def test_a_kept_form_is_the_form_rendered_afresh(alice_client, acme):
    fresh = client_page(alice_client, acme)
    assert without_tokens(client_page(alice_client, acme)) == without_tokens(fresh)


def test_the_quick_invoice_form_follows_the_clients_currency_and_terms(alice_client, acme):
    client_page(alice_client, acme)
    Client.objects.filter(pk=acme.pk).update(currency="MYR", payment_terms_days=45)
    html = client_page(alice_client, acme)
    assert re.search(r'<option value="MYR" selected>', html)
    due = timezone.localdate() + timedelta(days=45)
    assert f'value="{due.isoformat()}"' in html


def test_a_rejected_form_shows_its_errors_and_the_next_page_a_blank_form(alice_client, acme):
    client_page(alice_client, acme)
    url = reverse("work_log_create", args=[acme.pk])
    rejected = alice_client.post(url, {"hours": "-3"}, HTTP_HX_REQUEST="true")
    assert rejected.status_code == 422
    assert "has-error" in rejected.content.decode()
    assert "has-error" not in client_page(alice_client, acme)


def test_only_blank_forms_of_plain_data_are_kept(acme):
    assert blank_form_signature(WorkLogForm()) is not None
    assert blank_form_signature(WorkLogForm(data={"hours": "1"})) is None
    # Its invoices come from a query: rendered each time, and no query spent on a key.
    assert blank_form_signature(ClientPaymentForm(client=acme)) is None


def test_anything_that_changes_a_blank_form_changes_its_signature():
    plain = blank_form_signature(AccountItemForm())
    assert blank_form_signature(AccountItemForm()) == plain
    assert blank_form_signature(AccountItemForm(initial={"name": "Ads"})) != plain
    form = AccountItemForm()
    form.fields["notes"].widget.attrs["rows"] = 9
    assert blank_form_signature(form) != plain
    form = AccountItemForm()
    form.fields["name"].help_text = "Say which one."
    assert blank_form_signature(form) != plain
    with translation.override("fi"):
        finnish = blank_form_signature(AccountItemForm())
    assert finnish != plain  # labels are part of it, in the language they show in


# Pure helpers


def test_amounts_keep_their_own_precision_in_the_readers_language():
    assert money_display(Decimal("1200.00"), "EUR") == "€1,200.00"
    assert money_display(Decimal("1200.5"), "EUR") == "€1,200.50"
    assert money_display(1200, "EUR") == "€1,200.00"
    with translation.override("fi"):
        assert money_display(Decimal("1200.00"), "EUR") == "1\xa0200,00\xa0€"
    assert money_display(None, "EUR") == ""


def test_the_lateness_chart_markup():
    assert lateness_chart([0, 20], 20, 10) == (
        '<svg class="lateness-chart" xmlns="http://www.w3.org/2000/svg" width="20" '
        'height="10" viewBox="0 0 20 10" role="img" '
        'aria-label="Days late per invoice, oldest first: 0, 20">'
        '<rect x="0" y="8" width="9" height="2" class="bar on-time" fill="#2e7d32"/>'
        '<rect x="10" y="7" width="9" height="3" class="bar very-late" fill="#c0392b"/></svg>'
    )
    assert lateness_chart([]) == ""


def test_the_score_chart_escapes_nothing_it_should_not():
    class Point:
        score = 55

    day = timezone.localdate()
    svg = score_chart([(day, Point()), (day, Point())], 70, 40, 10, 10)
    assert svg.startswith('<svg class="score-chart"') and svg.count("<circle") == 2
    assert "55" in svg and "&lt;" not in svg
