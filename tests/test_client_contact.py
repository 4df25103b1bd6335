"""A client's postal address, phone and tax number: the form, the client page, what is
printed for the client (reminder letters, the statement, the handover report), the backup
and the CSV import."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from clients.backup import BackupInvalid, backup_export, backup_import
from clients.models import Client
from clients.reports import report_pdf
from clients.services import profile_for
from invoices.letters import reminder_letter_pdf, statement_pdf
from invoices.models import Stage
from tests.test_bad_input import field_errors
from tests.test_client_pages import html_problems
from tests.test_import_pages import client_data, csv_file

TODAY = timezone.localdate()
ADDRESS = "Kahvikuja 1\n00100 Helsinki"


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"[\u00a0\u202f]", " ", text)


@pytest.fixture
def kettu(alice, factories):
    return factories.client(
        owner=alice,
        name="Aino Virtanen",
        company="Kettu Oy",
        language="fi",
        postal_address=ADDRESS,
        phone="+358 40 123 4567",
        tax_number="FI12345678",
    )


@pytest.fixture
def overdue(kettu, factories):
    return factories.invoice(
        client=kettu,
        number="K-1",
        issued_on=TODAY - timedelta(days=54),
        due_on=TODAY - timedelta(days=40),
        amount=Decimal("900.00"),
    )


CLIENT_POST = {
    "name": "Globex",
    "ref": "",
    "email": "ap@globex.example",
    "phone": "+44 (0)20 7946 0000",
    "postal_address": "1 Main Street\r\nSpringfield",
    "tax_number": "GB123456789",
    "language": "en",
    "currency": "EUR",
    "billing_mode": "hourly",
    "rate": "80.00",
    "payment_terms_days": "14",
    "status": "active",
    "started_on": TODAY.isoformat(),
}


def test_the_client_form_saves_address_phone_and_tax_number(alice_client, alice):
    response = alice_client.post(reverse("client_create"), CLIENT_POST)
    assert response.status_code == 302, response.content.decode()[:2000]
    client = Client.objects.for_owner(alice).get(name="Globex")
    assert client.phone == "+44 (0)20 7946 0000"
    assert client.postal_address.splitlines() == ["1 Main Street", "Springfield"]
    assert client.tax_number == "GB123456789"


@pytest.mark.parametrize("phone", ["call me", "+358 40 abc", "١٢٣٤٥٦٧", "12", "+"])
def test_a_phone_number_with_other_characters_is_refused(alice_client, phone):
    response = alice_client.post(reverse("client_create"), CLIENT_POST | {"phone": phone})
    assert "digits, spaces and +" in field_errors(response, "client-phone")
    assert not Client.objects.exists()


def test_too_long_an_address_is_refused(alice_client):
    response = alice_client.post(
        reverse("client_create"), CLIENT_POST | {"postal_address": "x" * 501}
    )
    assert "at most 500 characters" in field_errors(response, "client-postal_address")
    assert not Client.objects.exists()


def test_the_model_refuses_a_nul_character_whatever_writes_it(alice):
    client = Client(owner=alice, ref="x", name="X", email="x@example.com", tax_number="FI\x00")
    with pytest.raises(ValidationError) as caught:
        client.full_clean()
    assert "tax_number" in caught.value.message_dict


def test_the_client_page_shows_the_contact_details(alice_client, kettu):
    response = alice_client.get(reverse("client_detail", args=[kettu.pk]))
    html = response.content.decode()
    assert html_problems(html) == []
    assert '<a href="tel:+358401234567">+358 40 123 4567</a>' in html
    assert "FI12345678" in html
    assert "Kahvikuja 1<br>00100 Helsinki" in html


def test_another_freelancer_does_not_see_the_address(client, bob, kettu):
    client.force_login(bob)
    response = client.get(reverse("client_detail", args=[kettu.pk]))
    assert response.status_code == 404
    assert "Kahvikuja" not in response.content.decode()


def test_the_reminder_letter_is_addressed_to_the_postal_address(overdue, alice):
    text = pdf_text(reminder_letter_pdf(overdue, Stage.NUDGE, profile_for(alice), as_of=TODAY))
    assert "Kahvikuja 1\n00100 Helsinki" in text
    assert "FI12345678" in text
    # In the client's language, Finnish, from the first word to the last.
    assert "Verotunniste: FI12345678" in text
    assert "Tax number" not in text


def test_the_statement_is_addressed_to_the_postal_address(overdue):
    text = pdf_text(statement_pdf(overdue.client, as_of=TODAY))
    assert "Kahvikuja 1\n00100 Helsinki" in text


def test_the_handover_report_names_the_clients_address_phone_and_tax_number(overdue):
    text = pdf_text(report_pdf(overdue.client, internal=False))
    for expected in ("Kahvikuja 1", "00100 Helsinki", "+358 40 123 4567", "FI12345678"):
        assert expected in text, expected


def test_a_client_without_them_gets_no_empty_lines(alice, factories):
    plain = factories.client(owner=alice, name="Plain Ltd", email="ap@plain.example")
    invoice = factories.invoice(
        client=plain, issued_on=TODAY - timedelta(days=54), due_on=TODAY - timedelta(days=40)
    )
    text = pdf_text(reminder_letter_pdf(invoice, Stage.NUDGE, profile_for(alice), as_of=TODAY))
    assert "Tax number" not in text
    assert "Plain Ltd\nap@plain.example" in text


def test_the_backup_carries_them_and_imports_them_back(alice, bob, kettu):
    document = backup_export(owner=alice)
    [exported] = document["clients"]
    assert exported["postal_address"] == ADDRESS
    assert exported["phone"] == "+358 40 123 4567"
    assert exported["tax_number"] == "FI12345678"
    backup_import(owner=bob, document=document)
    copy = Client.objects.for_owner(bob).get(ref=kettu.ref)
    assert (copy.postal_address, copy.phone, copy.tax_number) == (
        ADDRESS,
        "+358 40 123 4567",
        "FI12345678",
    )


def test_an_older_backup_without_them_still_imports_and_keeps_what_is_stored(alice, kettu):
    data = client_data(kettu.ref)  # written before these fields existed
    data["name"] = kettu.name
    backup_import(owner=alice, document={"clients": [data]})
    kettu.refresh_from_db()
    assert kettu.postal_address == ADDRESS
    assert kettu.phone == "+358 40 123 4567"


def test_a_bad_phone_in_a_backup_is_named_by_path(alice):
    data = client_data("acme") | {"phone": "ring ring"}
    with pytest.raises(BackupInvalid) as caught:
        backup_import(owner=alice, document={"clients": [data]})
    [problem] = caught.value.problems
    assert problem.startswith("clients[0].phone: Write the number with digits")


def test_the_csv_import_reads_phone_address_and_tax_number(alice_client, alice):
    text = (
        "client_ref,client_name,client_email,currency,client_phone,client_address,"
        "client_tax_number\n"
        'acme,Acme,ops@acme.example,EUR,+358 9 000 000,"1 Main St\nSpringfield",FI999\n'
    )
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(text)})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())[1]
    alice_client.post(reverse("csv_import_confirm"), {"token": token})
    acme = Client.objects.for_owner(alice).get(ref="acme")
    assert (acme.phone, acme.postal_address, acme.tax_number) == (
        "+358 9 000 000",
        "1 Main St\nSpringfield",
        "FI999",
    )
