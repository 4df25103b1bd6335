"""The overviews across clients: the invoices page, the dashboard's client search, and the
receivables and income report (page and CSV)."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from invoices.models import Invoice
from invoices.overview_forms import InvoiceFilterForm
from invoices.overviews import INVOICE_SORTS
from tests.test_client_pages import HTMX, page

INVOICES = reverse("invoice_list")
REPORT = reverse("receivables_report")
REPORT_CSV = reverse("receivables_report_csv")


def rows_of(html: str) -> list[str]:
    """The invoice numbers in the table, in order."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [part.split("</a>")[0].split(">")[-1] for part in body.split('<th scope="row"')[1:]]


@pytest.fixture
def ledger(alice, bob, factories):
    """Alice's invoices in every status, two currencies and two clients; one of bob's."""
    today = timezone.localdate()
    acme = factories.client(owner=alice, name="Acme Studio", currency="EUR")
    fjord = factories.client(owner=alice, name="Fjord Media", currency="USD")

    def invoice(number, client, days_ago, amount, **fields):
        issued = today - timedelta(days=days_ago)
        fields.setdefault("due_on", issued + timedelta(days=14))
        return factories.invoice(
            client=client, number=number, issued_on=issued, amount=Decimal(amount), **fields
        )

    invoices = {
        "late": invoice("A-LATE", acme, 60, "300.00"),
        "not-due": invoice("A-OPEN", acme, 2, "200.00"),
        "paid": invoice("A-PAID", acme, 40, "150.00"),
        "disputed": invoice("F-DISP", fjord, 50, "900.00", disputed=True, dispute_reason="Scope"),
        "written-off": invoice("F-GONE", fjord, 90, "80.00", state=Invoice.State.WRITTEN_OFF),
        "draft": invoice("F-DRAFT", fjord, 1, "75.00", state=Invoice.State.DRAFT),
        "later": invoice("F-LATER", fjord, 30, "1000.00"),
    }
    factories.payment(invoice=invoices["paid"], amount=Decimal("150.00"))
    factories.payment(invoice=invoices["later"], amount=Decimal("100.00"))
    factories.invoice(client=factories.client(owner=bob, name="Bob's Bakery"), number="BOB-1")
    return {"acme": acme, "fjord": fjord, **invoices}


# The invoices page


def test_the_invoices_page_is_in_the_main_navigation(alice_client):
    assert f'href="{INVOICES}"' in page(alice_client.get(reverse("dashboard")))


def test_a_freelancer_without_invoices_is_told_where_they_come_from(alice_client):
    html = page(alice_client.get(INVOICES))
    assert "No invoices yet" in html
    assert "<table" not in html


def test_every_invoice_of_every_client_is_listed_and_nobody_elses(alice_client, ledger):
    html = page(alice_client.get(INVOICES))
    assert sorted(rows_of(html)) == sorted(
        ["A-LATE", "A-OPEN", "A-PAID", "F-DISP", "F-GONE", "F-DRAFT", "F-LATER"]
    )
    assert "BOB-1" not in html and "Bob&#x27;s Bakery" not in html
    assert "7 invoices." in html


@pytest.mark.parametrize(
    ("status", "numbers"),
    [
        ("open", ["A-LATE", "A-OPEN", "F-DISP", "F-LATER"]),
        ("overdue", ["A-LATE", "F-LATER"]),
        ("disputed", ["F-DISP"]),
        ("paid", ["A-PAID"]),
        ("written_off", ["F-GONE"]),
        ("draft", ["F-DRAFT"]),
    ],
)
def test_the_status_filter_matches_the_status_each_invoice_shows(
    alice_client, ledger, status, numbers
):
    html = page(alice_client.get(INVOICES, {"status": status}))
    assert sorted(rows_of(html)) == sorted(numbers)
    shown = {"open": None, "overdue": "overdue", "paid": "paid", "draft": "draft"}.get(status)
    if shown:
        assert html.count(f"badge status-{shown}") == len(numbers)


def test_filters_by_client_and_currency_combine(alice_client, ledger):
    html = page(alice_client.get(INVOICES, {"client": ledger["fjord"].pk}))
    assert sorted(rows_of(html)) == ["F-DISP", "F-DRAFT", "F-GONE", "F-LATER"]
    Invoice.objects.filter(number="F-LATER").update(currency="EUR")
    html = page(alice_client.get(INVOICES, {"client": ledger["fjord"].pk, "currency": "EUR"}))
    assert rows_of(html) == ["F-LATER"]
    assert "1 invoice matches these filters." in html


