"""Two requests at once, on PostgreSQL with a connection each: both pass the form's
checks before either inserts (a Barrier inside `connection.execute_wrapper`), and the
database's unique indexes decide. Never two rows, never a server error."""

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, FormToken
from clients.services import profile_for
from clientwatch.once import FIELD, token_make
from invoices.models import Invoice, Payment, Receipt
from tests.conftest import skip_or_fail
from tests.test_client_pages import CLIENT_POST
from tests.test_import_pages import CSV, csv_file
from tests.test_invoice_pages import INVOICE_POST

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: two real connections racing")


def race(user, posts, *, hold: str, cookies=None, update=False):
    """POST each (url, data, headers) from its own thread and connection, all held at
    their first INSERT INTO `hold` (UPDATE with `update`) until every one has reached
    it. Returns the responses in order."""
    all_there = threading.Barrier(len(posts), timeout=10)
    statement = "UPDATE" if update else "INSERT INTO"
    responses = [None] * len(posts)

    def submit(index, url, data, headers):
        held = False

        def hold_the_insert(execute, sql, params, many, context):
            nonlocal held
            if not held and sql.startswith(f'{statement} "{hold}"'):
                held = True
                all_there.wait()
            return execute(sql, params, many, context)

        try:
            browser = Browser(raise_request_exception=True)
            if cookies is None:
                browser.force_login(user)
            else:
                browser.cookies = cookies
            with connection.execute_wrapper(hold_the_insert):
                responses[index] = browser.post(url, data, **headers)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(i, url, data, headers))
        for i, (url, data, headers) in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(r is not None for r in responses), "a request did not finish"
    return responses


@pytest.fixture
def invoice(alice, factories, celery_eager):
    profile = profile_for(alice)
    profile.receipts_enabled = True
    profile.save()
    client = factories.client(owner=alice, name="Slow Pay Ltd", email="ap@slowpay.example")
    client.receipts_enabled = True
    client.save()
    return factories.invoice(client=client, number="INV-7", amount=Decimal("1200.00"))


PAYMENT_POST = {
    "paid_on": TODAY.isoformat(),
    "amount": "500.00",
    "note": "Bank transfer",
    "send_receipt": "on",
}


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_two_identical_payment_submissions_record_one_payment_and_send_one_receipt(
    alice, invoice, headers
):
    post = PAYMENT_POST | {FIELD: token_make(owner=alice)}
    url = reverse("payment_create", args=[invoice.pk])
    mail.outbox.clear()
    responses = race(alice, [(url, post, headers)] * 2, hold="clients_formtoken")
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert Receipt.objects.filter(payment__invoice=invoice).count() == 1
    assert [m.to for m in mail.outbox] == [["ap@slowpay.example"]]
    page_url = reverse("invoice_detail", args=[invoice.pk])
    if headers:
        # The first gets the invoice body back; the repeat is sent to the invoice page.
        assert sorted(r.status_code for r in responses) == [200, 200]
        assert [r.headers.get("HX-Redirect") for r in responses].count(page_url) == 1
    else:
        assert [r.status_code for r in responses] == [302, 302]
        assert {r.url for r in responses} == {page_url}


def test_the_repeat_of_a_payment_shows_the_first_ones_page_saying_it_was_saved(alice, invoice):
    post = PAYMENT_POST | {FIELD: token_make(owner=alice)}
    url = reverse("payment_create", args=[invoice.pk])
    browser = Browser()
    browser.force_login(alice)
    first = browser.post(url, post)
    again = browser.post(url, post, follow=True)
    assert again.redirect_chain == [(first.url, 302)]
    html = again.content.decode()
    assert "This was already saved" in html
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_two_payments_from_the_client_page_with_one_token_record_one(alice, invoice):
    post = PAYMENT_POST | {"invoice": invoice.pk, FIELD: token_make(owner=alice)}
    url = reverse("client_payment_create", args=[invoice.client_id])
    race(alice, [(url, post, HTMX)] * 2, hold="clients_formtoken")
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_two_new_clients_racing_for_one_ref_make_one_and_the_other_shows_the_field_error(
    alice,
):
    posts = [
        (
            reverse("client_create"),
            CLIENT_POST | {"name": name, "ref": "fox", FIELD: token_make(owner=alice)},
            {},
        )
        for name in ("Blue Fox", "Red Fox")
    ]
    responses = race(alice, posts, hold="clients_client")
    assert Client.objects.for_owner(alice).filter(ref="fox").count() == 1
    assert sorted(r.status_code for r in responses) == [200, 302]
    loser = next(r for r in responses if r.status_code == 200)
    assert "You already have a client with the reference “fox”." in str(
        loser.context["form"].errors["ref"]
    )
    # Nothing of the loser's is kept: its token is free to submit the corrected form.
    assert FormToken.objects.for_owner(alice).count() == 1


