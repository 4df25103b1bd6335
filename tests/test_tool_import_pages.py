"""Another tool's export imported from the pages: upload, preview, choices, confirm."""

import html as htmllib
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.imports import mapping
from clients.models import Client, ImportJob, ImportPreview, WorkLog
from invoices.models import Invoice, Payment
from tests.test_import_pages import flashed

DATA = Path(__file__).parent / "data" / "imports"


def upload(client, name: str, raw: bytes | None = None):
    data = (DATA / name).read_bytes() if raw is None else raw
    return client.post(reverse("tool_import"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def shown(response) -> str:
    return htmllib.unescape(response.content.decode())


def preview_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.url


def form_data(page) -> dict[str, str]:
    """The preview form's fields as the browser would post them unchanged."""
    html = page.content.decode()
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    data |= dict(re.findall(r'<input type="email" name="(\w+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = selected[1] if selected else ""
    return data


@pytest.fixture
def acme(factories, alice):
    return factories.client(owner=alice, ref="acme", name="Acme Studio")


def test_the_upload_page_lists_the_tools(alice_client):
    page = alice_client.get(reverse("tool_import"))
    assert page.status_code == 200
    for label in ("Toggl Track", "Clockify", "Harvest", "Kimai", "Invoice Ninja", "Invoicely"):
        assert label in shown(page)


def test_the_preview_shows_matches_and_what_would_be_created_and_saves_nothing(alice_client, acme):
    page = alice_client.get(preview_url(upload(alice_client, "toggl.csv")))
    html = shown(page)
    assert "Preview of toggl.csv (Toggl Track)" in html
    assert "same name, ignoring case and punctuation" in html  # "ACME studio!"
    assert "no client by this name" in html  # "Nordlicht GmbH", a new client
    assert "Row 6: shorter than a minute" in html
    assert "a new client needs an email address" not in html  # asked on the form instead
    assert WorkLog.objects.count() == 0


def test_confirming_imports_the_time_and_a_second_import_changes_nothing(alice_client, acme, alice):
    url = preview_url(upload(alice_client, "toggl.csv"))
    data = form_data(alice_client.get(url)) | {"email_2": "info@nordlicht.example", "confirm": ""}
    response = alice_client.post(url, data)
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert WorkLog.objects.filter(client=acme).count() == 3
    nordlicht = Client.objects.get(owner=alice, ref="nordlicht-gmbh")
    assert nordlicht.email == "info@nordlicht.example"
    assert [(w.hours, w.billable) for w in nordlicht.work_logs.all()] == [(4.25, True)]

    again = preview_url(upload(alice_client, "toggl.csv"))
    page = alice_client.get(again)
    assert "no client by this name" not in shown(page)  # Nordlicht is one now
    response = alice_client.post(again, form_data(page) | {"confirm": ""})
    assert flashed(response)[-1] == "Nothing to import: everything in the file was already here."
    assert WorkLog.objects.count() == 4


def test_a_new_client_without_an_email_is_asked_for_and_nothing_saved(alice_client, acme):
    url = preview_url(upload(alice_client, "toggl.csv"))
    response = alice_client.post(url, form_data(alice_client.get(url)) | {"confirm": ""})
    assert response.status_code == 200
    assert "A new client needs an email address." in shown(response)
    assert WorkLog.objects.count() == 0 and Client.objects.count() == 1


def test_skipping_a_name_leaves_its_rows_out(alice_client, acme):
    url = preview_url(upload(alice_client, "toggl.csv"))
    data = form_data(alice_client.get(url)) | {"client_2": mapping.SKIP}
    page = alice_client.post(url, data | {"update": ""})
    assert 'Row 5: client "Nordlicht GmbH" skipped, as you chose' in shown(page)
    alice_client.post(url, data | {"confirm": ""})
    assert Client.objects.count() == 1 and WorkLog.objects.count() == 3


def test_ambiguous_clockify_dates_must_be_chosen_before_the_import(alice_client, acme):
    url = preview_url(upload(alice_client, "clockify.csv"))
    page = alice_client.get(url)
    assert "Answer the questions above, then update the preview." in shown(page)
    data = form_data(page) | {"client_1": mapping.SKIP}
    refused = alice_client.post(url, data | {"confirm": ""})
    assert refused.status_code == 200 and WorkLog.objects.count() == 0
    alice_client.post(url, data | {"date_order": "mdy", "confirm": ""})
    assert sorted(str(w.worked_on) for w in WorkLog.objects.all()) == ["2026-02-03", "2026-03-03"]


def test_invoices_and_payments_with_the_answers_for_what_the_file_lacks(alice_client, acme):
    url = preview_url(upload(alice_client, "invoiceninja_de.csv"))
    page = alice_client.get(url)
    html = shown(page)
    assert "Due days after issue" in html and "without a payment date were paid" in html
    assert "Row 5: cancelled in Invoice Ninja" in html
    data = form_data(page) | {
        "email_0": "buchhaltung@nordlicht.example",
        "email_1": "info@mueller.example",
        "due_days": "10",
        "paid_on": mapping.PAID_ON_DUE,
        "confirm": "",
    }
    response = alice_client.post(url, data)
    assert response.status_code == 302
    invoices = {i.number: i for i in Invoice.objects.all()}
    assert set(invoices) == {"RE-2026-001", "RE-2026-002", "RE-2026-003"}
    assert str(invoices["RE-2026-003"].due_on) == "2026-03-07"  # 25.02. + 10 days
    paid = Payment.objects.get(invoice=invoices["RE-2026-001"])
    assert (str(paid.paid_on), str(paid.amount)) == ("2026-01-29", "1250.50")


def test_an_invoice_number_of_another_client_is_refused_by_row_and_nothing_written(
    alice_client, acme, factories, alice
):
    other = factories.client(owner=alice, ref="other", name="Other Ltd")
    factories.invoice(client=other, number="W-2")
    url = preview_url(upload(alice_client, "wave.csv"))
    page = alice_client.get(url)
    assert 'row 3 (number): "W-2" is already used by your client "other"' in shown(page)
    response = alice_client.post(url, form_data(page) | {"confirm": ""})
    assert response.status_code == 200
    assert 'row 3 (number): "W-2" is already used' in shown(response)
    assert Invoice.objects.count() == 1


def test_a_bad_file_lists_every_problem_by_row_and_column(alice_client):
    page = upload(alice_client, "toggl_bad.csv")
    html = shown(page)
    assert page.status_code == 200
    assert "The file was not imported: 5 problems" in html
    assert "row 4, Duration: not a duration" in html
    assert ImportPreview.objects.count() == 0


def test_another_freelancers_preview_is_not_found(alice_client, client, bob, acme):
    url = preview_url(upload(alice_client, "toggl.csv"))
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": ""}).status_code == 404
    assert WorkLog.objects.count() == 0


def test_names_are_matched_only_to_the_freelancers_own_clients(alice_client, factories, bob, alice):
    factories.client(owner=bob, ref="bobs-acme", name="Acme Studio")
    page = alice_client.get(preview_url(upload(alice_client, "kimai.csv")))
    html = shown(page)
    assert "no client by this name" in html and "bobs-acme" not in html


def test_an_expired_preview_sends_back_to_the_upload(alice_client, acme):
    url = preview_url(upload(alice_client, "kimai.csv"))
    ImportPreview.objects.update(expires_at=timezone.now())
    response = alice_client.get(url)
    assert response.status_code == 302 and response.url == reverse("tool_import")
    assert "That preview has expired" in flashed(response)[-1]


def test_our_own_csv_preview_is_not_shown_as_another_tools(alice_client, alice):
    from clients.import_previews import import_preview_create

    preview = import_preview_create(owner=alice, filename="ours.csv", document={}, origins={})
    assert alice_client.get(reverse("tool_import_preview", args=[preview.pk])).status_code == 404


def test_a_second_confirm_of_the_same_preview_imports_once(alice_client, acme):
    url = preview_url(upload(alice_client, "kimai.csv"))
    data = form_data(alice_client.get(url)) | {"confirm": ""}
    alice_client.post(url, data)
    second = alice_client.post(url, data)
    assert second.status_code == 302
    assert WorkLog.objects.count() == 2


def test_a_large_file_is_imported_in_the_background(
    alice_client, acme, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_FROM_ROWS = 3
    url = preview_url(upload(alice_client, "toggl.csv"))
    data = form_data(alice_client.get(url)) | {"email_2": "info@nordlicht.example"}
    page = alice_client.post(url, data | {"update": ""})
    assert "imported in the background" in shown(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, data | {"confirm": ""})
    job = ImportJob.objects.get()
    assert response.url == reverse("import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert WorkLog.objects.count() == 4


def test_the_preview_queries_do_not_grow_with_the_rows(
    alice_client, acme, django_assert_num_queries
):
    def rows(n: int, name: str) -> bytes:
        header = "Client,Project,Description,Billable,Start date,Start time,Duration\n"
        body = "".join(
            f"Acme Studio,{name},Entry {i},Yes,2026-01-{1 + i % 28:02d},09:00:00,01:00:00\n"
            for i in range(n)
        )
        return (header + body).encode()

    def confirm(name: str, n: int):
        url = preview_url(upload(alice_client, name, rows(n, name)))
        return url, form_data(alice_client.get(url)) | {"confirm": ""}

    alice_client.post(*confirm("first.csv", 3))  # the first import into the account
    url, data = confirm("few.csv", 5)
    # The query log holds the last 9,000 (the previews' dry runs fill it): counted from a
    # full one, a capture sees nothing.
    reset_queries()
    with CaptureQueriesContext(connection) as few:
        alice_client.post(url, data)
    queries = len(few)
    # 150 rows: one INSERT on SQLite too, whose batches hold 999 values (166 work logs).
    url, data = confirm("many.csv", 150)
    reset_queries()
    with django_assert_num_queries(queries):  # bulk writes: no query per row
        alice_client.post(url, data)
    assert WorkLog.objects.count() == 158


def test_ten_thousand_time_rows_go_to_the_worker_and_are_all_imported(
    alice_client, acme, celery_eager, django_capture_on_commit_callbacks
):
    header = "Client,Project,Description,Billable,Start date,Start time,Duration\n"
    body = "".join(
        f"Acme Studio,Web,Entry {i},{'Yes' if i % 3 else 'No'},2025-{1 + i % 12:02d}-"
        f"{1 + i % 28:02d},09:00:00,00:{15 + i % 45:02d}:00\n"
        for i in range(10_000)
    )
    url = preview_url(upload(alice_client, "year.csv", (header + body).encode()))
    page = alice_client.get(url)
    assert "imported in the background" in shown(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, form_data(page) | {"confirm": ""})
    job = ImportJob.objects.get()
    assert response.url == reverse("import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.state, job.result["work_logs"]["created"]) == (ImportJob.State.DONE, 10_000)
    assert WorkLog.objects.filter(client=acme, billable=False).count() == 3334


def test_an_amount_no_field_holds_is_named_by_row_and_nothing_written(alice_client, acme):
    raw = (DATA / "invoicely.csv").read_bytes().replace(b"900.00,900.00", b"9" * 16 + b",0")
    page = alice_client.get(preview_url(upload(alice_client, "invoicely.csv", raw)))
    assert "row 2 (amount): at most" in shown(page)
    response = alice_client.post(page.request["PATH_INFO"], form_data(page) | {"confirm": ""})
    assert "row 2 (amount): at most" in shown(response)
    assert Invoice.objects.count() == 0


def test_the_preview_is_in_the_freelancers_language_reasons_too(alice_client, acme):
    url = preview_url(upload(alice_client, "invoiceninja_de.csv"))
    page = shown(alice_client.get(url, HTTP_ACCEPT_LANGUAGE="fi"))
    assert "Tiedoston asiakkaat" in page  # "Clients in the file"
    assert "Rivi 5: peruttu työkalussa Invoice Ninja" in page
    assert "cancelled in" not in page


def test_a_file_exported_again_after_another_payment_adds_only_the_difference(alice_client, acme):
    def confirm(raw: bytes):
        url = preview_url(upload(alice_client, "invoiceninja_en.csv", raw))
        data = form_data(alice_client.get(url))
        return alice_client.post(url, data | {"email_1": "info@nordlicht.example", "confirm": ""})

    first = (DATA / "invoiceninja_en.csv").read_bytes()
    confirm(first)
    partial = Invoice.objects.get(number="IN-0002")
    assert [p.amount for p in partial.payments.all()] == [500]
    # Paid in full since: the new export's balance is 0.
    confirm(first.replace(b"800.00,300.00,Partial", b"800.00,0.00,Paid"))
    assert sorted(p.amount for p in partial.payments.all()) == [300, 500]
    again = confirm(first.replace(b"800.00,300.00,Partial", b"800.00,0.00,Paid"))
    assert flashed(again)[-1] == "Nothing to import: everything in the file was already here."
    assert Payment.objects.count() == 3
