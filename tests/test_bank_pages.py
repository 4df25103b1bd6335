"""Bank statements from the browser and the command line: upload, name a CSV's columns,
preview and correct the matches, confirm once; payments recorded with the bank's date;
reminders stopping; the same statement twice; a bad file; a large one in the background;
another freelancer seeing nothing."""

from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from clients.models import Client
from invoices import reminders
from invoices.bank.models import BankCredit, BankImport
from invoices.bank.tasks import run_bank_import
from invoices.models import Payment, Reminder
from tests.test_client_pages import HTMX, html_problems

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "bank"
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def today():
    # The statements' dates are November 2026: payments cannot be dated in the future.
    with time_machine.travel("2026-12-01 10:00Z", tick=False):
        yield


@pytest.fixture
def invoices(acme, factories):
    def make(number, amount, issued):
        return factories.invoice(
            client=acme,
            number=number,
            amount=Decimal(amount),
            issued_on=issued,
            due_on=date(issued.year, issued.month, issued.day + 5),
        )

    return {
        "014": make("ACME-2026-014", "1200.00", date(2026, 10, 15)),
        "015": make("ACME-2026-015", "300.00", date(2026, 10, 20)),
        "016": make("ACME-2026-016", "450.00", date(2026, 10, 21)),
    }


def upload(client, name, **data):
    raw = (DATA / name).read_bytes()
    return client.post(
        reverse("bank_statement_upload"), {"file": SimpleUploadedFile(name, raw), **data}
    )


def preview_of(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response.url)


def confirm(client, bank_import, lines):
    """Post the preview's form with `lines`: {credit index: [(number, amount), ...]}."""
    data = {"csrfmiddlewaretoken": "x"}
    for index, allocations in lines.items():
        for line, (number, amount) in enumerate(allocations):
            data[f"c{index}-{line}-invoice"] = number
            data[f"c{index}-{line}-amount"] = amount
    return client.post(reverse("bank_statement_confirm", args=[bank_import.token]), data)


