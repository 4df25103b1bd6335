"""Create forms are saved once: the one-time token every create form carries, a replay
of the same submission, and tokens that are missing, forged, someone else's or old."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from clients.models import AccountItem, Client, FormToken, WorkLog
from clientwatch.once import FIELD, KEPT_FOR, token_make, token_nonce
from invoices.models import Invoice, Payment
from redflags.models import Incident, Step
from tests.test_client_pages import CLIENT_POST, HTMX, WORK_POST
from tests.test_import_pages import CSV, csv_file
from tests.test_incident_pages import INCIDENT_POST
from tests.test_invoice_pages import INVOICE_POST, PAYMENT_POST
from tests.test_late_fees import terms_set_late  # noqa: F401  (a fixture)
from tests.test_step_pages import STEP_POST

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rf'name="{FIELD}" value="([^"]+)"')
EXPIRED = "This form has expired or was not made for your account."


@pytest.fixture
def browser(alice):
    """A browser that posts exactly what a test gives it, token or none."""
    browser = Browser()
    browser.force_login(alice)
    return browser


@pytest.fixture
def invoice(acme, factories):
    return factories.invoice(client=acme, number="INV-7", amount=Decimal("1200.00"))


def tokens_in(html: str) -> list[str]:
    return TOKEN.findall(html)


# Each create form: where it is posted, what it posts, what it makes, where it goes.
CREATES = {
    "client": (lambda c, i: reverse("client_create"), CLIENT_POST, Client),
    "invoice": (lambda c, i: reverse("invoice_create", args=[c.pk]), INVOICE_POST, Invoice),
    "incident": (lambda c, i: reverse("incident_create", args=[c.pk]), INCIDENT_POST, Incident),
    "step": (lambda c, i: reverse("step_create", args=[c.pk]), STEP_POST, Step),
    "work log": (lambda c, i: reverse("work_log_create", args=[c.pk]), WORK_POST, WorkLog),
    "account": (
        lambda c, i: reverse("account_item_create", args=[c.pk]),
        {"name": "Hosting login", "notes": ""},
        AccountItem,
    ),
    "payment": (lambda c, i: reverse("payment_create", args=[i.pk]), PAYMENT_POST, Payment),
    "client page payment": (
        lambda c, i: reverse("client_payment_create", args=[c.pk]),
        PAYMENT_POST,
        Payment,
    ),
}


def create_post(name, acme, invoice, **extra):
    url_for, post, model = CREATES[name]
    if name == "client page payment":
        post = post | {"invoice": invoice.pk}
    return url_for(acme, invoice), post | extra, model


def test_a_blank_create_form_carries_a_fresh_token_made_for_its_viewer(browser, alice, bob):
    first = tokens_in(browser.get(reverse("client_create")).content.decode())
    second = tokens_in(browser.get(reverse("client_create")).content.decode())
    assert len(first) == len(second) == 1
    assert first != second
    assert token_nonce(first[0], owner=alice)
    assert token_nonce(first[0], owner=bob) is None


def test_an_edit_form_carries_no_token(browser, acme):
    assert tokens_in(browser.get(reverse("client_edit", args=[acme.pk])).content.decode()) == []


def test_every_add_form_on_the_client_page_carries_its_own_token(browser, acme, invoice):
    html = browser.get(reverse("client_detail", args=[acme.pk])).content.decode()
    tokens = tokens_in(html)
    # Incident, step, payment, work, invoice and account: rendered from the cached fields,
    # each form still gets a token of its own (never one kept in the cache).
    assert len(tokens) == len(set(tokens)) == 6
    again = browser.get(reverse("client_detail", args=[acme.pk])).content.decode()
    assert not set(tokens_in(again)) & set(tokens)


@pytest.mark.parametrize("name", list(CREATES))
def test_a_replayed_create_makes_nothing_new_and_shows_the_first_result(
    browser, alice, acme, invoice, name
):
    url, post, model = create_post(name, acme, invoice, **{FIELD: token_make(owner=alice)})
    before = model.objects.count()
    first = browser.post(url, post)
    assert first.status_code == 302
    assert model.objects.count() == before + 1
    again = browser.post(url, post, follow=True)
    assert model.objects.count() == before + 1
    target = again.redirect_chain[0][0]
    assert target == FormToken.objects.get(owner=alice).result
    assert "This was already saved." in again.content.decode()


def test_a_replayed_htmx_create_is_sent_to_the_first_result(browser, alice, acme, invoice):
    url, post, _ = create_post("invoice", acme, invoice, **{FIELD: token_make(owner=alice)})
    first = browser.post(url, post, **HTMX)
    assert first.status_code == 200
    made = Invoice.objects.get(number=INVOICE_POST["number"])
    again = browser.post(url, post, **HTMX)
    assert again["HX-Redirect"] == reverse("invoice_detail", args=[made.pk])
    assert Invoice.objects.filter(number=INVOICE_POST["number"]).count() == 1


def test_after_an_htmx_create_the_fresh_forms_carry_new_tokens(browser, alice, acme):
    token = token_make(owner=alice)
    response = browser.post(
        reverse("work_log_create", args=[acme.pk]), WORK_POST | {FIELD: token}, **HTMX
    )
    tokens = tokens_in(response.content.decode())
    assert tokens  # the blank work form (and the payment form beside it) swapped in
    assert token not in tokens
    assert all(token_nonce(t, owner=alice) for t in tokens)


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "bob", "expired"],
    ids=["missing", "malformed", "another user's", "more than a week old"],
)
@pytest.mark.parametrize("name", ["client", "work log", "payment"])
def test_a_missing_or_forged_token_is_a_form_error_and_saves_nothing(
    browser, alice, bob, acme, invoice, name, token
):
    if token == "bob":
        token = token_make(owner=bob)
    elif token == "expired":
        with time_machine.travel(timezone.now() - KEPT_FOR - timedelta(minutes=1)):
            token = token_make(owner=alice)
    url, post, model = create_post(name, acme, invoice)
    before = model.objects.count()
    response = browser.post(url, post | ({FIELD: token} if token else {}))
    assert response.status_code == 200
    html = response.content.decode()
    assert EXPIRED in html
    assert model.objects.count() == before
    assert not FormToken.objects.exists()
    # The form comes back with a good token, so submitting it again works.
    fresh = tokens_in(html)
    assert len(fresh) == 1 and token_nonce(fresh[0], owner=alice)
    assert browser.post(url, post | {FIELD: fresh[0]}).status_code == 302
    assert model.objects.count() == before + 1


def test_a_forged_token_on_an_htmx_form_is_a_422_with_the_error(browser, acme):
    response = browser.post(
        reverse("work_log_create", args=[acme.pk]), WORK_POST | {FIELD: "x" * 80}, **HTMX
    )
    assert response.status_code == 422
    assert EXPIRED in response.content.decode()
    assert not WorkLog.objects.exists()


def test_a_rejected_form_keeps_its_token_and_the_corrected_one_saves_once(browser, alice, acme):
    token = token_make(owner=alice)
    url = reverse("client_create")
    rejected = browser.post(url, CLIENT_POST | {"email": "not an email", FIELD: token})
    assert tokens_in(rejected.content.decode()) == [token]
    assert browser.post(url, CLIENT_POST | {FIELD: token}).status_code == 302
    browser.post(url, CLIENT_POST | {FIELD: token})
    assert Client.objects.filter(name="Blue Fox").count() == 1


def test_bob_cannot_use_or_see_alices_used_token(browser, alice, bob, acme):
    token = token_make(owner=alice)
    browser.post(reverse("client_create"), CLIENT_POST | {FIELD: token})
    bobs = Browser()
    bobs.force_login(bob)
    response = bobs.post(reverse("client_create"), CLIENT_POST | {FIELD: token})
    assert response.status_code == 200
    assert EXPIRED in response.content.decode()
    assert not Client.objects.filter(owner=bob).exists()


def test_tokens_older_than_a_week_are_deleted_when_a_new_one_is_stored(browser, alice, bob):
    old = FormToken.objects.create(owner=alice, token="old", result="/")
    FormToken.objects.create(owner=alice, token="recent", result="/")
    bobs_old = FormToken.objects.create(owner=bob, token="old", result="/")
    FormToken.objects.filter(pk__in=[old.pk, bobs_old.pk]).update(
        created_at=timezone.now() - KEPT_FOR - timedelta(hours=1)
    )
    browser.post(reverse("client_create"), CLIENT_POST | {FIELD: token_make(owner=alice)})
    left = set(FormToken.objects.values_list("owner__username", "token"))
    assert ("alice", "old") not in left
    assert {("alice", "recent"), ("bob", "old")} <= left
    assert len([t for t in left if t[0] == "alice"]) == 2


def test_a_csv_import_confirmed_again_shows_the_first_result_not_expired(browser, alice):
    preview = browser.post(reverse("csv_import"), {"file": csv_file(CSV)}).content.decode()
    confirm = preview[preview.index('action="' + reverse("csv_import_confirm")) :]
    fields = dict(
        re.findall(r'name="([^"]+)" value="([^"]*)"', confirm[: confirm.index("</form>")])
    )
    assert browser.post(reverse("csv_import_confirm"), fields).status_code == 302
    again = browser.post(reverse("csv_import_confirm"), fields, follow=True)
    html = again.content.decode()
    assert "This was already saved." in html
    assert "expired" not in html
    assert Invoice.objects.for_owner(alice).count() == 2


def test_a_csv_import_confirm_without_a_token_imports_nothing(browser, alice):
    preview = browser.post(reverse("csv_import"), {"file": csv_file(CSV)}).content.decode()
    preview_token = re.search(r'name="token" value="([^"]+)"', preview)[1]
    response = browser.post(reverse("csv_import_confirm"), {"token": preview_token}, follow=True)
    assert EXPIRED in response.content.decode()
    assert not Client.objects.for_owner(alice).exists()


def test_after_an_htmx_payment_the_invoice_pages_fresh_form_has_a_new_token(
    browser, alice, invoice
):
    token = token_make(owner=alice)
    response = browser.post(
        reverse("payment_create", args=[invoice.pk]), PAYMENT_POST | {FIELD: token}, **HTMX
    )
    assert response.status_code == 200
    fresh = tokens_in(response.content.decode())
    assert len(fresh) == 1
    assert fresh != [token]
    assert token_nonce(fresh[0], owner=alice)


def test_the_fee_backfill_confirmed_twice_adds_once_and_says_so(
    browser,
    alice,
    terms_set_late,  # noqa: F811  (the fixture imported above)
):
    from invoices.models import LateFee

    page = browser.get(reverse("fees_backfill")).content.decode()
    [token] = tokens_in(page)
    post = {"invoice": [i.pk for i in terms_set_late], FIELD: token}
    first = browser.post(reverse("fees_backfill"), post, follow=True)
    assert "3 fees added." in first.content.decode()
    count = LateFee.objects.count()
    assert count == 3
    again = browser.post(reverse("fees_backfill"), post, follow=True)
    assert "This was already saved." in again.content.decode()
    assert "fees added" not in again.content.decode()
    assert LateFee.objects.count() == count
