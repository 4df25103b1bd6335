"""Bad input is refused with a message beside the field, nothing is saved, nothing is a 500."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, WorkLog
from invoices.models import Invoice, LateFee, Payment
from redflags.models import Incident
from tests.test_client_pages import CLIENT_POST, HTMX, WORK_POST
from tests.test_incident_pages import INCIDENT_POST
from tests.test_invoice_pages import INVOICE_POST, PAYMENT_POST
from tests.test_late_fees import terms_set_late  # noqa: F401 (a fixture)

TODAY = timezone.localdate()


def field_errors(response, field_id: str) -> str:
    """The text of the error list Django renders beside the field with this id."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', html)
    assert match, f"no errors shown beside {field_id}"
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def invoice(acme, factories):
    return factories.invoice(client=acme, number="INV-1", amount=Decimal("1000.00"))


# Amounts


@pytest.mark.parametrize("amount", ["0", "-10", "0.00", "-0.01"])
def test_an_invoice_amount_must_be_positive(alice_client, acme, amount):
    response = alice_client.post(
        reverse("invoice_create", args=[acme.pk]), INVOICE_POST | {"amount": amount}
    )
    assert response.status_code == 200
    assert "Enter an amount above zero." in field_errors(response, "invoice-amount")
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_a_payment_amount_must_be_positive(alice_client, invoice, amount):
    response = alice_client.post(
        reverse("payment_create", args=[invoice.pk]), PAYMENT_POST | {"amount": amount}
    )
    assert "Enter an amount above zero." in field_errors(response, "payment-amount")
    assert not Payment.objects.exists()


@pytest.mark.parametrize("hours", ["0", "-1", "24.01", "100"])
def test_work_hours_must_fit_in_a_day(alice_client, acme, hours):
    response = alice_client.post(
        reverse("work_log_create", args=[acme.pk]), WORK_POST | {"hours": hours}
    )
    assert field_errors(response, "work-hours")
    assert not WorkLog.objects.exists()


def test_a_client_rate_cannot_be_negative(alice_client):
    response = alice_client.post(reverse("client_create"), CLIENT_POST | {"rate": "-1"})
    assert field_errors(response, "client-rate")
    assert not Client.objects.exists()


# Dates


def test_an_invoice_cannot_fall_due_before_it_was_issued(alice_client, acme):
    post = INVOICE_POST | {"issued_on": "2025-03-10", "due_on": "2025-03-01"}
    response = alice_client.post(reverse("invoice_create", args=[acme.pk]), post)
    assert "The due date cannot be before the issue date." in field_errors(
        response, "invoice-due_on"
    )
    assert not Invoice.objects.exists()


def test_an_edit_cannot_move_the_due_date_before_the_issue_date(alice_client, invoice):
    post = INVOICE_POST | {"number": "INV-1", "issued_on": "2025-03-10", "due_on": "2025-03-01"}
    response = alice_client.post(reverse("invoice_edit", args=[invoice.pk]), post)
    assert "before the issue date" in field_errors(response, "invoice-due_on")
    invoice.refresh_from_db()
    assert invoice.amount == Decimal("1000.00")


def test_an_incident_cannot_be_in_the_future(alice_client, acme):
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"occurred_on": tomorrow}
    )
    assert "An incident cannot be in the future." in field_errors(response, "incident-occurred_on")
    assert not Incident.objects.exists()


def test_a_future_incident_is_refused_with_htmx_too(alice_client, acme):
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]),
        INCIDENT_POST | {"occurred_on": tomorrow},
        **HTMX,
    )
    assert response.status_code == 422
    assert "cannot be in the future" in field_errors(response, "incident-occurred_on")
    assert not Incident.objects.exists()


def test_a_payment_cannot_be_dated_in_the_future(alice_client, invoice):
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = alice_client.post(
        reverse("payment_create", args=[invoice.pk]), PAYMENT_POST | {"paid_on": tomorrow}
    )
    assert "future" in field_errors(response, "payment-paid_on")
    assert not Payment.objects.exists()


def test_a_client_cannot_end_before_it_started(alice_client):
    post = CLIENT_POST | {"started_on": "2025-05-01", "ended_on": "2025-04-01"}
    response = alice_client.post(reverse("client_create"), post)
    assert "before the start date" in field_errors(response, "client-ended_on")
    assert not Client.objects.exists()


# Payments above what is owed