def test_camt_statement_previewed_with_proposed_matches_nothing_saved(alice_client, invoices):
    page = preview_of(alice_client, upload(alice_client, "camt053.xml"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html_problems(html) == []
    assert "2 payments came in" in html
    assert "1 line of money going out, left out" in html
    assert 'name="c0-0-invoice" value="ACME-2026-014"' in html
    assert 'name="c1-0-invoice" value="ACME-2026-015"' in html
    assert 'name="c1-1-invoice" value="ACME-2026-016"' in html
    assert not Payment.objects.exists()
    assert not BankCredit.objects.exists()


def test_confirmed_matches_are_payments_dated_by_the_bank_and_reminders_stop(
    alice, alice_client, invoices, smtp_server
):
    late = invoices["014"]
    # Overdue since 20 October: today's run would send the nudge.
    assert [d.invoice for d in reminders.reminders_due(owner=alice, as_of=TODAY)] == [
        late,
        invoices["015"],
        invoices["016"],
    ]
    upload(alice_client, "camt053.xml")
    bank_import = BankImport.objects.get()
    response = confirm(
        alice_client,
        bank_import,
        {
            0: [("ACME-2026-014", "1200.00")],
            1: [("ACME-2026-015", "300.00"), ("ACME-2026-016", "450.00")],
        },
    )
    assert response.status_code == 302
    payments = {p.invoice.number: p for p in Payment.objects.select_related("invoice")}
    assert {n: (p.paid_on, p.amount) for n, p in payments.items()} == {
        "ACME-2026-014": (date(2026, 11, 3), Decimal("1200.00")),
        "ACME-2026-015": (date(2026, 11, 6), Decimal("300.00")),
        "ACME-2026-016": (date(2026, 11, 6), Decimal("450.00")),
    }
    combined = BankCredit.objects.get(amount=Decimal("750.00"))
    assert combined.payments.count() == 2
    assert combined.booked_on == date(2026, 11, 6)
    # The next reminder run sends nothing for them.
    assert reminders.reminders_due(owner=alice, as_of=TODAY) == []
    reminders.freelancer_reminders_run(owner=alice, as_of=TODAY)
    assert not Reminder.objects.exists()
    assert all("reminder" not in m["Subject"].lower() for m in smtp_server.mailbox.messages)
    done = alice_client.get(response.url).content.decode()
    assert "Recorded 3 payments from the statement." in done


def test_the_same_statement_twice_records_nothing_new(alice_client, invoices):
    upload(alice_client, "statement.ofx")
    first = BankImport.objects.get()
    confirm(alice_client, first, {0: [("ACME-2026-014", "1200.00")]})
    assert Payment.objects.count() == 1
    page = preview_of(alice_client, upload(alice_client, "statement.ofx"))
    html = page.content.decode()
    assert "1 recorded by an earlier import, left out" in html
    assert "Already recorded by an earlier import." in html
    second = BankImport.objects.exclude(pk=first.pk).get()
    confirm(alice_client, second, {0: [("ACME-2026-014", "1200.00")]})
    assert Payment.objects.count() == 1
    assert BankCredit.objects.count() == 1


def test_two_transfers_for_one_invoice_each_a_payment(alice_client, invoices):
    upload(alice_client, "statement.ofx")
    bank_import = BankImport.objects.get()
    html = alice_client.get(reverse("bank_statement", args=[bank_import.token])).content.decode()
    assert 'name="c1-0-invoice" value="ACME-2026-015"' in html
    assert 'name="c2-0-invoice" value="ACME-2026-015"' in html
    confirm(
        alice_client,
        bank_import,
        {1: [("ACME-2026-015", "150.00")], 2: [("ACME-2026-015", "150,00")]},
    )
    paid = invoices["015"].payments.order_by("paid_on")
    assert [(p.paid_on, p.amount) for p in paid] == [
        (date(2026, 11, 5), Decimal("150.00")),
        (date(2026, 11, 6), Decimal("150.00")),
    ]


def test_an_allocation_over_the_credit_or_the_balance_is_refused_whole(alice_client, invoices):
    upload(alice_client, "camt053.xml")
    bank_import = BankImport.objects.get()
    response = confirm(
        alice_client,
        bank_import,
        {
            0: [("ACME-2026-014", "1200.00")],
            1: [("ACME-2026-015", "400.00"), ("ACME-2026-016", "450.00")],
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was recorded: 2 problems" in html
    assert "together more than the €750.00 received." in html
    assert "ACME-2026-015: more than it still owes." in html
    # The form comes back as filled in, to correct.
    assert 'name="c1-0-amount" value="400.00"' in html
    assert not Payment.objects.exists() and not BankCredit.objects.exists()
    assert BankImport.objects.get().state == BankImport.State.PREVIEW


def test_an_unknown_invoice_number_is_named(alice_client, invoices):
    upload(alice_client, "camt053.xml")
    response = confirm(alice_client, BankImport.objects.get(), {0: [("NOPE-1", "10")]})
    assert "no open invoice numbered “NOPE-1”" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_cleared_line_leaves_that_credit_out(alice_client, invoices):
    upload(alice_client, "camt053.xml")
    confirm(alice_client, BankImport.objects.get(), {0: [("", "")], 1: [("ACME-2026-015", "300")]})
    assert [p.invoice.number for p in Payment.objects.all()] == ["ACME-2026-015"]


def test_confirming_twice_records_once(alice_client, invoices):
    upload(alice_client, "camt053.xml")
    bank_import = BankImport.objects.get()
    lines = {0: [("ACME-2026-014", "1200.00")]}
    confirm(alice_client, bank_import, lines)
    confirm(alice_client, bank_import, lines)
    assert Payment.objects.count() == 1


def test_plain_csv_columns_are_named_then_previewed(alice_client, invoices, factories, acme):
    muehle = factories.client(owner=acme.owner, name="Mühle & Söhne GmbH", ref="muehle")
    factories.invoice(
        client=muehle,
        number="MUE-7",
        amount=Decimal("980.50"),
        issued_on=date(2026, 10, 1),
        due_on=date(2026, 10, 15),
    )
    response = upload(alice_client, "bank-semicolon-cp1252.csv")
    bank_import = BankImport.objects.get()
    assert response.url == reverse("bank_statement_columns", args=[bank_import.token])
    page = alice_client.get(response.url)
    html = page.content.decode()
    assert html_problems(html) == []
    assert "Verwendungszweck" in html and "Mühle &amp; Söhne GmbH" in html
    assert '<option value="3" selected>Verwendungszweck</option>' in html
    response = alice_client.post(
        response.url,
        {"date": 0, "amount": 4, "description": 3, "counterparty": 2, "currency": 5},
    )
    html = preview_of(alice_client, response).content.decode()
    assert 'name="c0-0-invoice" value="MUE-7"' in html
    assert 'name="c1-0-amount" value="600.00"' in html  # a part payment of ACME-2026-014


def test_plain_csv_with_one_column_for_two_roles_is_refused(alice_client, invoices):
    upload(alice_client, "bank-semicolon-cp1252.csv")
    bank_import = BankImport.objects.get()
    page = alice_client.post(
        reverse("bank_statement_columns", args=[bank_import.token]),
        {"date": 0, "amount": 0, "description": 3},
    )
    assert "Choose a different column for each of them." in page.content.decode()


def test_a_bad_file_is_refused_with_every_problem_and_nothing_kept(alice_client, invoices):
    raw = (DATA / "camt053.xml").read_bytes()
    raw = raw.replace(b"<Dt>2026-11-03</Dt></BookgDt>", b"<Dt>soon</Dt></BookgDt>")
    raw = raw.replace(b'<Amt Ccy="EUR">750.00</Amt>', b'<Amt Ccy="EUR">lots</Amt>')
    page = alice_client.post(
        reverse("bank_statement_upload"), {"file": SimpleUploadedFile("bad.xml", raw)}
    )
    html = page.content.decode()
    assert "The file was not imported: 2 problems" in html
    assert "statement 1, entry 1, BookgDt: not a date" in html
    assert "statement 1, entry 2, Amt: not an amount" in html
    assert not BankImport.objects.exists()


def test_billion_laughs_is_refused(alice_client):
    page = upload(alice_client, "billion-laughs.xml")
    assert page.status_code == 200
    assert "declares a DTD or entities" in page.content.decode()


@pytest.mark.parametrize("name", ["stripe-balance.csv", "paypal-activity.csv", "statement.sta"])
def test_stripe_paypal_and_mt940_go_straight_to_the_preview(alice_client, invoices, name):
    html = preview_of(alice_client, upload(alice_client, name)).content.decode()
    assert 'name="c0-0-invoice" value="ACME-2026-014"' in html


def test_preview_queries_do_not_grow_with_the_statement(
    alice_client, invoices, django_assert_num_queries
):
    def statement(n):
        entries = "".join(
            f'<Ntry><Amt Ccy="EUR">{10 + i}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<BookgDt><Dt>2026-11-10</Dt></BookgDt><AcctSvcrRef>R{i}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RmtInf><Ustrd>ACME-2026-01{4 + i % 3}</Ustrd></RmtInf>"
            "</TxDtls></NtryDtls></Ntry>"
            for i in range(n)
        )
        return (
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            f"<Stmt>{entries}</Stmt></BkToCstmrStmt></Document>"
        ).encode()

    urls = []
    for n in (2, 40):
        response = alice_client.post(
            reverse("bank_statement_upload"),
            {"file": SimpleUploadedFile(f"s{n}.xml", statement(n))},
        )
        urls.append(response.url)
    alice_client.get(urls[0])  # the session and the like, read once
    for url in urls:
        with django_assert_num_queries(5):
            assert alice_client.get(url).status_code == 200


def test_another_freelancer_sees_and_confirms_nothing(alice_client, bob, invoices, client):
    upload(alice_client, "camt053.xml")
    bank_import = BankImport.objects.get()
    client.force_login(bob)
    assert client.get(reverse("bank_statement", args=[bank_import.token])).status_code == 404
    assert (
        client.get(reverse("bank_statement_columns", args=[bank_import.token])).status_code == 404
    )
    assert confirm(client, bank_import, {0: [("ACME-2026-014", "1200")]}).status_code == 404
    # Bob's own statement is matched against his invoices only: alice's are unknown to him.
    upload(client, "camt053.xml")
    his = BankImport.objects.get(owner=bob)
    html = client.get(reverse("bank_statement", args=[his.token])).content.decode()
    assert 'value="ACME-2026-014"' not in html  # not proposed, not among the open numbers
    assert html.count("No open invoice fits this payment.") == 2
    response = confirm(client, his, {0: [("ACME-2026-014", "1200")]})
    assert "no open invoice numbered" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_large_statement_is_recorded_in_the_background_with_progress(
    alice_client, invoices, settings
):
    settings.BANK_BACKGROUND_FROM_CREDITS = 2
    html = preview_of(alice_client, upload(alice_client, "statement.ofx")).content.decode()
    assert "This statement is large" in html
    assert 'name="c0-0-invoice"' not in html  # a summary, not a form per line
    bank_import = BankImport.objects.get()
    response = alice_client.post(reverse("bank_statement_confirm", args=[bank_import.token]), {})
    bank_import.refresh_from_db()
    assert bank_import.state == BankImport.State.PENDING
    assert bank_import.total == 3
    progress = alice_client.get(response.url, **HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in progress
    assert not Payment.objects.exists()
    run_bank_import(bank_import.pk)
    run_bank_import(bank_import.pk)  # a second delivery does nothing
    bank_import.refresh_from_db()
    assert bank_import.state == BankImport.State.DONE
    assert bank_import.credits == []
    assert sorted((p.invoice.number, p.amount) for p in Payment.objects.all()) == [
        ("ACME-2026-014", Decimal("1200.00")),
        ("ACME-2026-015", Decimal("150.00")),
        ("ACME-2026-015", Decimal("150.00")),
    ]
    done = alice_client.get(response.url, **HTMX).content.decode()
    assert "hx-trigger" not in done
    assert "Recorded 3 payments from the statement." in done


def test_a_background_apply_refused_by_the_payment_rules_records_nothing(
    alice_client, invoices, settings, factories
):
    settings.BANK_BACKGROUND_FROM_CREDITS = 2
    upload(alice_client, "statement.ofx")
    bank_import = BankImport.objects.get()
    alice_client.post(reverse("bank_statement_confirm", args=[bank_import.token]), {})
    # Meanwhile ACME-2026-015 was paid by hand: the statement's part payments would overpay.
    factories.payment(invoice=invoices["015"], amount=Decimal("300.00"), paid_on=TODAY)
    run_bank_import(bank_import.pk)
    bank_import.refresh_from_db()
    assert bank_import.state == BankImport.State.FAILED
    assert any("ACME-2026-015" in p for p in bank_import.problems)
    assert Payment.objects.count() == 1
    assert not BankCredit.objects.exists()


def test_command_dry_run_saves_nothing_then_records_once(alice, invoices):
    out = StringIO()
    call_command(
        "import_bank_statement", str(DATA / "camt053.xml"), user="alice", dry_run=True, stdout=out
    )
    assert "2 credits, 1 debits left out, 0 recorded before, 2 matched." in out.getvalue()
    assert "2026-11-06 750.00 EUR: ACME-2026-015 300.00, ACME-2026-016 450.00" in out.getvalue()
    assert not Payment.objects.exists() and not BankImport.objects.exists()
    call_command(
        "import_bank_statement", str(DATA / "camt053.xml"), user="alice", stdout=StringIO()
    )
    assert Payment.objects.count() == 3
    out = StringIO()
    call_command("import_bank_statement", str(DATA / "camt053.xml"), user="alice", stdout=out)
    assert "2 recorded before, 0 matched" in out.getvalue()
    assert Payment.objects.count() == 3


def test_command_names_a_bad_file_and_a_csv_without_columns(alice):
    with pytest.raises(CommandError, match="DTD"):
        call_command("import_bank_statement", str(DATA / "billion-laughs.xml"), user="alice")
    with pytest.raises(CommandError, match="No freelancer"):
        call_command("import_bank_statement", str(DATA / "camt053.xml"), user="nobody")


def test_paused_client_resumes_once_the_bank_payment_is_recorded(alice_client, invoices, acme):
    Client.objects.filter(pk=acme.pk).update(status=Client.Status.PAUSED)
    upload(alice_client, "camt053.xml")
    confirm(
        alice_client,
        BankImport.objects.get(),
        {0: [("ACME-2026-014", "1200")], 1: [("ACME-2026-015", "300"), ("ACME-2026-016", "450")]},
    )
    acme.refresh_from_db()
    assert acme.status == Client.Status.ACTIVE


@pytest.mark.parametrize(
    ("language", "came_in", "reason"),
    [
        ("fi", "2 maksua saapui", "laskun numero viitteessä"),
        ("fy", "2 betellingen binnenkaam", "faktuernûmer yn de referinsje"),
        ("ms", "2 bayaran masuk", "nombor invois dalam rujukan"),
        ("id", "2 pembayaran masuk", "nomor faktur dalam referensi"),
    ],
)
def test_the_preview_reads_in_the_freelancers_language(
    alice_client, invoices, language, came_in, reason
):
    response = upload(alice_client, "camt053.xml")
    html = alice_client.get(response.url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert came_in in html
    assert reason in html
    assert "Nothing is saved yet" not in html
