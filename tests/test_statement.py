"""The statement of account: aging, totals against the database, the page and the PDF."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from clients.reports import report_pdf
from clients.services import profile_for
from clients.wording import Kind, wording_save
from clientwatch.money import format_day, format_money
from invoices.letters import statement_pdf
from invoices.models import Invoice, LateFee, Payment
from invoices.statement import BUCKETS, Bucket, aging_bucket, statement_for

TODAY = timezone.localdate()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\u00a0\u202f]", " ", text)  # no-break spaces read back as spaces


# --- Aging --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-30, Bucket.CURRENT),
        (0, Bucket.CURRENT),
        (1, Bucket.DAYS_1_30),
        (30, Bucket.DAYS_1_30),
        (31, Bucket.DAYS_31_60),
        (60, Bucket.DAYS_31_60),
        (61, Bucket.DAYS_61_90),
        (90, Bucket.DAYS_61_90),
        (91, Bucket.OVER_90),
        (3650, Bucket.OVER_90),
    ],
)
def test_aging_buckets_at_their_boundaries(days, bucket):
    assert aging_bucket(days) == bucket


# Each bucket's days, written out independently of the function under test.
RANGES = {
    Bucket.CURRENT: (None, 0),
    Bucket.DAYS_1_30: (1, 30),
    Bucket.DAYS_31_60: (31, 60),
    Bucket.DAYS_61_90: (61, 90),
    Bucket.OVER_90: (91, None),
}


@given(st.integers(min_value=-100_000, max_value=100_000))
def test_every_day_lands_in_exactly_one_bucket(days):
    holding = [
        bucket
        for bucket, (low, high) in RANGES.items()
        if (low is None or days >= low) and (high is None or days <= high)
    ]
    assert holding == [aging_bucket(days)]


@given(st.integers(-100_000, 100_000), st.integers(0, 100_000))
def test_an_older_debt_is_never_in_a_younger_bucket(days, more):
    assert BUCKETS.index(aging_bucket(days)) <= BUCKETS.index(aging_bucket(days + more))


# --- Data ---------------------------------------------------------------------------


def fee(invoice, amount, *, days_ago=0, kind="flat", stage="nudge", **extra):
    return LateFee.objects.create(
        invoice=invoice,
        kind=kind,
        stage=stage,
        amount=Decimal(amount),
        currency=invoice.currency,
        charged_on=TODAY - timedelta(days=days_ago),
        **extra,
    )


def invoice(factories, client, number, amount, *, overdue, currency=None, **extra):
    due_on = TODAY - timedelta(days=overdue)
    return factories.invoice(
        client=client,
        number=number,
        amount=Decimal(amount),
        currency=currency or client.currency,
        issued_on=due_on - timedelta(days=14),
        due_on=due_on,
        **extra,
    )


@pytest.fixture
def owing(alice, factories):
    """A client with every kind of line, in euros and US dollars."""
    client = factories.client(owner=alice, name="Two Purse Ltd", currency="EUR", language="en")
    a = invoice(factories, client, "E-1", "1000.00", overdue=45)  # 31-60
    factories.payment(invoice=a, amount=Decimal("400.00"), paid_on=TODAY - timedelta(days=10))
    invoice(factories, client, "E-2", "250.00", overdue=-5)  # not yet due
    invoice(
        factories, client, "E-3", "300.00", overdue=100, disputed=True, dispute_reason="Scope"
    )  # over 90, disputed but still owed
    paid = invoice(factories, client, "E-4", "500.00", overdue=20)
    factories.payment(invoice=paid, amount=Decimal("500.00"), paid_on=TODAY - timedelta(days=5))
    invoice(factories, client, "E-5", "999.00", overdue=10, state=Invoice.State.DRAFT)
    gone = invoice(factories, client, "E-6", "777.00", overdue=200)
    gone.state = Invoice.State.WRITTEN_OFF
    gone.save()
    d = invoice(factories, client, "U-1", "2000.00", overdue=75, currency="USD")  # 61-90
    fee(a, "40.00", days_ago=3)  # 1-30 from its charge date
    fee(a, "15.00", days_ago=0, kind="interest", rate=Decimal("8"), stage="paused",
        period_start=a.due_on, period_end=TODAY)  # fmt: skip
    fee(paid, "25.00", days_ago=40)  # still owed on a paid invoice: 31-60
    fee(a, "99.00", kind="percent", stage="final", rate=Decimal("5"), waived_on=TODAY)
    fee(paid, "11.00", stage="paused", paid_on=TODAY)
    fee(gone, "50.00")  # on a written-off invoice: not asked for
    fee(d, "60.00", days_ago=95)  # over 90
    return client


def owed_in_database(client) -> dict[str, Decimal]:
    """What the client owes per currency, summed by the database itself."""
    paid = Subquery(
        Payment.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=DecimalField(),
    )
    zero = Value(Decimal("0"), output_field=DecimalField())
    invoices = (
        Invoice.objects.filter(client=client, state=Invoice.State.SENT)
        .annotate(paid=Coalesce(paid, zero))
        .filter(paid__lt=F("amount"))
        .values("currency")
        .annotate(balance=Sum(F("amount") - F("paid")))
    )
    fees = (
        LateFee.objects.filter(
            invoice__client=client,
            invoice__state=Invoice.State.SENT,
            waived_on__isnull=True,
            paid_on__isnull=True,
        )
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    owed: dict[str, Decimal] = {}
    for row in invoices:
        owed[row["currency"]] = owed.get(row["currency"], Decimal("0")) + row["balance"]
    for row in fees:
        owed[row["currency"]] = owed.get(row["currency"], Decimal("0")) + row["total"]
    return owed


# --- statement_for ------------------------------------------------------------------


@pytest.mark.django_db
def test_statement_totals_equal_the_database_per_currency_with_fees(owing):
    statement = statement_for(owing, as_of=TODAY)
    totals = {t.currency: t for t in statement.totals}
    assert {c: t.owed for c, t in totals.items()} == owed_in_database(owing)
    # And by hand: 600 + 250 + 300 open in euros, 40 + 15 + 25 in fees.
    assert totals["EUR"].invoices == Decimal("1150.00")
    assert totals["EUR"].fees == Decimal("80.00")
    assert totals["USD"].invoices == Decimal("2000.00")
    assert totals["USD"].fees == Decimal("60.00")
    for total in statement.totals:
        assert sum(amount for _, amount in total.aging) == total.owed
        assert all(isinstance(amount, Decimal) for _, amount in total.aging)
    assert dict(totals["EUR"].aging) == {
        Bucket.CURRENT: Decimal("265.00"),  # E-2, and the interest charged today
        Bucket.DAYS_1_30: Decimal("40.00"),
        Bucket.DAYS_31_60: Decimal("625.00"),  # E-1's balance, the fee on E-4
        Bucket.DAYS_61_90: Decimal("0"),
        Bucket.OVER_90: Decimal("300.00"),
    }
    assert dict(totals["USD"].aging)[Bucket.OVER_90] == Decimal("60.00")
    assert dict(totals["USD"].aging)[Bucket.DAYS_61_90] == Decimal("2000.00")


@pytest.mark.django_db
def test_statement_lists_open_invoices_fees_still_owed_and_recent_payments(owing):
    statement = statement_for(owing, as_of=TODAY)
    assert [i.number for i in statement.invoices] == ["E-3", "U-1", "E-1", "E-2"]  # by due date
    e1 = next(i for i in statement.invoices if i.number == "E-1")
    assert (e1.amount, e1.paid, e1.balance, e1.days_overdue) == (
        Decimal("1000.00"),
        Decimal("400.00"),
        Decimal("600.00"),
        45,
    )
    assert next(i for i in statement.invoices if i.number == "E-3").disputed
    assert sorted(f.amount for f in statement.fees) == [
        Decimal(x) for x in ("15.00", "25.00", "40.00", "60.00")
    ]
    assert {p.invoice_number for p in statement.payments} == {"E-1", "E-4"}
    assert statement.owed


@pytest.mark.django_db
def test_a_client_who_owes_nothing_has_an_empty_statement(alice, factories):
    client = factories.client(owner=alice)
    paid = invoice(factories, client, "P-1", "100.00", overdue=3)
    factories.payment(invoice=paid, amount=Decimal("100.00"))
    statement = statement_for(client, as_of=TODAY)
    assert not statement.owed
    assert statement.invoices == () and statement.fees == () and statement.totals == ()


@pytest.mark.django_db
def test_a_paid_invoice_with_a_fee_still_open_is_still_owed(alice_client, alice, factories):
    client = factories.client(owner=alice, name="Fee Left")
    paid = invoice(factories, client, "P-2", "100.00", overdue=30)
    factories.payment(invoice=paid, amount=Decimal("100.00"))
    fee(paid, "25.00", days_ago=2)
    statement = statement_for(client, as_of=TODAY)
    assert statement.owed and statement.invoices == ()
    assert [(t.currency, t.invoices, t.fees, t.owed) for t in statement.totals] == [
        ("EUR", Decimal("0"), Decimal("25.00"), Decimal("25.00"))
    ]
    page = alice_client.get(reverse("client_statement", args=[client.pk])).content.decode()
    assert "Nothing is owed" not in page and "€25.00" in page


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_statement_for_costs_three_queries_however_many_invoices(
    alice, factories, django_assert_num_queries, count
):
    client = factories.client(owner=alice)
    for n in range(count):
        row = invoice(factories, client, f"Q-{n}", "100.00", overdue=n * 5)
        factories.payment(invoice=row, amount=Decimal("10.00"))
        fee(row, "5.00", days_ago=n)
    with django_assert_num_queries(3):  # open invoices, fees, payments
        statement = statement_for(client, as_of=TODAY)
    assert len(statement.invoices) == count
    assert len(statement.fees) == count


# --- The page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_statement_page_shows_lines_totals_and_aging(alice_client, owing):
    response = alice_client.get(reverse("client_statement", args=[owing.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("E-1", "E-2", "E-3", "U-1", "€1,230.00", "$2,060.00", "Interest at 8%"):
        assert text in page, text
    for bucket in Bucket:
        assert str(bucket.label) in page
    assert "E-5" not in page and "E-6" not in page  # draft, written off
    assert "€99.00" not in page and "€11.00" not in page  # waived, paid
    assert reverse("client_statement_pdf", args=[owing.pk]) in page


@pytest.mark.django_db
def test_the_statement_page_says_when_nothing_is_owed(alice_client, alice, factories):
    client = factories.client(owner=alice)
    response = alice_client.get(reverse("client_statement", args=[client.pk]))
    assert response.status_code == 200
    assert "Nothing is owed" in response.content.decode()


@pytest.mark.django_db
def test_another_freelancer_gets_404_for_the_statement_and_its_pdf(client, bob, owing):
    client.force_login(bob)
    for name in ("client_statement", "client_statement_pdf"):
        assert client.get(reverse(name, args=[owing.pk])).status_code == 404


@pytest.mark.django_db
def test_the_statement_page_costs_a_fixed_number_of_queries(
    alice_client, alice, factories, django_assert_num_queries
):
    client = factories.client(owner=alice)
    for n in range(20):
        fee(invoice(factories, client, f"N-{n}", "10.00", overdue=n), "1.00")
    url = reverse("client_statement", args=[client.pk])
    # session, user, client, profile, then the statement's three
    with django_assert_num_queries(7):
        alice_client.get(url)


# --- The PDF ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_statement_pdf_reads_back_with_lines_aging_and_totals(alice_client, alice, owing):
    profile = profile_for(alice)
    profile.business_name = "Alice Design"
    profile.business_details = "1 Harbour Street, Helsinki"
    wording_save(
        owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="en", text="IBAN FI00 1234 5678"
    )
    profile.save()
    response = alice_client.get(reverse("client_statement_pdf", args=[owing.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(b"".join(response.streaming_content))
    for expected in (
        "Two Purse Ltd",
        "Alice Design",
        "1 Harbour Street, Helsinki",
        "IBAN FI00 1234 5678",
        "Statement of account",
        "E-1",
        "E-2",
        "E-3",
        "U-1",
        "Not yet due",
        "1-30 days",
        "31-60 days",
        "61-90 days",
        "Over 90 days",
        "€1,230.00",
        "$2,060.00",
        "€625.00",  # the 31-60 column in euros
    ):
        assert expected in text, expected
    assert "E-5" not in text and "E-6" not in text


@pytest.mark.django_db
def test_the_statement_pdf_on_letter_paper_for_a_freelancer_who_asks(alice, owing):
    profile = profile_for(alice)
    profile.paper_size = "Letter"
    profile.save()
    reader = PdfReader(io.BytesIO(statement_pdf(owing, as_of=TODAY, profile=profile)))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (612, 792)


@pytest.mark.django_db
def test_the_statement_pdf_of_a_client_who_owes_nothing_says_so(alice, factories):
    client = factories.client(owner=alice, name="Square Deal Oy")
    text = pdf_text(statement_pdf(client, as_of=TODAY))
    assert "Square Deal Oy" in text
    assert "Nothing is owed" in text


@pytest.mark.django_db
def test_a_finnish_client_reads_amounts_and_dates_the_finnish_way(alice, factories):
    client = factories.client(owner=alice, name="Hidas Maksaja Oy", language="fi", currency="EUR")
    row = invoice(factories, client, "FI-1", "1200.00", overdue=40)
    text = pdf_text(statement_pdf(client, as_of=TODAY))
    amount = format_money(Decimal("1200.00"), "EUR", "fi").replace("\u00a0", " ")
    assert amount == "1 200,00 €"
    assert amount in text
    assert format_day(row.due_on, "fi", "medium") in text  # a table cell: 14.10.2026
    assert format_day(TODAY, "fi") in text  # the letter's date: 2. joulukuuta 2026
    with translation.override("fi"):
        heading = translation.gettext("Statement of account")
    assert heading != "Statement of account"  # the catalogue has it
    assert heading in text
    assert "FI-1" in text and "Hidas Maksaja Oy" in text


# --- The exit report's statement ----------------------------------------------------


@pytest.mark.django_db
def test_the_handover_report_asks_for_late_fees_still_owed_and_not_waived_ones(owing):
    text = pdf_text(report_pdf(owing, internal=False))
    assert "Late fees" in text
    assert "€40.00" in text and "€25.00" in text and "$60.00" in text
    assert "€99.00" not in text  # waived
    assert "€11.00" not in text  # paid
    assert "€1,230.00" in text and "$2,060.00" in text  # balance due, fees included


@pytest.mark.django_db
def test_the_invoice_page_links_to_the_clients_statement(alice_client, alice, factories):
    row = invoice(factories, factories.client(owner=alice), "L-1", "10.00", overdue=1)
    page = alice_client.get(reverse("invoice_detail", args=[row.pk])).content.decode()
    assert reverse("client_statement", args=[row.client_id]) in page


@pytest.mark.django_db
def test_the_client_page_fragment_links_to_the_statement_and_its_pdf(alice, factories):
    client = factories.client(owner=alice)
    links = render_to_string("invoices/_client_money_links.html", {"client": client})
    assert reverse("client_statement", args=[client.pk]) in links
    assert reverse("client_statement_pdf", args=[client.pk]) in links


def test_the_page_names_the_client_in_its_opening_line(alice_client, alice, factories):
    client = factories.client(owner=alice, name="Kettu Oy")
    page = alice_client.get(f"/clients/{client.pk}/statement/")
    assert "What Kettu Oy owes on" in page.text
