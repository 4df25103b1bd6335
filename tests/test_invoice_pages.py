"""Invoice and payment pages, and the invoice/payment forms of the client page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from invoices.models import Invoice, Payment
from tests.test_client_pages import HTMX, html_problems, page

TODAY = timezone.localdate()
INVOICE_POST = {
    "number": "2025-001",
    "issued_on": (TODAY - timedelta(days=5)).isoformat(),
    "due_on": (TODAY + timedelta(days=9)).isoformat(),
    "amount": "1500.00",
    "currency": "EUR",
    "state": "sent",
    "reminders_enabled": "on",
    "notes": "",
}
PAYMENT_POST = {"paid_on": TODAY.isoformat(), "amount": "500.00", "note": "Bank transfer"}


@pytest.fixture
def invoice(acme, factories):
    return factories.invoice(client=acme, number="INV-7", amount=Decimal("1200.00"))


# Invoices


def test_the_new_invoice_page_defaults_to_the_clients_currency_and_terms(alice_client, acme):
    acme.currency = "MYR"
    acme.payment_terms_days = 30
    acme.save()
    html = page(alice_client.get(reverse("invoice_create", args=[acme.pk])))
    assert '<option value="MYR" selected>' in html
    assert f'value="{(TODAY + timedelta(days=30)).isoformat()}"' in html


def test_adding_an_invoice_without_javascript_redirects_to_the_client(alice_client, alice, acme):
    response = alice_client.post(reverse("invoice_create", args=[acme.pk]), INVOICE_POST)
    assert response.status_code == 302
    assert response.url == reverse("client_detail", args=[acme.pk])
    invoice = Invoice.objects.get(client=acme)
    assert invoice.owner == alice
    assert invoice.amount == Decimal("1500.00")
    assert "Invoice 2025-001 added." in page(alice_client.get(response.url))


def test_adding_an_invoice_with_htmx_returns_the_timeline_and_a_fresh_payment_form(
    alice_client, acme
):
    response = alice_client.post(reverse("invoice_create", args=[acme.pk]), INVOICE_POST, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "2025-001" in html
    # The new invoice is open, so the payment form (swapped out of band) offers it.
    payment_form = html[html.index('<details id="add-payment"') :]
    assert "2025-001: €1,500.00 still owed" in payment_form
    assert '<details id="add-invoice" class="add-box" open hx-swap-oob="true">' in html


def test_a_rejected_invoice_with_htmx_rerenders_the_form_with_errors(alice_client, acme):
    post = INVOICE_POST | {"amount": "-5"}
    response = alice_client.post(reverse("invoice_create", args=[acme.pk]), post, **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#add-invoice"
    html = response.content.decode()
    assert html_problems(html, fragment=True) == []
    assert "Enter an amount above zero." in html
    assert not Invoice.objects.exists()


def test_the_invoice_page_shows_status_balance_and_payments(alice_client, invoice, factories):
    factories.payment(invoice=invoice, amount=Decimal("200.00"), note="first half")
    html = page(alice_client.get(reverse("invoice_detail", args=[invoice.pk])))
    assert "Invoice INV-7" in html
    assert "status-overdue" in html
    assert "€1,000.00" in html  # still owed
    assert "first half" in html
    assert 'value="1000.00"' in html  # the payment form proposes the balance


def test_editing_an_invoice(alice_client, invoice):
    html = page(alice_client.get(reverse("invoice_edit", args=[invoice.pk])))
    assert 'value="INV-7"' in html
    post = INVOICE_POST | {"number": "INV-7", "disputed": "on", "dispute_reason": "Says too dear"}
    response = alice_client.post(reverse("invoice_edit", args=[invoice.pk]), post)
    assert response.url == reverse("invoice_detail", args=[invoice.pk])
    invoice.refresh_from_db()
    assert invoice.disputed
    assert invoice.amount == Decimal("1500.00")


def test_editing_an_invoice_with_htmx(alice_client, invoice):
    url = reverse("invoice_edit", args=[invoice.pk])
    response = alice_client.post(url, INVOICE_POST | {"disputed": "on"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="invoice-form"')
    assert "Say what the client disputes." in html
    response = alice_client.post(url, INVOICE_POST, **HTMX)
    assert response["HX-Redirect"] == reverse("invoice_detail", args=[invoice.pk])


def test_deleting_an_invoice_asks_first(alice_client, acme, invoice):
    html = page(alice_client.get(reverse("invoice_delete", args=[invoice.pk])))
    assert "Delete invoice INV-7?" in html
    response = alice_client.post(reverse("invoice_delete", args=[invoice.pk]))
    assert response.url == reverse("client_detail", args=[acme.pk])
    assert not Invoice.objects.exists()


def test_deleting_an_invoice_from_the_timeline_with_htmx(alice_client, invoice):
    response = alice_client.post(
        reverse("invoice_delete", args=[invoice.pk]), HTTP_HX_TARGET="timeline", **HTMX
    )
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "INV-7" not in html.split('id="messages"')[0]
    assert not Invoice.objects.exists()


# Payments


def test_recording_a_payment_on_the_invoice_page_without_javascript(alice_client, invoice):
    page(alice_client.get(reverse("payment_create", args=[invoice.pk])))
    response = alice_client.post(reverse("payment_create", args=[invoice.pk]), PAYMENT_POST)
    assert response.url == reverse("invoice_detail", args=[invoice.pk])
    assert Payment.objects.get(invoice=invoice).amount == Decimal("500.00")


def test_recording_a_payment_with_htmx_returns_the_invoice_body(alice_client, invoice):
    response = alice_client.post(reverse("payment_create", args=[invoice.pk]), PAYMENT_POST, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<div id="invoice-body"')
    assert "€700.00" in html  # still owed
    assert "Payment recorded." in html


def test_a_rejected_payment_with_htmx_shows_the_error_in_the_invoice_body(alice_client, invoice):
    post = PAYMENT_POST | {"amount": "5000"}
    response = alice_client.post(reverse("payment_create", args=[invoice.pk]), post, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html_problems(html, fragment=True) == []
    assert "That is more than the €1,200.00 still owed on this invoice" in html
    assert not Payment.objects.exists()


def test_recording_a_payment_from_the_client_page_with_htmx(alice_client, acme, invoice):
    post = PAYMENT_POST | {"invoice": invoice.pk, "amount": "1200.00"}
    response = alice_client.post(reverse("client_payment_create", args=[acme.pk]), post, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "status-paid" in html
    # Paid in full: no open invoice left to offer.
    assert "No open invoices" in html[html.index('<details id="add-payment"') :]
    assert Payment.objects.get().amount == Decimal("1200.00")


def test_recording_a_payment_from_the_client_page_without_javascript(alice_client, acme, invoice):
    page(alice_client.get(reverse("client_payment_create", args=[acme.pk])))
    post = PAYMENT_POST | {"invoice": invoice.pk}
    response = alice_client.post(reverse("client_payment_create", args=[acme.pk]), post)
    assert response.url == reverse("client_detail", args=[acme.pk])
    assert Payment.objects.get().invoice == invoice


def test_a_rejected_client_page_payment_with_htmx_rerenders_the_form(alice_client, acme, invoice):
    post = PAYMENT_POST | {"invoice": invoice.pk, "amount": "abc"}
    response = alice_client.post(reverse("client_payment_create", args=[acme.pk]), post, **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#add-payment"
    assert response.content.decode().lstrip().startswith('<details id="add-payment"')


def test_the_client_page_payment_form_refuses_another_clients_invoice(
    alice_client, alice, acme, factories
):
    other = factories.invoice(client=factories.client(owner=alice))
    post = PAYMENT_POST | {"invoice": other.pk}
    html = page(alice_client.post(reverse("client_payment_create", args=[acme.pk]), post))
    assert "Pick one of this client&#x27;s open invoices." in html
    assert not Payment.objects.exists()


def test_editing_a_payment(alice_client, invoice, factories):
    payment = factories.payment(invoice=invoice, amount=Decimal("100.00"))
    page(alice_client.get(reverse("payment_edit", args=[payment.pk])))
    response = alice_client.post(
        reverse("payment_edit", args=[payment.pk]), PAYMENT_POST | {"amount": "300"}
    )
    assert response.url == reverse("invoice_detail", args=[invoice.pk])
    payment.refresh_from_db()
    assert payment.amount == Decimal("300.00")


def test_editing_a_payment_with_htmx(alice_client, invoice, factories):
    payment = factories.payment(invoice=invoice, amount=Decimal("100.00"))
    url = reverse("payment_edit", args=[payment.pk])
    response = alice_client.post(url, PAYMENT_POST | {"amount": "0"}, **HTMX)
    assert response.status_code == 422
    response = alice_client.post(url, PAYMENT_POST | {"amount": "250"}, **HTMX)
    assert response["HX-Redirect"] == reverse("invoice_detail", args=[invoice.pk])


def test_deleting_a_payment_asks_first(alice_client, invoice, factories):
    payment = factories.payment(invoice=invoice)
    page(alice_client.get(reverse("payment_delete", args=[payment.pk])))
    response = alice_client.post(reverse("payment_delete", args=[payment.pk]))
    assert response.url == reverse("invoice_detail", args=[invoice.pk])
    assert not Payment.objects.exists()


def test_deleting_a_payment_with_htmx_from_the_invoice_page(alice_client, invoice, factories):
    payment = factories.payment(invoice=invoice)
    response = alice_client.post(
        reverse("payment_delete", args=[payment.pk]), HTTP_HX_TARGET="invoice-body", **HTMX
    )
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<div id="invoice-body"')
    assert "No payments yet." in html


def test_deleting_a_payment_with_htmx_from_the_timeline(alice_client, invoice, factories):
    payment = factories.payment(invoice=invoice)
    response = alice_client.post(
        reverse("payment_delete", args=[payment.pk]), HTTP_HX_TARGET="timeline", **HTMX
    )
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert not Payment.objects.exists()


# Ownership


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("invoice_detail", "get"),
        ("invoice_edit", "get"),
        ("invoice_edit", "post"),
        ("invoice_delete", "get"),
        ("invoice_delete", "post"),
        ("payment_create", "get"),
        ("payment_create", "post"),
    ],
)
def test_bob_gets_404_for_alices_invoices(client, bob, invoice, name, method):
    client.force_login(bob)
    response = getattr(client, method)(reverse(name, args=[invoice.pk]), INVOICE_POST)
    assert response.status_code == 404
    assert Invoice.objects.get(pk=invoice.pk).number == "INV-7"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("name", ["invoice_create", "client_payment_create"])
def test_bob_cannot_add_to_alices_client(client, bob, acme, invoice, name):
    client.force_login(bob)
    assert client.get(reverse(name, args=[acme.pk])).status_code == 404
    post = INVOICE_POST | PAYMENT_POST | {"invoice": invoice.pk}
    assert client.post(reverse(name, args=[acme.pk]), post).status_code == 404
    assert Invoice.objects.count() == 1
    assert not Payment.objects.exists()


@pytest.mark.parametrize("name", ["payment_edit", "payment_delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_bob_gets_404_for_alices_payments(client, bob, invoice, factories, name, method):
    payment = factories.payment(invoice=invoice, amount=Decimal("10.00"))
    client.force_login(bob)
    response = getattr(client, method)(reverse(name, args=[payment.pk]), PAYMENT_POST)
    assert response.status_code == 404
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("10.00")


def test_bob_cannot_pay_alices_invoice_from_his_own_client_page(client, bob, invoice, factories):
    bobs_client = factories.client(owner=bob)
    client.force_login(bob)
    post = PAYMENT_POST | {"invoice": invoice.pk}
    response = client.post(reverse("client_payment_create", args=[bobs_client.pk]), post)
    assert response.status_code == 200
    assert "Pick one of this client&#x27;s open invoices." in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize("rows", [2, 20])
def test_the_invoice_page_costs_the_same_queries_for_2_or_20_payments(
    alice_client, invoice, factories, django_assert_num_queries, rows
):
    for _ in range(rows):
        factories.payment(invoice=invoice, amount=Decimal("1.00"))
    # session, user, invoice with client, payments, reminders, late fees
    with django_assert_num_queries(6):
        response = alice_client.get(reverse("invoice_detail", args=[invoice.pk]))
    assert response.status_code == 200