def test_a_payment_above_what_is_owed_is_refused(alice_client, invoice, factories):
    factories.payment(invoice=invoice, amount=Decimal("600.00"))
    response = alice_client.post(
        reverse("payment_create", args=[invoice.pk]), PAYMENT_POST | {"amount": "400.01"}
    )
    errors = field_errors(response, "payment-amount")
    assert "more than the €400.00 still owed" in errors
    assert Payment.objects.count() == 1


def test_a_payment_above_what_is_owed_is_accepted_when_ticked_as_overpayment(alice_client, invoice):
    post = PAYMENT_POST | {"amount": "1100", "is_overpayment": "on"}
    response = alice_client.post(reverse("payment_create", args=[invoice.pk]), post)
    assert response.status_code == 302
    assert Payment.objects.get().is_overpayment


def test_editing_a_payment_cannot_push_it_above_what_is_owed(alice_client, invoice, factories):
    payment = factories.payment(invoice=invoice, amount=Decimal("100.00"))
    response = alice_client.post(
        reverse("payment_edit", args=[payment.pk]), PAYMENT_POST | {"amount": "1000.01"}
    )
    assert "still owed" in field_errors(response, "payment-amount")
    payment.refresh_from_db()
    assert payment.amount == Decimal("100.00")


def test_an_overpayment_from_the_client_page_is_refused_with_htmx(alice_client, acme, invoice):
    post = PAYMENT_POST | {"invoice": invoice.pk, "amount": "5000"}
    response = alice_client.post(reverse("client_payment_create", args=[acme.pk]), post, **HTMX)
    assert response.status_code == 422
    assert "still owed" in field_errors(response, "payment-amount")
    assert not Payment.objects.exists()


# Currencies


@pytest.mark.parametrize("code", ["XYZ", "eur", "EURO", "DEM", "", "€"])
def test_an_unknown_currency_is_refused_for_a_client(alice_client, code):
    response = alice_client.post(reverse("client_create"), CLIENT_POST | {"currency": code})
    assert field_errors(response, "client-currency")
    assert not Client.objects.exists()


def test_an_unknown_currency_is_refused_for_an_invoice(alice_client, acme):
    response = alice_client.post(
        reverse("invoice_create", args=[acme.pk]), INVOICE_POST | {"currency": "XYZ"}
    )
    assert "“XYZ” is not a currency we know." in field_errors(response, "invoice-currency")
    assert not Invoice.objects.exists()


# Choices and severity


@pytest.mark.parametrize("severity", ["0", "6", "-1", "3.5", "abc", ""])
def test_severity_must_be_between_1_and_5(alice_client, acme, severity):
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"severity": severity}
    )
    assert field_errors(response, "incident-severity")
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "deleted"), ("billing_mode", "free"), ("language", "xx"), ("ref", "not a slug!")],
)
def test_unknown_choices_are_refused_for_a_client(alice_client, field, value):
    response = alice_client.post(reverse("client_create"), CLIENT_POST | {field: value})
    assert field_errors(response, f"client-{field}")
    assert not Client.objects.exists()


def test_an_unknown_incident_category_is_refused(alice_client, acme):
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"category": "witchcraft"}
    )
    assert field_errors(response, "incident-category")


def test_an_unknown_invoice_state_is_refused(alice_client, acme):
    response = alice_client.post(
        reverse("invoice_create", args=[acme.pk]), INVOICE_POST | {"state": "paid"}
    )
    assert field_errors(response, "invoice-state")


# Text


@pytest.mark.parametrize(
    ("url_name", "post", "field", "limit"),
    [
        ("client_create", CLIENT_POST, "name", 120),
        ("client_create", CLIENT_POST, "boundaries", 4000),
        ("invoice_create", INVOICE_POST, "notes", 2000),
        ("invoice_create", INVOICE_POST, "number", 50),
        ("incident_create", INCIDENT_POST, "description", 4000),
        ("work_log_create", WORK_POST, "description", 500),
        ("account_item_create", {"name": "x"}, "name", 200),
    ],
)
def test_over_long_text_is_refused(alice_client, acme, url_name, post, field, limit):
    url = reverse(url_name) if url_name == "client_create" else reverse(url_name, args=[acme.pk])
    response = alice_client.post(url, post | {field: "x" * (limit + 1)})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"at most {limit} characters" in html
    assert (
        Client.objects.count(),
        Invoice.objects.count(),
        Incident.objects.count(),
        WorkLog.objects.count(),
    ) == (1, 0, 0, 0)


def test_an_over_long_payment_note_is_refused(alice_client, invoice):
    response = alice_client.post(
        reverse("payment_create", args=[invoice.pk]), PAYMENT_POST | {"note": "n" * 201}
    )
    assert "at most 200 characters" in field_errors(response, "payment-note")


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com"])
def test_an_invalid_email_is_refused(alice_client, email):
    response = alice_client.post(reverse("client_create"), CLIENT_POST | {"email": email})
    assert "Enter a valid email address." in field_errors(response, "client-email")
    assert not Client.objects.exists()


