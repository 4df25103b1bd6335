"""Backup download, JSON upload (now or in the background), and CSV import with a preview."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients import import_views
from clients.backup import BackupInvalid
from clients.csv_import import csv_to_document
from clients.models import Client, ImportJob, ImportPreview
from clients.tasks import import_job_start, run_import
from invoices.models import Invoice, Payment
from tests.test_client_pages import html_problems

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def client_data(ref: str, invoices: int = 0) -> dict:
    return {
        "ref": ref,
        "name": f"Client {ref}",
        "email": f"{ref}@example.com",
        "language": "en",
        "currency": "EUR",
        "billing": "hourly",
        "rate": "80.00",
        "payment_terms_days": 14,
        "started_on": days_ago(400),
        "invoices": [
            {
                "number": f"{ref}-{n:04d}",
                "issued_on": days_ago(60),
                "due_on": days_ago(46),
                "amount": "100.00",
                "payments": [{"paid_on": days_ago(40), "amount": "100.00"}],
            }
            for n in range(invoices)
        ],
    }


def backup_file(document: dict, name: str = "backup.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(document).encode(), "application/json")


def csv_file(text: str, name: str = "clients.csv", *, bom: bool = False) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (("\ufeff" if bom else "") + text).encode(), "text/csv")


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def eager(celery_eager):
    return celery_eager


# Backup download


def test_backup_download_holds_alices_data_and_none_of_bobs(alice_client, alice, bob, factories):
    factories.invoice(client=factories.client(owner=alice, ref="acme"), number="A-1")
    factories.invoice(client=factories.client(owner=bob, ref="bobs-client"), number="B-1")

    response = alice_client.get(reverse("backup_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="clientwatch-backup-{TODAY.isoformat()}.json"'
    )
    document = json.loads(response.content)
    assert [c["ref"] for c in document["clients"]] == ["acme"]
    assert [i["number"] for i in document["clients"][0]["invoices"]] == ["A-1"]
    assert b"bobs-client" not in response.content
    assert b"B-1" not in response.content


def test_backup_pages_need_a_login(client):
    for name in ("backup_export", "backup_import", "csv_import"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# JSON upload


def test_backup_page_is_valid_html_with_labelled_upload(alice_client):
    response = alice_client.get(reverse("backup_import"))

    assert response.status_code == 200
    assert html_problems(response.content.decode()) == []
    assert reverse("backup_export") in response.content.decode()
    assert reverse("csv_import") in response.content.decode()
    assert "docs/data-format.md" in response.content.decode()


def test_small_backup_upload_imports_at_once_and_redirects_to_the_dashboard(alice_client, alice):
    document = {"clients": [client_data("acme", invoices=2), client_data("globex")]}

    response = alice_client.post(reverse("backup_import"), {"file": backup_file(document)})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert sorted(Client.objects.for_owner(alice).values_list("ref", flat=True)) == [
        "acme",
        "globex",
    ]
    assert Invoice.objects.for_owner(alice).count() == 2
    assert Payment.objects.for_owner(alice).count() == 2
    [message] = flashed(response)
    assert "Clients: 2 new" in message
    assert "Invoices: 2 new" in message
    assert not ImportJob.objects.exists()


def test_uploading_the_same_backup_again_says_nothing_changed(alice_client, alice):
    document = {"clients": [client_data("acme", invoices=1)]}
    alice_client.post(reverse("backup_import"), {"file": backup_file(document)})

    response = alice_client.post(reverse("backup_import"), {"file": backup_file(document)})

    assert response.status_code == 302
    assert Invoice.objects.for_owner(alice).count() == 1
    assert "Nothing to import" in flashed(response)[-1]


def test_invalid_backup_upload_lists_every_problem_and_saves_nothing(alice_client, alice):
    good = client_data("acme", invoices=1)
    bad = client_data("globex", invoices=1)
    bad["currency"] = "XXQ"
    bad["invoices"][0]["due_on"] = "soon"
    document = {"clients": [good, bad]}

    response = alice_client.post(reverse("backup_import"), {"file": backup_file(document)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "clients[1].currency: unknown currency" in html
    assert "clients[1].invoices[0].due_on: not a date" in html
    assert "Nothing was saved" in html
    assert html_problems(html) == []
    assert not Client.objects.exists()
    assert not Invoice.objects.exists()


def test_upload_that_is_not_json_shows_where_it_breaks(alice_client):
    broken = SimpleUploadedFile("backup.json", b'{"clients": [', "application/json")

    response = alice_client.post(reverse("backup_import"), {"file": broken})

    assert response.status_code == 200
    assert "not valid JSON" in response.content.decode()
    assert not Client.objects.exists()


def test_oversize_upload_is_refused_before_it_is_read(alice_client):
    too_big = SimpleUploadedFile(
        "huge.json", b" " * (import_views.MAX_UPLOAD_BYTES + 1), "application/json"
    )

    response = alice_client.post(reverse("backup_import"), {"file": too_big})

    assert response.status_code == 200
    assert "the limit is 20.0\xa0MB" in response.content.decode()
    assert not ImportJob.objects.exists()


# Large uploads: a background job


# Clients and invoices from which an import goes to the worker.
LARGE = django_settings.IMPORT_BACKGROUND_FROM_ROWS


def large_document() -> dict:
    per_client = LARGE // 4
    return {"clients": [client_data(f"client-{n}", invoices=per_client) for n in range(4)]}


def test_large_upload_becomes_a_job_the_worker_completes(
    alice_client, alice, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.post(
            reverse("backup_import"), {"file": backup_file(large_document(), "big.json")}
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_job", args=[job.pk])
    assert len(callbacks) == 1
    assert job.owner == alice
    assert job.filename == "big.json"
    assert job.state == ImportJob.State.DONE
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert job.result["clients"]["created"] == 4
    assert job.result["invoices"]["created"] == LARGE
    assert job.finished_at is not None
    assert job.payload == ""  # not kept once imported
    assert Invoice.objects.for_owner(alice).count() == LARGE

    page = alice_client.get(response["Location"])
    html = page.content.decode()
    assert html_problems(html) == []
    assert "Go to your clients" in html
    assert "hx-trigger" not in html  # finished: no more polling


def test_large_upload_is_not_queued_before_its_job_is_committed(
    alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alice_client.post(reverse("backup_import"), {"file": backup_file(large_document())})

    assert len(callbacks) == 1
    assert ImportJob.objects.get().state == ImportJob.State.PENDING
    assert Invoice.objects.count() == 0


def pending_job(owner, document: dict) -> ImportJob:
    return import_job_start(
        owner=owner,
        payload=json.dumps(document),
        filename="big.json",
        total=len(document["clients"]),
    )


def test_progress_partial_polls_every_second_while_the_job_waits(
    alice_client, alice, django_assert_num_queries
):
    job = pending_job(alice, large_document())
    url = reverse("import_job", args=[job.pk])

    with django_assert_num_queries(3):  # session, user, job
        response = alice_client.get(url, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="import-progress"')
    assert f'hx-get="{url}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "<progress" in html
    assert f'href="{url}"' in html  # a reload link without JavaScript
    assert html_problems(html, fragment=True) == []


def test_progress_partial_stops_polling_once_the_job_is_done(alice_client, alice):
    job = pending_job(alice, large_document())
    run_import(job.pk)

    response = alice_client.get(reverse("import_job", args=[job.pk]), **HTMX)

    html = response.content.decode()
    assert "hx-trigger" not in html
    assert 'value="100"' in html
    assert "<html" not in html


def test_running_the_import_task_twice_imports_once(alice, django_assert_num_queries):
    job = pending_job(alice, large_document())
    run_import(job.pk)
    job.refresh_from_db()
    finished_at = job.finished_at

    with django_assert_num_queries(1):  # the claim, which finds nothing to claim
        run_import(job.pk)

    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert job.finished_at == finished_at
    assert job.result["invoices"]["created"] == LARGE
    assert Invoice.objects.count() == LARGE


def test_import_task_for_a_deleted_job_returns_quietly(alice):
    job = pending_job(alice, large_document())
    job.delete()

    run_import(job.pk)

    assert not Client.objects.exists()


def test_a_bad_large_file_fails_its_job_with_every_problem_and_saves_nothing(alice_client, alice):
    document = large_document()
    document["clients"][3]["invoices"][7]["due_on"] = "2024-02-30"
    document["clients"][0]["email"] = "not an email"
    job = pending_job(alice, document)

    run_import(job.pk)

    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert any(p.startswith("clients[3].invoices[7].due_on: not a date") for p in job.problems)
    assert any(p.startswith("clients[0].email:") for p in job.problems)
    assert not Client.objects.exists()
    html = alice_client.get(reverse("import_job", args=[job.pk]), **HTMX).content.decode()
    assert "clients[3].invoices[7].due_on" in html
    assert "hx-trigger" not in html


def test_a_job_unfinished_long_after_the_time_limit_stops_polling(alice_client, alice):
    job = pending_job(alice, large_document())
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.RUNNING, created_at=timezone.now() - timedelta(days=1)
    )

    html = alice_client.get(reverse("import_job", args=[job.pk]), **HTMX).content.decode()

    assert "stopped without finishing" in html
    assert "hx-trigger" not in html


def test_bob_gets_404_on_alices_import_job(client, alice, bob):
    job = pending_job(alice, large_document())
    client.force_login(bob)

    assert client.get(reverse("import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("import_job", args=[job.pk]), **HTMX).status_code == 404


# CSV import

HEADER = (
    "client_ref,client_name,client_email,currency,"
    "invoice_number,issued_on,due_on,amount,paid_on,paid_amount"
)
ISSUED, DUE, PAID = days_ago(60), days_ago(46), days_ago(40)
CSV = "\n".join(
    [
        HEADER,
        f"acme,Acme Studio,ops@acme.example,EUR,A-1,{ISSUED},{DUE},1200.00,{PAID},400.00",
        f"acme,,,,A-1,,,,{PAID},800.00",  # a second payment on A-1
        f"acme,,,,A-2,{ISSUED},{DUE},300,,",
        "globex,Globex,ap@globex.example,USD,,,,,,",  # a client alone
    ]
)


def test_csv_preview_shows_the_rows_and_saves_nothing(alice_client, alice):
    response = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})

    assert response.status_code == 200
    html = response.content.decode()
    assert html_problems(html) == []
    assert "Import these rows" in html
    assert 'action="{}"'.format(reverse("csv_import_confirm")) in html
    assert "Acme Studio" in html
    assert "Globex" in html
    rows = re.findall(r'<th scope="row">(\d+)</th>', html)
    assert rows == ["2", "3", "4", "5"]
    counts = dict(re.findall(r'<th scope="row">(\w+)</th>\s*<td class="num">(\d+)</td>', html))
    assert counts == {"Clients": "2", "Invoices": "2", "Payments": "2"}
    assert not Client.objects.exists()
    assert not Invoice.objects.exists()
    assert not Payment.objects.exists()


def test_confirming_the_csv_preview_imports_it(alice_client, alice):
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())[1]

    response = alice_client.post(reverse("csv_import_confirm"), {"token": token})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    acme = Client.objects.for_owner(alice).get(ref="acme")
    assert (acme.name, acme.email, acme.currency) == ("Acme Studio", "ops@acme.example", "EUR")
    assert acme.started_on.isoformat() == days_ago(60)  # its first invoice
    assert Client.objects.for_owner(alice).get(ref="globex").currency == "USD"
    a1 = Invoice.objects.for_owner(alice).get(number="A-1")
    assert sorted(a1.payments.values_list("amount", flat=True)) == [
        Decimal("400.00"),
        Decimal("800.00"),
    ]
    assert Invoice.objects.for_owner(alice).get(number="A-2").amount == Decimal("300.00")
    assert "Clients: 2 new" in flashed(response)[0]
    # The preview is used up: confirming again imports nothing twice, and says what the
    # first confirm did.
    again = alice_client.post(reverse("csv_import_confirm"), {"token": token})
    assert again["Location"] == reverse("dashboard")
    assert "Clients: 2 new" in flashed(again)[0]
    assert Payment.objects.for_owner(alice).count() == 2


def test_confirm_with_a_token_from_another_preview_is_refused(alice_client):
    alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})

    response = alice_client.post(reverse("csv_import_confirm"), {"token": "forged"})

    assert response["Location"] == reverse("csv_import")
    assert "expired" in flashed(response)[0]
    assert not Client.objects.exists()


def test_csv_with_bad_rows_lists_every_problem_by_row_and_column(alice_client):
    text = (
        "client_ref,client_name,client_email,currency,invoice_number,issued_on,due_on,amount\n"
        f"acme,Acme,ops@acme.example,EUR,A-1,{days_ago(9)},{days_ago(2)},100\n"
        f"acme,Acme,ops@acme.example,EUR,A-2,{days_ago(9)},next week,100\n"
        f"globex,Globex,not-an-email,EUR,G-1,{days_ago(9)},{days_ago(2)},1,200\n"
        f"initech,Initech,it@initech.example,EUR,G-2,{days_ago(9)},{days_ago(2)},-5\n"
    )

    response = alice_client.post(reverse("csv_import"), {"file": csv_file(text)})

    html = response.content.decode()
    assert "row 3, due_on: not a date" in html
    assert "row 4: 9 values but the header has 8 columns" in html
    assert "row 5, amount: must be more than 0" in html  # found by the import's own checks
    assert "Import these rows" not in html
    assert html_problems(html) == []
    assert not Client.objects.exists()
    assert "csv_import" not in alice_client.session


def test_csv_problems_found_by_the_import_checks_are_named_by_row(alice_client):
    text = (
        "client_ref,client_name,client_email,currency\n"
        "acme,Acme,ops@acme.example,EUR\n"
        "globex,Globex,not-an-email,EUR\n"
    )

    response = alice_client.post(reverse("csv_import"), {"file": csv_file(text)})

    assert "row 3, client_email: Enter a valid email address." in response.content.decode()


def test_semicolon_csv_with_bom_and_decimal_commas_is_read(alice_client, alice):
    text = (
        "client_ref;client_name;client_email;currency;invoice_number;issued_on;due_on;amount\r\n"
        f"acme;Acme;ops@acme.example;eur;A-1;{days_ago(9)};{days_ago(2)};1200,50\r\n"
    )
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(text, bom=True)})
    assert "Import these rows" in preview.content.decode(), preview.content.decode()
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())[1]

    alice_client.post(reverse("csv_import_confirm"), {"token": token})

    invoice = Invoice.objects.for_owner(alice).get(number="A-1")
    assert invoice.amount == Decimal("1200.50")
    assert invoice.currency == "EUR"


def test_csv_for_an_existing_client_keeps_what_the_file_leaves_out(alice_client, alice, factories):
    factories.client(owner=alice, ref="acme", name="Acme", rate=Decimal("95.00"))
    text = (
        "client_ref,invoice_number,issued_on,due_on,amount\n"
        f"acme,A-1,{days_ago(9)},{days_ago(2)},100\n"
    )
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(text)})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())[1]

    alice_client.post(reverse("csv_import_confirm"), {"token": token})

    acme = Client.objects.for_owner(alice).get(ref="acme")
    assert (acme.name, acme.rate) == ("Acme", Decimal("95.00"))
    assert acme.invoices.get().number == "A-1"


def test_oversize_csv_is_refused(alice_client):
    too_big = SimpleUploadedFile("huge.csv", b"a" * (import_views.MAX_UPLOAD_BYTES + 1))

    response = alice_client.post(reverse("csv_import"), {"file": too_big})

    assert "the limit is 20.0\xa0MB" in response.content.decode()
    assert "csv_import" not in alice_client.session


# csv_to_document, without the database


def test_csv_rows_are_grouped_into_clients_and_invoices():
    document = csv_to_document(CSV, today=TODAY)

    acme, globex = document["clients"]
    assert [i["number"] for i in acme["invoices"]] == ["A-1", "A-2"]
    assert [p["amount"] for p in acme["invoices"][0]["payments"]] == ["400.00", "800.00"]
    assert acme["invoices"][1]["amount"] == "300.00"
    assert (globex["currency"], globex["rate"], globex["billing"]) == ("USD", "0.00", "hourly")
    assert globex["started_on"] == TODAY.isoformat()
    assert "invoices" not in globex


def test_csv_payment_without_an_amount_pays_the_invoice_in_full():
    text = (
        "client_ref,client_name,client_email,currency,invoice_number,issued_on,due_on,amount,paid_on\n"
        "acme,Acme,a@acme.example,EUR,A-1,2024-01-01,2024-01-15,250.00,2024-01-20\n"
    )

    [acme] = csv_to_document(text)["clients"]

    assert acme["invoices"][0]["payments"] == [{"paid_on": "2024-01-20", "amount": "250.00"}]


def test_csv_rows_that_disagree_or_leave_out_a_new_client_are_reported():
    text = (
        "client_ref,client_name,client_email,currency\n"
        "acme,Acme,a@acme.example,EUR\n"
        "acme,ACME Ltd,a@acme.example,EUR\n"
        "globex,,g@globex.example,\n"
    )

    with pytest.raises(BackupInvalid) as raised:
        csv_to_document(text)

    assert raised.value.problems == [
        'row 3, client_name: "ACME Ltd" differs from row 2 for client "acme"',
        'row 4, client_name: required for the new client "globex"',
        'row 4, currency: required for the new client "globex"',
    ]


def test_csv_with_an_invoice_column_but_not_the_others_is_refused_once():
    with pytest.raises(BackupInvalid) as raised:
        csv_to_document("client_ref,invoice_number\nacme,A-1\nacme,A-2\n")

    assert raised.value.problems == [
        "row 1, issued_on: missing column",
        "row 1, due_on: missing column",
        "row 1, amount: missing column",
    ]


def test_csv_with_an_unknown_column_suggests_the_right_one():
    with pytest.raises(BackupInvalid) as raised:
        csv_to_document("client_ref,paid_amout\nacme,5\n")

    assert raised.value.problems == [
        'row 1, paid_amout: unknown column (did you mean "paid_amount"?)'
    ]


def test_confirming_a_large_csv_hands_it_to_the_worker(alice_client, alice, settings):
    settings.IMPORT_BACKGROUND_FROM_ROWS = 4  # CSV's 2 clients and 2 invoices
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())[1]

    response = alice_client.post(reverse("csv_import_confirm"), {"token": token})

    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import_job", args=[job.pk])
    assert (job.state, job.total, job.filename) == (ImportJob.State.PENDING, 2, "clients.csv")
    run_import(job.pk)
    assert Invoice.objects.for_owner(alice).count() == 2


def test_confirm_after_the_data_changed_lists_the_new_problems_by_row(
    alice_client, alice, factories
):
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())[1]
    factories.invoice(client=factories.client(owner=alice, ref="initech"), number="A-2")

    response = alice_client.post(reverse("csv_import_confirm"), {"token": token})

    assert response.status_code == 200
    html = response.content.decode()
    assert "row 4, invoice_number: &quot;A-2&quot; is already used by your client" in html
    assert not Client.objects.for_owner(alice).filter(ref="acme").exists()


# Large client-only CSV files and where previews are kept


def client_only_csv(count: int) -> str:
    rows = [f"c{n},Client {n},c{n}@example.com,EUR" for n in range(count)]
    return "\n".join(["client_ref,client_name,client_email,currency", *rows])


def preview_token(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]


def test_a_large_client_only_csv_goes_to_the_worker_and_not_into_the_session(
    alice_client, alice, settings
):
    # 100,000 rows in production; the threshold is a setting, so a few rows show the switch.
    settings.IMPORT_BACKGROUND_FROM_ROWS = 6
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(client_only_csv(6))})

    html = preview.content.decode()
    assert "imported in the background" in html
    assert html_problems(html) == []
    assert not Client.objects.exists()
    stored = ImportPreview.objects.for_owner(alice).get()
    assert len(stored.document["clients"]) == 6
    assert import_views.CSV_SESSION_KEY not in alice_client.session
    assert "c5@example.com" not in str(dict(alice_client.session.items()))

    response = alice_client.post(reverse("csv_import_confirm"), {"token": preview_token(preview)})

    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import_job", args=[job.pk])
    assert (job.owner, job.total, job.state) == (alice, 6, ImportJob.State.PENDING)
    assert not Client.objects.exists()  # not in the request
    run_import(job.pk)
    assert Client.objects.for_owner(alice).count() == 6
    stored.refresh_from_db()
    assert stored.document == {}  # the file's data is not kept once handed over
    assert "c5@example.com" not in str(dict(alice_client.session.items()))


def test_a_client_only_csv_under_the_threshold_imports_in_the_request(
    alice_client, alice, settings
):
    settings.IMPORT_BACKGROUND_FROM_ROWS = 7
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(client_only_csv(6))})

    response = alice_client.post(reverse("csv_import_confirm"), {"token": preview_token(preview)})

    assert response["Location"] == reverse("dashboard")
    assert not ImportJob.objects.exists()
    assert Client.objects.for_owner(alice).count() == 6


def test_a_second_confirm_of_a_large_preview_shows_the_same_job(alice_client, settings):
    settings.IMPORT_BACKGROUND_FROM_ROWS = 2
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(client_only_csv(3))})
    token = preview_token(preview)

    first = alice_client.post(reverse("csv_import_confirm"), {"token": token})
    second = alice_client.post(reverse("csv_import_confirm"), {"token": token})

    job = ImportJob.objects.get()
    assert first["Location"] == second["Location"] == reverse("import_job", args=[job.pk])


def test_a_second_confirm_after_problems_shows_the_same_problems(alice_client, alice, factories):
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})
    token = preview_token(preview)
    factories.invoice(client=factories.client(owner=alice, ref="initech"), number="A-2")

    first = alice_client.post(reverse("csv_import_confirm"), {"token": token})
    Invoice.objects.filter(number="A-2").delete()  # the clash is gone, but the outcome stays
    second = alice_client.post(reverse("csv_import_confirm"), {"token": token})

    for response in (first, second):
        assert "row 4, invoice_number: &quot;A-2&quot; is already used" in response.content.decode()
    assert not Client.objects.for_owner(alice).filter(ref="acme").exists()


def test_bob_cannot_confirm_alices_preview(alice_client, client, alice, bob):
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})
    client.force_login(bob)

    response = client.post(reverse("csv_import_confirm"), {"token": preview_token(preview)})

    assert response["Location"] == reverse("csv_import")
    assert not Client.objects.exists()
    assert ImportPreview.objects.for_owner(alice).get().confirmed_at is None


def test_an_expired_preview_cannot_be_confirmed_and_goes_with_the_next_upload(alice_client, alice):
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})
    ImportPreview.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = alice_client.post(reverse("csv_import_confirm"), {"token": preview_token(preview)})

    assert response["Location"] == reverse("csv_import")
    assert "expired" in flashed(response)[0]
    assert not Client.objects.exists()
    alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})
    assert ImportPreview.objects.for_owner(alice).count() == 1  # the expired one is gone


def test_a_preview_left_in_the_session_by_an_older_version_is_dropped(alice_client):
    session = alice_client.session
    session[import_views.CSV_SESSION_KEY] = {"token": "t", "document": {"clients": []}}
    session.save()

    alice_client.get(reverse("csv_import"))

    assert import_views.CSV_SESSION_KEY not in alice_client.session


def test_a_large_csv_job_names_its_problems_by_row_and_column(
    alice_client, alice, factories, settings
):
    settings.IMPORT_BACKGROUND_FROM_ROWS = 4
    preview = alice_client.post(reverse("csv_import"), {"file": csv_file(CSV)})
    response = alice_client.post(reverse("csv_import_confirm"), {"token": preview_token(preview)})
    factories.invoice(client=factories.client(owner=alice, ref="initech"), number="A-2")
    job = ImportJob.objects.get()

    run_import(job.pk)

    page = alice_client.get(response["Location"]).content.decode()
    assert "row 4, invoice_number: &quot;A-2&quot; is already used by your client" in page
    assert not Client.objects.for_owner(alice).filter(ref="acme").exists()
