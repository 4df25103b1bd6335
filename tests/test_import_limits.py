"""Every import path refuses what no field can store, naming where it is, and writes
nothing: NUL and lone surrogates in any text, numbers longer than any field holds (a JSON
integer of 5,000 digits must never reach int()), digits of other scripts, over-long texts.

Run on PostgreSQL too: it refuses NUL in text where SQLite stores it."""

import json
from html import unescape
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from clients.backup import BackupInvalid, backup_import, backup_parse
from clients.models import Client, ImportJob
from clients.tasks import run_import
from clientwatch.money import MONEY_WHOLE_DIGITS
from invoices.models import Invoice, Payment
from tests.test_import_pages import client_data, csv_file, pending_job

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000
ARABIC_DATE = "\u0662\u0660\u0662\u0665-\u0660\u0661-\u0660\u0661"  # 2025-01-01


def document_text(path: tuple, value) -> str:
    """A valid one-client document as JSON text with `value` at `path`; a value of
    ("raw", text) is written into the JSON as is (a number json.dumps could not write)."""
    document = {"clients": [client_data("acme", invoices=1)]}
    target = document
    for step in path[:-1]:
        target = target[step]
    raw = isinstance(value, tuple)
    target[path[-1]] = "@@RAW@@" if raw else value
    text = json.dumps(document)
    return text.replace('"@@RAW@@"', value[1]) if raw else text


INVOICE = ("clients", 0, "invoices", 0)
JSON_CASES = [
    (
        ("clients", 0, "name"),
        "Acme\x00Studio",
        "clients[0].name: contains a character that cannot be stored (NUL)",
    ),
    (
        ("clients", 0, "company"),
        "Acme \ud800",
        "clients[0].company: contains a character that cannot be stored (a lone surrogate)",
    ),
    (
        (*INVOICE, "payments", 0, "note"),
        "\x00",
        "clients[0].invoices[0].payments[0].note: contains a character that cannot be stored",
    ),
    (
        ("clients", 0, "payment_terms_days"),
        ("raw", HUGE),
        "clients[0].payment_terms_days: too many digits (5000 characters)",
    ),
    (
        ("clients", 0, "payment_terms_days"),
        ("raw", "1" + "0" * 30),
        "clients[0].payment_terms_days: Ensure this value is less than or equal to 365",
    ),
    ((*INVOICE, "amount"), ("raw", HUGE + ".5"), "clients[0].invoices[0].amount: too many digits"),
    ((*INVOICE, "amount"), HUGE, "clients[0].invoices[0].amount: too many digits"),
    (
        (*INVOICE, "amount"),
        "1" * 29 + ".00",
        f"clients[0].invoices[0].amount: at most {MONEY_WHOLE_DIGITS} digits before the decimal",
    ),
    (
        (*INVOICE, "amount"),
        "\u0661\u0662",
        'clients[0].invoices[0].amount: "\u0661\u0662" is not a decimal',
    ),
    (("clients", 0, "rate"), "²", 'clients[0].rate: "²" is not a decimal number'),
    (
        ("clients", 0, "started_on"),
        ARABIC_DATE,
        "clients[0].started_on: not a date",
    ),
    (
        ("clients", 0, "boundaries"),
        "x" * 4001,
        "clients[0].boundaries: Ensure this value has at most 4000 characters (it has 4001)",
    ),
    (
        (*INVOICE, "notes"),
        "x" * 2001,
        "clients[0].invoices[0].notes: Ensure this value has at most 2000 characters",
    ),
    (
        ("clients", 0, "\ud800"),
        1,
        "clients[0].\\ud800: field name contains a character that cannot be stored",
    ),
]
IDS = [problem.split(":")[0] + "-" + str(i) for i, (_p, _v, problem) in enumerate(JSON_CASES)]


def nothing_written() -> bool:
    return not (Client.objects.exists() or Invoice.objects.exists() or Payment.objects.exists())


@pytest.mark.parametrize(("path", "value", "problem"), JSON_CASES, ids=IDS)
def test_backup_import_names_an_unstorable_value_by_its_path(alice, path, value, problem):
    with pytest.raises(BackupInvalid) as caught:
        backup_import(owner=alice, document=backup_parse(document_text(path, value)))

    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert nothing_written()