# Duplicates


def test_a_freelancer_cannot_reuse_an_invoice_number_even_for_another_client(
    alice_client, alice, invoice, factories
):
    other = factories.client(owner=alice)
    response = alice_client.post(
        reverse("invoice_create", args=[other.pk]), INVOICE_POST | {"number": "INV-1"}
    )
    assert "You already have an invoice numbered “INV-1”." in field_errors(
        response, "invoice-number"
    )
    assert Invoice.objects.count() == 1


def test_a_duplicate_invoice_number_is_refused_on_edit_too(alice_client, acme, factories):
    factories.invoice(client=acme, number="A-1")
    second = factories.invoice(client=acme, number="A-2")
    response = alice_client.post(
        reverse("invoice_edit", args=[second.pk]), INVOICE_POST | {"number": "A-1"}
    )
    assert "already have an invoice" in field_errors(response, "invoice-number")
    second.refresh_from_db()
    assert second.number == "A-2"


def test_another_freelancers_invoice_number_is_free_to_use(client, bob, invoice, factories):
    client.force_login(bob)
    bobs = factories.client(owner=bob)
    response = client.post(
        reverse("invoice_create", args=[bobs.pk]), INVOICE_POST | {"number": "INV-1"}
    )
    assert response.status_code == 302
    assert Invoice.objects.filter(number="INV-1").count() == 2


def test_a_duplicate_client_ref_is_refused(alice_client, acme):
    response = alice_client.post(reverse("client_create"), CLIENT_POST | {"ref": "acme"})
    assert "You already have a client with the reference “acme”." in field_errors(
        response, "client-ref"
    )
    assert Client.objects.count() == 1


def test_two_clients_of_the_same_name_get_different_suggested_refs(alice_client, alice):
    alice_client.post(reverse("client_create"), CLIENT_POST)
    alice_client.post(reverse("client_create"), CLIENT_POST)
    refs = sorted(Client.objects.filter(owner=alice).values_list("ref", flat=True))
    assert refs == ["blue-fox", "blue-fox-2"]


# Evidence files


def test_an_evidence_file_of_another_type_is_refused(alice_client, acme):
    upload = SimpleUploadedFile("invoice.pdf", b"PK\x03\x04 a zip in disguise\x00\x01")
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"evidence_file": upload}
    )
    errors = field_errors(response, "incident-evidence_file")
    assert "Upload a PDF, PNG, JPEG, GIF or plain text file." in errors
    assert not Incident.objects.exists()


def test_a_text_file_with_binary_bytes_is_refused(alice_client, acme):
    upload = SimpleUploadedFile("log.txt", b"hello\x00\x01\x02world")
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"evidence_file": upload}
    )
    assert field_errors(response, "incident-evidence_file")
    assert not Incident.objects.exists()


def test_an_evidence_file_over_the_size_limit_is_refused(alice_client, acme, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4 " + b"x" * 200)
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"evidence_file": upload}
    )
    assert "at most 100" in field_errors(response, "incident-evidence_file")
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.pdf", b"%PDF-1.7\n..."),
        ("a.jpg", b"\xff\xd8\xff\xe0JFIF"),
        ("a.gif", b"GIF89a\x01\x00"),
        ("a.txt", "Plain UTF-8: ÄÖ € 😀\n".encode()),
    ],
)
def test_the_allowed_evidence_types_are_accepted(alice_client, acme, name, content):
    upload = SimpleUploadedFile(name, content)
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"evidence_file": upload}
    )
    assert response.status_code == 302
    assert Incident.objects.get().evidence_file.name.endswith(name[1:])


# Garbage never makes a 500

FULLWIDTH_12 = "\uff11\uff12"
ARABIC_INDIC_12 = "\u0661\u0662"
GARBAGE = [
    "",
    "2024-13-45",
    "yesterday",
    "NaN",
    "Infinity",
    "1e309",
    "9" * 40,
    FULLWIDTH_12,
    "1,5",
    "<script>alert(1)</script>",
    "null\x00byte",
    "\u202e\u200b",
    # str.isdigit() takes both; int() refuses "²" and reads "١٢" as 12.
    "\u00b2",
    ARABIC_INDIC_12,
    "9" * 5000,  # beyond the 4,300 digits int() reads
]


