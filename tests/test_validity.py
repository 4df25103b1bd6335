"""The rules for payment and work dates and amounts, on every way in: the rules themselves,
the forms, the services, the CSV import and the backup import."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from clients.backup import BackupInvalid, backup_import
from clients.models import WorkLog
from clientwatch.validity import (
    invoice_payment_errors,
    payment_amount_errors,
    payment_date_errors,
    regular_paid,
    work_date_errors,
)
from invoices import services as invoice_services
from invoices.models import Payment
from tests.test_bad_input import field_errors
from tests.test_import_pages import client_data, csv_file

TODAY = timezone.localdate()
TOMORROW = TODAY + timedelta(days=1)


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


@pytest.fixture
def invoice(acme, factories):
    """Issued 30 days ago, 1200.00 owed."""
    return factories.invoice(client=acme, number="INV-7", amount=Decimal("1200.00"))


# The rules, without the database


def test_a_payment_is_dated_between_its_invoices_issue_and_today():
    issued = TODAY - timedelta(days=10)
    assert payment_date_errors(paid_on=issued, issued_on=issued, today=TODAY) == {}
    assert payment_date_errors(paid_on=TODAY, issued_on=issued, today=TODAY) == {}
    assert payment_date_errors(paid_on=TOMORROW, issued_on=issued, today=TODAY) == {
        "paid_on": "A payment cannot be dated in the future."
    }
    early = payment_date_errors(paid_on=issued - timedelta(days=1), issued_on=issued, today=TODAY)
    assert early["paid_on"].startswith("A payment cannot be dated before its invoice was issued")


def test_only_payments_not_marked_as_overpayments_are_held_to_the_amount():
    paid = regular_paid([(Decimal("1000"), False), (Decimal("50"), True)])
    assert paid == Decimal("1000")
    # The order they came in does not matter.
    assert regular_paid([(Decimal("50"), True), (Decimal("1000"), False)]) == paid
    kwargs = {"invoice_amount": Decimal("1200"), "paid_before": paid, "currency": "EUR"}
    assert payment_amount_errors(amount=Decimal("200"), is_overpayment=False, **kwargs) == {}
    assert payment_amount_errors(amount=Decimal("300"), is_overpayment=True, **kwargs) == {}
    beyond = payment_amount_errors(amount=Decimal("200.01"), is_overpayment=False, **kwargs)
    assert beyond["amount"].startswith("That is more than the €200.00 still owed")


def test_an_invoice_still_covers_the_payments_recorded_on_it():
    paid_on = TODAY - timedelta(days=5)
    fine = invoice_payment_errors(
        amount=Decimal("100"),
        issued_on=paid_on,
        currency="EUR",
        regular_total=Decimal("100"),
        first_paid_on=paid_on,
    )
    assert fine == {}
    errors = invoice_payment_errors(
        amount=Decimal("99"),
        issued_on=paid_on + timedelta(days=1),
        currency="EUR",
        regular_total=Decimal("100"),
        first_paid_on=paid_on,
    )
    assert errors.keys() == {"amount", "issued_on"}


def test_work_is_not_dated_in_the_future():
    assert work_date_errors(worked_on=TODAY, today=TODAY) == {}
    assert work_date_errors(worked_on=TOMORROW, today=TODAY) == {
        "worked_on": "Work cannot be dated in the future."
    }


# Forms


def test_the_payment_form_refuses_a_date_before_the_invoice_was_issued(alice_client, invoice):
    post = {"paid_on": (invoice.issued_on - timedelta(days=1)).isoformat(), "amount": "100.00"}
    response = alice_client.post(reverse("payment_create", args=[invoice.pk]), post)
    assert "cannot be dated before its invoice was issued" in field_errors(
        response, "payment-paid_on"
    )
    assert not Payment.objects.exists()


def test_the_payment_form_refuses_a_date_in_the_future(alice_client, invoice):
    post = {"paid_on": TOMORROW.isoformat(), "amount": "100.00"}
    response = alice_client.post(reverse("payment_create", args=[invoice.pk]), post)
    assert "cannot be dated in the future" in field_errors(response, "payment-paid_on")
    assert not Payment.objects.exists()


def test_the_work_form_refuses_a_day_in_the_future(alice_client, acme):
    post = {"worked_on": TOMORROW.isoformat(), "hours": "2", "description": "Layout"}
    response = alice_client.post(reverse("work_log_create", args=[acme.pk]), post)
    assert "Work cannot be dated in the future." in field_errors(response, "work-worked_on")
    assert f'max="{TODAY.isoformat()}"' in response.content.decode()
    assert not WorkLog.objects.exists()


def test_the_work_form_takes_today(alice_client, acme):
    post = {"worked_on": TODAY.isoformat(), "hours": "2", "description": "Layout"}
    alice_client.post(reverse("work_log_create", args=[acme.pk]), post)
    assert WorkLog.objects.get(client=acme).worked_on == TODAY


def test_editing_work_into_the_future_is_refused(alice_client, acme, factories):
    work = factories.work_log(client=acme)
    post = {"worked_on": TOMORROW.isoformat(), "hours": "2", "description": "Layout"}
    response = alice_client.post(reverse("work_log_edit", args=[work.pk]), post)
    assert "Work cannot be dated in the future." in field_errors(response, "work-worked_on")
    work.refresh_from_db()
    assert work.worked_on < TODAY


# Services


def test_the_payment_service_refuses_a_payment_before_the_issue_date(invoice):
    with pytest.raises(ValidationError) as caught:
        invoice_services.payment_record(
            invoice=invoice, paid_on=invoice.issued_on - timedelta(days=1), amount=Decimal("1")
        )
    assert list(caught.value.message_dict) == ["paid_on"]
    assert not Payment.objects.exists()


def test_the_payment_service_names_a_date_and_an_amount_problem_at_once(invoice):
    with pytest.raises(ValidationError) as caught:
        invoice_services.payment_record(invoice=invoice, paid_on=TOMORROW, amount=Decimal("5000"))
    assert set(caught.value.message_dict) == {"paid_on", "amount"}


def test_moving_a_payment_before_the_issue_date_is_refused(invoice, factories):
    payment = factories.payment(invoice=invoice, amount=Decimal("100.00"))
    with pytest.raises(ValidationError):
        invoice_services.payment_update(
            payment=payment, fields={"paid_on": invoice.issued_on - timedelta(days=1)}
        )
    payment.refresh_from_db()
    assert payment.paid_on == invoice.due_on


def test_an_invoice_cannot_be_issued_after_a_payment_on_it_or_lowered_below_it(invoice, factories):
    factories.payment(invoice=invoice, amount=Decimal("1000.00"), paid_on=invoice.issued_on)
    with pytest.raises(ValidationError) as caught:
        invoice_services.invoice_update(
            invoice=invoice,
            fields={"issued_on": invoice.issued_on + timedelta(days=1), "amount": Decimal("999")},
        )
    assert set(caught.value.message_dict) == {"issued_on", "amount"}
    invoice.refresh_from_db()
    assert invoice.amount == Decimal("1200.00")


def test_the_work_service_refuses_the_future(acme):
    fields = {"worked_on": TOMORROW, "hours": Decimal("1"), "description": "Call"}
    with pytest.raises(ValidationError) as caught:
        client_services.work_log_add(client=acme, fields=fields)
    assert caught.value.message_dict == {"worked_on": ["Work cannot be dated in the future."]}
    assert not WorkLog.objects.exists()


def test_a_marked_overpayment_after_the_full_payment_is_accepted(invoice):
    day = invoice.issued_on
    invoice_services.payment_record(invoice=invoice, paid_on=day, amount=Decimal("1200.00"))
    invoice_services.payment_record(
        invoice=invoice, paid_on=day, amount=Decimal("10.00"), is_overpayment=True
    )
    with pytest.raises(ValidationError):
        invoice_services.payment_record(invoice=invoice, paid_on=day, amount=Decimal("0.01"))
    assert invoice.payments.count() == 2


# CSV import


def test_a_csv_payment_before_its_invoice_is_named_by_row(alice_client):
    text = (
        "client_ref,client_name,client_email,currency,invoice_number,issued_on,due_on,amount,"
        "paid_on,paid_amount\n"
        f"acme,Acme,ops@acme.example,EUR,A-1,{days_ago(9)},{days_ago(2)},100,{days_ago(10)},100\n"
    )
    response = alice_client.post(reverse("csv_import"), {"file": csv_file(text)})
    html = response.content.decode()
    assert "row 2, paid_on: A payment cannot be dated before its invoice was issued" in html
    assert "Import these rows" not in html


# Backup import


def _problems(owner, document) -> list[str]:
    with pytest.raises(BackupInvalid) as caught:
        backup_import(owner=owner, document=document)
    return caught.value.problems


def test_a_backup_payment_before_its_invoice_is_refused(alice):
    data = client_data("acme", invoices=1)
    data["invoices"][0]["payments"][0]["paid_on"] = days_ago(61)
    [problem] = _problems(alice, {"clients": [data]})
    assert problem.startswith(
        "clients[0].invoices[0].payments[0].paid_on: "
        "A payment cannot be dated before its invoice was issued"
    )
    assert not Payment.objects.exists()


def test_a_backup_invoice_with_a_bad_issue_date_does_not_also_blame_its_payments(alice):
    data = client_data("acme", invoices=1)
    data["invoices"][0]["issued_on"] = "soon"
    problems = _problems(alice, {"clients": [data]})
    assert problems == ['clients[0].invoices[0].issued_on: not a date (use YYYY-MM-DD): "soon"']


def test_a_backup_issue_date_moved_after_a_stored_payment_is_refused(alice):
    data = client_data("acme", invoices=1)
    backup_import(owner=alice, document={"clients": [data]})
    data["invoices"][0]["issued_on"] = days_ago(39)
    data["invoices"][0]["due_on"] = days_ago(30)
    data["invoices"][0]["payments"] = []
    [problem] = _problems(alice, {"clients": [data]})
    assert problem.startswith("clients[0].invoices[0].issued_on: A payment on this invoice")


def test_backup_work_in_the_future_is_refused(alice):
    data = client_data("acme")
    data["work_logs"] = [{"date": TOMORROW.isoformat(), "hours": "1.00", "description": "x"}]
    assert _problems(alice, {"clients": [data]}) == [
        "clients[0].work_logs[0].date: Work cannot be dated in the future."
    ]
    assert not WorkLog.objects.exists()