def test_search_finds_an_invoice_by_number_or_client_name(alice_client, ledger):
    assert rows_of(page(alice_client.get(INVOICES, {"q": "disp"}))) == ["F-DISP"]
    html = page(alice_client.get(INVOICES, {"q": " acme ", "sort": "due"}))
    assert rows_of(html) == ["A-LATE", "A-PAID", "A-OPEN"]


def test_a_search_for_another_freelancers_client_finds_nothing(alice_client, ledger):
    html = page(alice_client.get(INVOICES, {"q": "Bob"}))
    assert "No invoices match these filters" in html
    assert "BOB-1" not in html


def test_sorting_by_due_date_issue_date_client_and_days_late(alice_client, ledger):
    def order(sort):
        return rows_of(page(alice_client.get(INVOICES, {"sort": sort})))

    by_due = order("due")
    assert by_due == order("issued")  # every invoice is due 14 days after issue
    assert by_due[0] == "F-GONE" and by_due[-1] == "F-DRAFT"
    assert order("-due") == by_due[::-1]
    assert order("client")[:3] == ["A-OPEN", "A-PAID", "A-LATE"]  # Acme first, newest due
    assert order("-client")[0].startswith("F-")
    # Most days late first: unpaid and past due, disputed ones included; then the rest.
    assert order("late")[:3] == ["A-LATE", "F-DISP", "F-LATER"]


def test_sorting_by_amount_compares_amounts_only_within_a_currency(alice_client, ledger):
    html = page(alice_client.get(INVOICES, {"sort": "amount"}))
    assert rows_of(html) == ["A-PAID", "A-OPEN", "A-LATE", "F-DRAFT", "F-GONE", "F-DISP", "F-LATER"]
    assert 'aria-sort="ascending"' in html
    html = page(alice_client.get(INVOICES, {"sort": "-amount"}))
    assert rows_of(html) == ["A-LATE", "A-OPEN", "A-PAID", "F-LATER", "F-DISP", "F-GONE", "F-DRAFT"]
    assert 'aria-sort="descending"' in html


def test_the_sort_menu_offers_every_order_the_headings_do():
    form = InvoiceFilterForm(clients=[], currencies=[])
    assert {key for key, _label in form.fields["sort"].choices} == set(INVOICE_SORTS)


def test_each_row_shows_balance_and_days_late_right_aligned(alice_client, ledger):
    html = page(alice_client.get(INVOICES, {"q": "F-LATER"}))
    row = html[html.index("<tbody>") : html.index("</tbody>")]
    assert '<td data-label="Balance due" class="num"><span class="amount">$900.00</span>' in row
    assert '<td data-label="Days late" class="num">16</td>' in row


def test_the_invoices_page_pages_by_fifty_keeping_the_filters(alice_client, alice, factories):
    acme = factories.client(owner=alice, name="Acme")
    for n in range(60):
        factories.invoice(client=acme, number=f"N-{n:02d}")
    first = page(alice_client.get(INVOICES, {"q": "N-", "sort": "issued"}))
    assert len(rows_of(first)) == 50
    assert "Page 1 of 2" in first
    assert "?q=N-&amp;sort=issued&amp;page=2" in first
    second = page(alice_client.get(INVOICES, {"q": "N-", "sort": "issued", "page": "2"}))
    assert len(rows_of(second)) == 10
    assert set(rows_of(first)).isdisjoint(rows_of(second))


def test_with_htmx_only_the_results_come_back(alice_client, ledger):
    response = alice_client.get(INVOICES, {"status": "overdue"}, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="invoice-results"')
    assert "<html" not in html
    assert sorted(rows_of(html)) == ["A-LATE", "F-LATER"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"client": "abc"},
        {"currency": "XYZ"},
        {"sort": "price; DROP TABLE"},
        {"page": "٢"},
        {"page": "99999999999999999999"},
        {"q": "nul\x00byte"},
        {"q": "x" * 5000},
        {"client": "99999999999999999999999"},
    ],
)
def test_bad_parameters_are_reported_and_left_out_never_a_server_error(
    alice_client, ledger, params
):
    html = page(alice_client.get(INVOICES, params))
    assert "<table" in html or "No invoices match" in html
    if set(params) & {"status", "client", "currency", "q", "sort"}:
        assert 'class="errorlist"' in html