def _garbage_targets(acme, invoice):
    return [
        (reverse("client_create"), CLIENT_POST),
        (reverse("invoice_create", args=[acme.pk]), INVOICE_POST),
        (reverse("payment_create", args=[invoice.pk]), PAYMENT_POST),
        (reverse("client_payment_create", args=[acme.pk]), PAYMENT_POST | {"invoice": "x"}),
        (reverse("incident_create", args=[acme.pk]), INCIDENT_POST),
        (reverse("work_log_create", args=[acme.pk]), WORK_POST),
        (reverse("account_item_create", args=[acme.pk]), {"name": "Ads"}),
    ]


# Where parsing happens: every garbage value goes here, a few go everywhere else.
PARSED_FIELDS = {
    "amount", "hours", "rate", "paid_on", "issued_on", "due_on", "worked_on", "occurred_on",
    "started_on", "ended_on", "payment_terms_days", "deposit_percent", "response_time_hours",
    "severity", "currency", "invoice", "state", "category", "status", "billing_mode", "language",
}  # fmt: skip
FEW_GARBAGE = ["", "null\x00byte", "<script>alert(1)</script>", "9" * 40]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_garbage_in_any_field_never_causes_a_server_error(alice_client, acme, invoice, htmx):
    headers = HTMX if htmx else {}
    for url, post in _garbage_targets(acme, invoice):
        for field in post:
            for value in GARBAGE if field in PARSED_FIELDS and not htmx else FEW_GARBAGE:
                response = alice_client.post(url, post | {field: value}, **headers)
                assert response.status_code in {200, 302, 422}, (url, field, value)


def test_garbage_dates_and_numbers_save_nothing(alice_client, acme, invoice):
    numbers_and_dates = {"amount", "hours", "rate", "paid_on", "issued_on", "due_on", "worked_on"}
    before = (Invoice.objects.count(), Payment.objects.count(), WorkLog.objects.count())
    for url, post in _garbage_targets(acme, invoice):
        for field in numbers_and_dates & post.keys():
            for value in GARBAGE:
                if value in (FULLWIDTH_12, ARABIC_INDIC_12):  # a number all the same: 12
                    continue
                alice_client.post(url, post | {field: value})
    assert (Invoice.objects.count(), Payment.objects.count(), WorkLog.objects.count()) == before


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "-3"},
        {"page": "9" * 30},
        {"page": "9" * 5000},
        {"page": "\u00b2"},
        {"page": "\u0661\u0662"},
        {"sort": "x"},
        {"dropped": "x"},
        {"q": "\x00"},
        {"status": "x", "client": "\x00", "currency": "9" * 5000},
        {"start": "\u0662\u0660\u0662\u0665-01", "end": "x"},
    ],
)
def test_garbage_in_query_strings_is_ignored(alice_client, acme, query):
    assert alice_client.get(reverse("dashboard"), query).status_code == 200
    assert alice_client.get(reverse("invoice_list"), query).status_code == 200
    assert alice_client.get(reverse("receivables_report"), query).status_code == 200
    assert alice_client.get(reverse("client_detail", args=[acme.pk]), query).status_code == 200
    timeline = reverse("client_timeline", args=[acme.pk])
    assert alice_client.get(timeline, query, **HTMX).status_code == 200


def test_ids_that_do_not_exist_are_404(alice_client):
    assert alice_client.get("/clients/999999/").status_code == 404
    assert alice_client.get("/invoices/999999/").status_code == 404
    assert alice_client.get("/clients/abc/").status_code == 404


FEE_IDS_GARBAGE = ["\u00b2", "\u0661", "9" * 5000, "9" * 19, "-1", "1.0", " 1", "", "\x00"]


def test_garbage_invoice_ids_in_the_fee_backfill_are_left_out(alice_client, terms_set_late):  # noqa: F811
    ticked = terms_set_late[0]
    response = alice_client.post(
        reverse("fees_backfill"),
        {"invoice": [*FEE_IDS_GARBAGE, str(ticked.pk)], "shown": FEE_IDS_GARBAGE},
    )

    assert response.status_code == 302
    assert list(LateFee.objects.values_list("invoice_id", flat=True)) == [ticked.pk]


@pytest.mark.parametrize("value", FEE_IDS_GARBAGE)
def test_a_fee_backfill_of_only_garbage_ids_adds_nothing(alice_client, terms_set_late, value):  # noqa: F811
    response = alice_client.post(reverse("fees_backfill"), {"invoice": value, "shown": value})

    assert response.status_code == 302
    assert not LateFee.objects.exists()
    page = alice_client.get(response["Location"])
    assert "Tick at least one invoice to add its fees." in page.content.decode()