def test_two_new_invoices_racing_for_one_number_make_one_and_the_other_shows_the_field_error(
    alice, acme
):
    url = reverse("invoice_create", args=[acme.pk])
    posts = [
        (url, INVOICE_POST | {"amount": amount, FIELD: token_make(owner=alice)}, HTMX)
        for amount in ("100.00", "200.00")
    ]
    responses = race(alice, posts, hold="invoices_invoice")
    assert Invoice.objects.for_owner(alice).filter(number="2025-001").count() == 1
    assert sorted(r.status_code for r in responses) == [200, 422]
    loser = next(r for r in responses if r.status_code == 422)
    assert loser.context["form"].errors["number"]
    # The re-rendered form keeps the loser's token: nothing was saved under it.
    assert posts[[r.status_code for r in responses].index(422)][1][FIELD] in (
        loser.content.decode()
    )


def test_the_same_csv_import_confirmed_twice_at_once_imports_once(alice_client, alice):
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)}).content.decode()
    confirm = preview[preview.index('action="' + reverse("csv_import_confirm")) :]
    confirm = confirm[: confirm.index("</form>")]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', confirm))
    assert FIELD in fields
    responses = race(
        alice,
        [(reverse("csv_import_confirm"), fields, {})] * 2,
        hold="clients_formtoken",
        cookies=alice_client.cookies,
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert Client.objects.for_owner(alice).filter(ref="acme").count() == 1
    assert Invoice.objects.for_owner(alice).count() == 2
    assert Payment.objects.filter(invoice__owner=alice).count() == 2


def test_the_same_backup_uploaded_twice_at_once_imports_once(alice, factories):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clients.backup import backup_dumps, backup_export

    client = factories.client(owner=alice, name="Blue Fox", ref="fox")
    factories.invoice(client=client, number="F-1", due_on=TODAY - timedelta(days=3))
    document = backup_dumps(backup_export(owner=alice))
    client.delete()
    token = token_make(owner=alice)
    posts = [
        (
            reverse("backup_import"),
            {"file": SimpleUploadedFile("backup.json", document.encode()), FIELD: token},
            {},
        )
        for _ in range(2)
    ]
    responses = race(alice, posts, hold="clients_formtoken")
    assert [r.status_code for r in responses] == [302, 302]
    assert Client.objects.for_owner(alice).filter(ref="fox").count() == 1
    assert Invoice.objects.for_owner(alice).filter(number="F-1").count() == 1


def test_two_clients_renamed_to_one_ref_at_once_keep_one_and_the_other_shows_the_error(
    alice, factories
):
    first = factories.client(owner=alice, name="Blue Fox", ref="blue")
    second = factories.client(owner=alice, name="Red Fox", ref="red")
    posts = [
        (
            reverse("client_edit", args=[client.pk]),
            CLIENT_POST | {"name": client.name, "ref": "fox"},
            HTMX,
        )
        for client in (first, second)
    ]
    responses = race(alice, posts, hold="clients_client", update=True)
    assert Client.objects.for_owner(alice).filter(ref="fox").count() == 1
    assert sorted(r.status_code for r in responses) == [200, 422]
    loser = next(r for r in responses if r.status_code == 422)
    assert loser.context["form"].errors["ref"]