def test_another_freelancers_client_cannot_be_chosen_as_a_filter(alice_client, ledger, bob):
    bobs = Client.objects.get(owner=bob)
    html = page(alice_client.get(INVOICES, {"client": bobs.pk}))
    assert 'class="errorlist"' in html
    assert "BOB-1" not in html
    assert len(rows_of(html)) == 7  # the filter is left out, the rest still applies


@pytest.mark.parametrize("invoices", [10, 200])
def test_the_invoices_page_costs_the_same_queries_for_10_or_200_invoices(
    alice_client, alice, factories, django_assert_num_queries, invoices
):
    clients = [factories.client(owner=alice, currency=c) for c in ("EUR", "USD", "MYR")]
    for n in range(invoices):
        invoice = factories.invoice(client=clients[n % 3])
        if n % 4 == 0:
            factories.payment(invoice=invoice, amount=Decimal("10.00"))
    # session, user, clients and currencies for the filters, count, the page
    with django_assert_num_queries(6):
        response = alice_client.get(INVOICES, {"status": "open", "sort": "late"})
    assert response.status_code == 200
    with django_assert_num_queries(6):
        response = alice_client.get(INVOICES, {"q": "INV", "page": "2"}, **HTMX)
    assert response.status_code == 200


# Client search on the dashboard


@pytest.fixture
def people(alice, bob, factories):
    factories.client(owner=alice, name="Nora North", company="North Bakery", email="n@nb.example")
    factories.client(owner=alice, name="Frida Fjord", company="Fjord Media", email="f@fm.example")
    liar = factories.client(owner=alice, name="Lars Lie", company="Lie & Co", email="l@nb.example")
    factories.incident(client=liar, category="lying")
    factories.client(owner=bob, name="Nora Bobson", company="Bob's Bakery")


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("nora", ["Nora North"]),
        ("bakery", ["Nora North"]),
        ("nb.example", ["Lars Lie", "Nora North"]),
        ("FJORD", ["Frida Fjord"]),
    ],
)
def test_the_dashboard_search_matches_name_company_or_email(alice_client, people, q, found):
    html = page(alice_client.get(reverse("dashboard"), {"q": q, "sort": "name"}))
    names = ["Frida Fjord", "Lars Lie", "Nora North", "Nora Bobson"]
    assert [name for name in names if name in html] == found
    assert f'value="{q}"' in html


def test_the_search_combines_with_the_verdict_filter(alice_client, people):
    html = page(alice_client.get(reverse("dashboard"), {"q": "nb.example", "verdict": "fire"}))
    assert "Lars Lie" in html and "Nora North" not in html
    # The search form keeps the verdict; the verdict links keep the search.
    assert '<input type="hidden" name="verdict" value="fire">' in html
    assert "?q=nb.example&amp;verdict=watch" in html


