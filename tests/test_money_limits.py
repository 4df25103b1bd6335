"""Amounts up to 15 digits before the decimal point, in every currency and every money
column, on PostgreSQL (which enforces the column's size); late fees that would go past it
are capped, never a failed daily run."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from clients.backup import BackupInvalid, backup_import
from clients.csv_import import csv_read
from clients.models import Client
from clients.services import profile_for
from clientwatch.money import MAX_AMOUNT, MONEY_MAX_DIGITS
from invoices.fees import FeePolicy, fees_due
from invoices.models import LADDER, Invoice, LateFee, Payment, Reminder
from invoices.reminders import reminders_claim_due
from tests.conftest import skip_or_fail
from tests.test_bad_input import field_errors
from tests.test_client_pages import CLIENT_POST
from tests.test_invoice_pages import INVOICE_POST

BIGGEST = "999999999999999.99"
SIXTEEN_DIGITS = "1000000000000000.00"
TODAY = date.today()


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: it refuses a number too large for its column")


def test_one_limit_for_every_money_column():
    from clients.models import Profile

    fields = [
        Client._meta.get_field("rate"),
        Profile._meta.get_field("target_hourly_rate"),
        Invoice._meta.get_field("amount"),
        Payment._meta.get_field("amount"),
        LateFee._meta.get_field("amount"),
    ]
    assert {(f.max_digits, f.decimal_places) for f in fields} == {(MONEY_MAX_DIGITS, 2)}
    assert Decimal(BIGGEST) == MAX_AMOUNT


@pytest.mark.postgres
def test_a_150_million_rupiah_retainer_and_the_largest_invoice_save(postgres, alice_client, alice):
    post = CLIENT_POST | {"currency": "IDR", "billing_mode": "retainer", "rate": "150000000"}
    response = alice_client.post(reverse("client_create"), post)
    assert response.status_code == 302
    client = Client.objects.get(owner=alice)
    assert client.rate == Decimal("150000000.00")

    post = INVOICE_POST | {"currency": "IDR", "amount": BIGGEST}
    response = alice_client.post(reverse("invoice_create", args=[client.pk]), post)
    assert response.status_code == 302
    invoice = Invoice.objects.get(client=client)
    assert invoice.amount == Decimal(BIGGEST)
    response = alice_client.post(
        reverse("payment_create", args=[invoice.pk]),
        {"paid_on": TODAY.isoformat(), "amount": "999999999999999.98", "note": ""},
    )
    assert response.status_code == 302
    assert Payment.objects.get(invoice=invoice).amount == Decimal("999999999999999.98")


@pytest.mark.postgres
def test_sixteen_digits_are_refused_with_a_clear_form_error(postgres, alice_client, acme):
    response = alice_client.post(
        reverse("invoice_create", args=[acme.pk]), INVOICE_POST | {"amount": SIXTEEN_DIGITS}
    )
    assert response.status_code == 200
    errors = field_errors(response, "invoice-amount")
    assert "Too large: at most 15 digits before the decimal point and 2 after it." in errors
    assert not Invoice.objects.exists()
    response = alice_client.post(reverse("client_create"), CLIENT_POST | {"rate": SIXTEEN_DIGITS})
    assert "Too large: at most 15 digits before the decimal point and 2 after it." in field_errors(
        response, "client-rate"
    )


@pytest.mark.postgres
def test_a_huge_long_overdue_rupiah_invoice_with_interest_is_capped_and_the_next_freelancer_is_reminded(  # noqa: E501
    postgres, alice, bob, factories
):
    profile = profile_for(alice)
    profile.late_interest_percent = Decimal("100")
    profile.late_fees_with_nudge = True
    profile.save()
    big = factories.client(owner=alice, currency="IDR", email="ap@besar.example")
    huge = factories.invoice(
        client=big,
        currency="IDR",
        amount=Decimal(BIGGEST),
        issued_on=TODAY - timedelta(days=3000),
        due_on=TODAY - timedelta(days=2990),
    )
    small = factories.client(owner=bob, email="ap@small.example")
    late = factories.invoice(client=small, amount=Decimal("100"), due_on=TODAY - timedelta(3))

    reminders_claim_due(owner=alice, as_of=TODAY)
    reminders_claim_due(owner=bob, as_of=TODAY)

    fee = LateFee.objects.get(invoice=huge)
    assert fee.amount == MAX_AMOUNT
    # 2,990 days at 100% a year on the largest amount: about 8.2 times it.
    assert fee.capped_from > MAX_AMOUNT * 8
    assert Reminder.objects.filter(invoice=huge, stage="nudge").exists()
    assert Reminder.objects.filter(invoice=late, stage="nudge").exists()


def test_a_fee_beyond_the_limit_is_capped_and_keeps_what_it_worked_out_to():
    [line] = fees_due(
        FeePolicy(yearly_interest=Decimal("100")),
        stages=["nudge"],
        ladder=LADDER,
        charged=[],
        balance=MAX_AMOUNT,
        currency="IDR",
        due_on=TODAY - timedelta(days=730),
        as_of=TODAY,
    )
    assert line.amount == MAX_AMOUNT
    assert line.capped_from == Decimal("1999999999999999.98")


@pytest.mark.django_db
def test_the_backup_refuses_sixteen_digits_naming_the_field(alice):
    document = {
        "clients": [
            {
                "ref": "besar",
                "name": "Besar",
                "email": "a@besar.example",
                "language": "id",
                "currency": "IDR",
                "billing": "retainer",
                "rate": SIXTEEN_DIGITS,
                "payment_terms_days": 14,
                "started_on": "2025-01-01",
            }
        ]
    }
    with pytest.raises(BackupInvalid) as refused:
        backup_import(owner=alice, document=document)
    assert (
        "clients[0].rate: at most 15 digits before the decimal point, not 16"
        in refused.value.problems
    )
    assert not Client.objects.exists()


@pytest.mark.postgres
def test_the_backup_takes_the_largest_amount(postgres, alice):
    document = {
        "clients": [
            {
                "ref": "besar",
                "name": "Besar",
                "email": "a@besar.example",
                "language": "id",
                "currency": "IDR",
                "billing": "retainer",
                "rate": BIGGEST,
                "payment_terms_days": 14,
                "started_on": "2025-01-01",
            }
        ]
    }
    backup_import(owner=alice, document=document)
    assert Client.objects.get(owner=alice).rate == Decimal(BIGGEST)


def test_the_csv_import_refuses_sixteen_digits_by_row_and_column():
    header = "client_ref,client_name,client_email,currency,billing,rate,started_on"
    ok = csv_read(f"{header}\nbesar,Besar,a@besar.example,IDR,retainer,{BIGGEST},2025-01-01\n")
    assert ok.problems == []
    refused = csv_read(
        f"{header}\nbesar,Besar,a@besar.example,IDR,retainer,{SIXTEEN_DIGITS},2025-01-01\n"
    )
    assert any(
        "row 2" in p and "rate" in p and "at most 15 digits before the decimal point" in p
        for p in refused.problems
    )