@pytest.mark.parametrize(("path", "value", "problem"), JSON_CASES, ids=IDS)
def test_backup_upload_shows_the_problem_and_saves_nothing(alice_client, path, value, problem):
    upload = SimpleUploadedFile("backup.json", document_text(path, value).encode(), "text/json")

    response = alice_client.post(reverse("backup_import"), {"file": upload})

    assert response.status_code == 200
    assert problem in unescape(response.content.decode())
    assert nothing_written()


@pytest.mark.parametrize(("path", "value", "problem"), JSON_CASES, ids=IDS)
def test_the_background_job_fails_with_the_problem_and_saves_nothing(
    alice_client, alice, path, value, problem
):
    job = pending_job(alice, {"clients": []})
    ImportJob.objects.filter(pk=job.pk).update(payload=document_text(path, value))

    run_import(job.pk)

    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert any(p.startswith(problem) for p in job.problems), job.problems
    page = alice_client.get(reverse("import_job", args=[job.pk]))
    assert page.status_code == 200
    assert problem in unescape(page.content.decode())
    assert nothing_written()


@pytest.mark.parametrize(("path", "value", "problem"), JSON_CASES, ids=IDS)
def test_the_import_data_command_reports_the_problem(alice, tmp_path, path, value, problem):
    file = tmp_path / "backup.json"
    file.write_text(document_text(path, value), encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("import_data", str(file), "--user", "alice", stdout=StringIO())

    assert problem in str(caught.value)
    str(caught.value).encode("utf-8")  # printable: no lone surrogate left in it
    assert nothing_written()


def test_a_huge_json_number_never_reaches_int(alice, monkeypatch):
    import builtins

    real_int = builtins.int

    def guarded(value=0, *args):
        assert not (isinstance(value, str) and len(value) > 100), "int() saw a huge number"
        return real_int(value, *args)

    text = document_text(("clients", 0, "payment_terms_days"), ("raw", HUGE))
    with pytest.raises(BackupInvalid):
        monkeypatch.setattr(builtins, "int", guarded)
        try:
            document = backup_parse(text)
        finally:
            monkeypatch.setattr(builtins, "int", real_int)
        backup_import(owner=alice, document=document)


# CSV: the preview refuses it, so there is nothing to confirm

HEADER = (
    "client_ref,client_name,client_email,payment_terms_days,invoice_number,issued_on,due_on,amount"
)


def csv_row(**cells: str) -> str:
    values = {
        "client_ref": "acme",
        "client_name": "Acme Studio",
        "client_email": "ops@acme.example",
        "payment_terms_days": "14",
        "invoice_number": "A-1",
        "issued_on": "2025-01-01",
        "due_on": "2025-01-15",
        "amount": "100.00",
    } | cells
    return HEADER + "\n" + ",".join(values[c] for c in HEADER.split(","))


CSV_CASES = [
    ({"client_name": "Acme\x00Studio"}, "row 2, client_name: contains a character that cannot"),
    ({"invoice_number": "A\x00"}, "row 2, invoice_number: contains a character that cannot"),
    ({"amount": "1" * 29}, "row 2, amount: too large"),
    ({"amount": HUGE}, "row 2, amount: too large"),
    ({"amount": "\u0661\u0662"}, "row 2, amount: not an amount"),
    ({"payment_terms_days": HUGE}, "row 2, payment_terms_days: too many digits (5000)"),
    ({"payment_terms_days": "1" + "0" * 20}, "row 2, payment_terms_days: Ensure this value is"),
    ({"payment_terms_days": "²"}, "row 2, payment_terms_days: not a whole number of days"),
    ({"issued_on": ARABIC_DATE}, "row 2, issued_on: not a date"),
    ({"client_name": "x" * 121}, "row 2, client_name: Ensure this value has at most 120"),
]


@pytest.mark.parametrize(("cells", "problem"), CSV_CASES, ids=[p for _c, p in CSV_CASES])
def test_csv_preview_names_the_row_and_column_and_confirm_has_nothing_to_import(
    alice_client, cells, problem
):
    response = alice_client.post(reverse("csv_import"), {"file": csv_file(csv_row(**cells))})

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert problem in html, html
    assert HUGE not in html  # a long cell is quoted cut short, if at all
    assert 'name="token"' not in html
    confirm = alice_client.post(reverse("csv_import_confirm"), {"token": "any"})
    assert confirm.status_code == 302
    assert nothing_written()