def test_the_search_with_htmx_returns_only_the_client_list(alice_client, people):
    response = alice_client.get(reverse("dashboard"), {"q": "fjord"}, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="client-list"')
    assert "Frida Fjord" in html and "Nora North" not in html


def test_a_search_that_finds_nobody_says_so(alice_client, people):
    html = page(alice_client.get(reverse("dashboard"), {"q": "Bobson"}))
    assert "No clients match “Bobson”" in html
    assert "Clear the search" in html
    assert "Add your first client" not in html


@pytest.mark.parametrize("q", ["nul\x00", "x" * 5000, "%", "_"])
def test_odd_search_words_never_break_the_dashboard(alice_client, people, q):
    html = page(alice_client.get(reverse("dashboard"), {"q": q}))
    assert "Nora Bobson" not in html


@pytest.mark.parametrize("clients", [2, 20])
def test_the_search_costs_the_same_queries_for_2_or_20_clients(
    alice_client, alice, factories, django_assert_num_queries, clients
):
    for n in range(clients):
        factories.invoice(client=factories.client(owner=alice, name=f"Found {n}"))
    alice_client.get(reverse("dashboard"))  # first visit of the day scores everyone
    with django_assert_num_queries(12):  # as the dashboard without a search
        response = alice_client.get(reverse("dashboard"), {"q": "found"})
    assert response.status_code == 200


# The receivables and income report


@pytest.fixture
def books(alice, bob, factories):
    """Three months of 2025 with known figures (see the expectations in the tests)."""
    acme = factories.client(owner=alice, name="Acme", currency="EUR")
    fjord = factories.client(owner=alice, name="Fjord", currency="USD")

    def invoice(client, issued, due, amount, **fields):
        return factories.invoice(
            client=client, issued_on=issued, due_on=due, amount=Decimal(amount), **fields
        )

    a = invoice(acme, date(2025, 1, 10), date(2025, 1, 24), "1000.00")
    factories.payment(invoice=a, paid_on=date(2025, 2, 5), amount=Decimal("400.00"))
    factories.payment(invoice=a, paid_on=date(2025, 3, 10), amount=Decimal("600.00"))
    invoice(acme, date(2025, 1, 20), date(2025, 2, 3), "300.00", disputed=True, dispute_reason="x")
    invoice(acme, date(2025, 1, 5), date(2025, 1, 19), "200.00", state=Invoice.State.DRAFT)
    invoice(acme, date(2025, 2, 1), date(2025, 2, 15), "100.00", state=Invoice.State.WRITTEN_OFF)
    invoice(acme, date(2024, 12, 1), date(2024, 12, 15), "250.00")  # owed since before
    invoice(fjord, date(2025, 2, 15), date(2025, 3, 1), "500.00")
    bobs = factories.invoice(
        client=factories.client(owner=bob, currency="EUR"),
        issued_on=date(2025, 1, 3),
        amount=Decimal("9999.00"),
    )
    factories.payment(invoice=bobs, paid_on=date(2025, 2, 1), amount=Decimal("9999.00"))


# month: invoiced, received, outstanding at month end, overdue at month end
EXPECTED = {
    "EUR": {
        "2025-01": ("1300.00", "0.00", "1550.00", "1250.00"),
        "2025-02": ("100.00", "400.00", "1150.00", "850.00"),
        "2025-03": ("0.00", "600.00", "550.00", "250.00"),
    },
    "USD": {
        "2025-01": ("0.00", "0.00", "0.00", "0.00"),
        "2025-02": ("500.00", "0.00", "500.00", "0.00"),
        "2025-03": ("0.00", "0.00", "500.00", "500.00"),
    },
}
PERIOD = {"start": "2025-01", "end": "2025-03"}


def test_the_report_is_linked_from_the_invoices_page(alice_client, books):
    assert f'href="{REPORT}"' in page(alice_client.get(INVOICES))


def test_the_report_shows_each_month_per_currency_never_added_across(alice_client, books):
    html = page(alice_client.get(REPORT, PERIOD))
    eur = html[html.index('id="report-EUR"') : html.index('id="report-USD"')]
    usd = html[html.index('id="report-USD"') :]
    assert "January 2025" in eur and "March 2025" in eur and "April 2025" not in eur
    for figure in ("€1,300.00", "€1,550.00", "€1,250.00", "€1,150.00", "€850.00", "€550.00"):
        assert figure in eur
    assert "$500.00" in usd and "€" not in usd[: usd.index("</section>")]
    # The totals per currency: invoiced and received over the three months.
    assert "<tfoot>" in eur and "€1,400.00" in eur and "€1,000.00" in eur
    assert "9,999" not in html


def test_the_csv_has_the_same_figures_and_nobody_elses(alice_client, books):
    response = alice_client.get(REPORT_CSV, PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="receivables-2025-01-to-2025-03.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Month",
        "Currency",
        "Invoiced",
        "Received",
        "Outstanding at month end",
        "Overdue at month end",
    ]
    figures = {(month, currency): tuple(rest) for month, currency, *rest in rows[1:]}
    expected = {
        (month, currency): values
        for currency, months in EXPECTED.items()
        for month, values in months.items()
    }
    assert figures == expected
    assert len(rows) == 1 + 6
    assert "9999" not in response.content.decode()


def test_the_report_defaults_to_the_last_twelve_months(alice_client, alice, factories):
    today = timezone.localdate()
    factories.invoice(client=factories.client(owner=alice), issued_on=today, due_on=today)
    html = page(alice_client.get(REPORT))
    assert html.count('<th scope="row">') == 12 + 1  # and the total
    first = (today.replace(day=1) - timedelta(days=320)).replace(day=1)
    assert f'name="start" value="{first:%Y-%m}"' in html
    assert f'name="end" value="{today:%Y-%m}"' in html
    rows = list(csv.reader(io.StringIO(alice_client.get(REPORT_CSV).content.decode())))
    assert rows[-1][0] == f"{today:%Y-%m}"
    assert len(rows) == 1 + 12


def test_the_month_under_way_is_counted_up_to_today(alice_client, alice, factories):
    today = timezone.localdate()
    acme = factories.client(owner=alice)
    factories.invoice(client=acme, issued_on=today, due_on=today, amount=Decimal("70.00"))
    month = f"{today:%Y-%m}"
    rows = list(csv.reader(io.StringIO(alice_client.get(REPORT_CSV).content.decode())))
    # Due today is owed but not overdue, even though it will be by the month's end.
    assert rows[-1] == [month, "EUR", "70.00", "0.00", "70.00", "0.00"]


def test_a_freelancer_with_nothing_in_the_period_sees_an_empty_report(alice_client, books):
    html = page(alice_client.get(REPORT, {"start": "2020-01", "end": "2020-06"}))
    assert "Nothing invoiced, received or owed in these months" in html


def test_the_report_with_htmx_returns_only_the_results(alice_client, books):
    html = page(alice_client.get(REPORT, PERIOD, **HTMX), fragment=True)
    assert html.lstrip().startswith('<section id="report-results"')
    assert "start=2025-01&amp;end=2025-03" in html  # the CSV link follows the months


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"start": "2025-13", "end": "2025-03"}, "Give a month as YYYY-MM"),
        ({"start": "garbage"}, "Give a month as YYYY-MM"),
        ({"start": "0000-01"}, "Give a month as YYYY-MM"),
        ({"start": "2025-05", "end": "2025-03"}, "The first month comes after the last one."),
        ({"end": "9999-12"}, "The report cannot go past this month."),
        ({"start": "1990-01", "end": "2025-03"}, "Choose at most 60 months."),
        ({"start": "1990-01"}, "Choose at most 60 months."),
        ({"start": "9999-01"}, "The first month comes after the last one."),
        ({"start": "2025-01\x00"}, "Give a month as YYYY-MM"),
    ],
)
def test_months_that_do_not_fit_are_explained_and_the_default_shown(
    alice_client, books, params, error
):
    html = page(alice_client.get(REPORT, params))
    assert error in html
    assert "the last twelve months are shown instead" in html
    response = alice_client.get(REPORT_CSV, params)
    assert response.status_code == 400
    assert error in response.content.decode()


@pytest.mark.parametrize("invoices", [10, 200])
def test_the_report_costs_the_same_queries_for_10_or_200_invoices(
    alice_client, alice, factories, django_assert_num_queries, invoices
):
    today = timezone.localdate()
    clients = [factories.client(owner=alice, currency=c) for c in ("EUR", "USD", "IDR")]
    for n in range(invoices):
        issued = today - timedelta(days=n * 3 % 360)
        invoice = factories.invoice(client=clients[n % 3], issued_on=issued)
        if n % 2:
            factories.payment(invoice=invoice, amount=Decimal("10.00"))
    # session, user, invoices, payments
    with django_assert_num_queries(4):
        assert alice_client.get(REPORT).status_code == 200
    with django_assert_num_queries(4):
        assert alice_client.get(REPORT_CSV).status_code == 200
    with django_assert_num_queries(4):
        assert alice_client.get(REPORT, {"start": "2024-01"}, **HTMX).status_code == 200


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ms", ["Belum terima dan pendapatan", "Belum dibayar pada akhir bulan", "Cari klien"]),
        ("id", ["Piutang dan pendapatan", "Lewat jatuh tempo pada akhir bulan", "Cari klien"]),
        ("fi", ["Saatavat ja tulot", "Avoinna kuun lopussa", "Hae asiakkaita"]),
        ("fy", ["Te ûntfangen en ynkomsten", "Iepen oan 'e ein fan 'e moanne", "Klanten sykje"]),
    ],
)
def test_the_overviews_read_in_the_freelancers_language(alice_client, books, language, words):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    html = page(alice_client.get(REPORT, PERIOD, **headers))
    html += page(alice_client.get(INVOICES, **headers))
    html += page(alice_client.get(reverse("dashboard"), **headers))
    for word in words:
        assert word in html
    for english in ("Receivables and income", "Outstanding at month end", "Search clients"):
        assert english not in html


def test_another_freelancer_sees_nothing_of_alices_on_the_overviews(client, bob, books, ledger):
    client.force_login(bob)
    html = page(client.get(INVOICES))
    bobs = sorted(Invoice.objects.filter(owner=bob).values_list("number", flat=True))
    assert len(bobs) == 2 and sorted(rows_of(html)) == bobs
    assert "A-LATE" not in html and "Acme" not in html
    text = client.get(REPORT_CSV, PERIOD).content.decode()
    assert "USD" not in text  # alice's only
    assert "9999.00" in text  # bob's own payment, received in February
    assert "Fjord" not in page(client.get(reverse("dashboard"), {"q": "fjord"}))
