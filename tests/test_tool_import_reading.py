"""Other tools' export files read into records: recognition, encodings, separators,
numbers, dates, line items, and bad files refused with every problem by row and column.
No database: the readers are pure."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from clients.imports import mapping, text
from clients.imports.reading import TOOLS, FileInvalid, detect, read_file

DATA = Path(__file__).parent / "data" / "imports"


def read(name: str, **kwargs):
    return read_file((DATA / name).read_bytes(), filename=name, **kwargs)


@pytest.mark.parametrize(
    ("name", "tool"),
    [
        ("toggl.csv", "toggl"),
        ("clockify.csv", "clockify"),
        ("harvest.csv", "harvest"),
        ("kimai.csv", "kimai"),
        ("invoiceninja_en.csv", "invoiceninja"),
        ("invoiceninja_de.csv", "invoiceninja"),
        ("invoiceninja_fr.csv", "invoiceninja"),
        ("invoiceninja_es.csv", "invoiceninja"),
        ("invoiceninja_nl.csv", "invoiceninja"),
        ("freshbooks.csv", "freshbooks"),
        ("zoho.csv", "zoho"),
        ("wave.csv", "wave"),
        ("invoice2go.csv", "invoice2go"),
        ("invoicely.csv", "invoicely"),
    ],
)
def test_each_tool_is_recognised_from_its_header(name, tool):
    assert read(name).tool == tool


def test_every_tool_has_a_test_file():
    tested = {read(path.name).tool for path in DATA.glob("*.csv") if "bad" not in path.name}
    assert tested == set(TOOLS)


def test_a_header_of_no_known_tool_is_refused_naming_the_tools():
    with pytest.raises(FileInvalid) as refused:
        read_file(b"Name,Amount\nAcme,12\n")
    assert refused.value.problems[0].startswith("row 1: the columns are not those of any tool")
    assert "Toggl Track" in refused.value.problems[0]


def test_a_format_insisted_on_names_the_columns_the_file_lacks():
    with pytest.raises(FileInvalid) as refused:
        read("harvest.csv", tool="toggl")
    assert refused.value.problems == [
        "row 1: not a Toggl Track export; missing columns: Description, Billable, Start date, "
        "Start time, Duration"
    ]


def test_detection_ignores_case_and_spacing_of_the_header():
    found = detect(
        ["client", " PROJECT ", "description", "billable", "start date", "start  time", "duration"]
    )
    assert found is not None and found[0].key == "toggl"


def test_toggl_with_a_byte_order_mark_reads_entries_billable_or_not():
    source = read("toggl.csv")
    first, call = source.work[0], source.work[1]
    assert (first.client, first.day, first.hours, first.billable) == (
        "Acme Studio",
        "2026-03-02",
        Decimal("1.50"),
        True,
    )
    assert first.description == "Website - Homepage layout"
    assert (call.hours, call.billable) == (Decimal("0.33"), False)
    assert source.work[4].skip == "short"


def test_clockify_semicolons_and_decimal_commas_with_dates_of_either_order():
    source = read("clockify.csv")
    assert [r.hours for r in source.work] == [Decimal("1.50"), Decimal("0.75"), Decimal("4.25")]
    assert source.date_orders == ["dmy", "mdy"]  # 02/03/2026 could be either: ask


def test_a_date_over_twelve_settles_the_order():
    raw = (DATA / "clockify.csv").read_bytes().replace(b"04/03/2026;08:00", b"24/03/2026;08:00")
    assert read_file(raw).date_orders == ["dmy"]


def test_dates_that_fit_no_single_order_are_named_by_row():
    raw = (DATA / "clockify.csv").read_bytes()
    raw = raw.replace(b"02/03/2026;09:00", b"13/03/2026;09:00").replace(
        b"04/03/2026;08:00", b"03/14/2026;08:00"
    )
    with pytest.raises(FileInvalid) as refused:
        read_file(raw)
    assert len(refused.value.problems) == 1
    assert refused.value.problems[0].startswith("row ")
    assert "Start Date" in refused.value.problems[0]


def test_invoice_ninja_german_headers_decimal_commas_and_statuses():
    source = read("invoiceninja_de.csv")
    first, open_one, no_due, cancelled = source.invoices
    assert (first.number, first.amount, first.paid) == (
        "RE-2026-001",
        Decimal("1250.50"),
        Decimal("1250.50"),
    )
    assert open_one.paid == Decimal("0.00")
    assert no_due.due == ""
    assert cancelled.skip == "void"
    assert source.date_orders == ["dmy"]
    assert source.lacks() == {"due", "paid_on"}


def test_invoice_ninja_french_headers_in_windows_1252():
    source = read("invoiceninja_fr.csv")
    assert source.names() == ["Société Générale des Crêpes"]
    assert [(r.amount, r.paid) for r in source.invoices] == [
        (Decimal("980.00"), Decimal("980.00")),
        (Decimal("1500.00"), Decimal("1000.00")),
    ]


def test_invoice_ninja_spanish_and_dutch_headers():
    assert read("invoiceninja_es.csv").invoices[0].amount == Decimal("700.00")
    assert read("invoiceninja_nl.csv").invoices[0].number == "2026-0007"


def test_invoice_ninja_drafts_are_left_out():
    source = read("invoiceninja_en.csv")
    built = build(source, emails={"Nordlicht GmbH": "info@nordlicht.example"})
    assert built.skipped == [(5, "draft", {"tool": "Invoice Ninja"})]
    assert mapping.why(*built.skipped[0][1:]) == "a draft in Invoice Ninja, never sent"


def test_freshbooks_line_items_make_one_invoice_paid_in_full():
    source = read("freshbooks.csv")
    invoice = source.invoices[0]
    assert len(source.invoices) == 2
    assert (invoice.number, invoice.amount, invoice.rows) == (
        "0000101",
        Decimal("1320.00"),
        [2, 3, 4],
    )
    assert (invoice.paid, invoice.paid_on) == (Decimal("1320.00"), "2026-01-30")
    assert source.invoices[1].paid == Decimal("0")


def test_freshbooks_line_items_of_one_number_for_two_clients_are_refused():
    raw = (
        (DATA / "freshbooks.csv")
        .read_bytes()
        .replace(
            b"Acme Studio,0000101,2026-01-10,paid,2026-01-30,Hosting",
            b"Other,0000101,2026-01-10,paid,2026-01-30,Hosting",
        )
    )
    with pytest.raises(FileInvalid) as refused:
        read_file(raw)
    assert refused.value.problems == ['row 4, Invoice #: "0000101" is for "Acme Studio" on row 2']


def test_an_invoice_number_twice_in_a_one_row_per_invoice_tool_is_refused():
    raw = (DATA / "wave.csv").read_bytes().replace(b"W-2,", b"W-1,")
    with pytest.raises(FileInvalid) as refused:
        read_file(raw)
    assert refused.value.problems == ['row 3, Invoice Number: "W-1" appears twice (also row 2)']


def test_invoice2go_month_first_dates_and_no_currency():
    source = read("invoice2go.csv")
    assert source.date_orders == ["mdy"]
    assert source.lacks() == {"currency"}
    assert source.invoices[0].email == "billing@acme.example"


def test_wave_and_invoicely_have_no_payment_dates_and_zoho_has():
    assert "paid_on" in read("wave.csv").lacks()
    assert "paid_on" in read("invoicely.csv").lacks()
    assert read("zoho.csv").invoices[0].paid_on == "2026-02-03"


def test_a_bad_file_is_refused_with_every_problem_by_row_and_column():
    with pytest.raises(FileInvalid) as refused:
        read("toggl_bad.csv")
    assert refused.value.problems == [
        'row 2, Billable: not yes or no: "Perhaps"',
        'row 3, Start date: not a date: "2026-02-30"',
        'row 4, Duration: not a duration (like 1:30:00 or 1.5): "a while"',
        "row 5, Client: required",
        "row 6, Duration: 30.00 hours in one entry, more than a day's 24",
    ]


def test_a_nul_in_a_cell_is_refused_by_row_and_column():
    raw = (DATA / "kimai.csv").read_bytes().replace(b"Contact form", b"Contact\x00form")
    with pytest.raises(FileInvalid) as refused:
        read_file(raw)
    assert refused.value.problems == [
        "row 2, Description: contains a NUL character, which cannot be stored"
    ]


def test_an_empty_file_and_a_header_alone_are_refused():
    with pytest.raises(FileInvalid, match="the file is empty"):
        read_file(b"")
    with pytest.raises(FileInvalid, match="no rows under the header"):
        read_file((DATA / "kimai.csv").read_bytes().splitlines()[0])


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1200.50", "1200.50"),
        ("1200,50", "1200.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 500,00", "1500.00"),
        ("1,234", "1234.00"),
        ("0,125", "0.13"),
        ("€ 12,5", "12.50"),
        ("USD 99", "99.00"),
    ],
)
def test_amounts_in_the_ways_locales_write_them(cell, value):
    assert text.money(cell) == Decimal(value)


@pytest.mark.parametrize(
    ("cell", "hours"), [("1:30:00", "1.50"), ("0:45", "0.75"), ("2,25", "2.25")]
)
def test_durations(cell, hours):
    assert text.hours(cell) == Decimal(hours)


def test_dates_in_each_order():
    assert text.date_orders("2026-03-02") == {"ymd"}
    assert text.date_orders("02/03/2026") == {"dmy", "mdy"}
    assert text.date_orders("31.01.2026") == {"dmy"}
    assert text.to_date("02/03/2026", "mdy") == date(2026, 2, 3)
    assert text.to_date("02/03/26", "dmy") == date(2026, 3, 2)


# Mapping the file's names to the freelancer's clients


def test_names_match_exactly_then_ignoring_case_and_punctuation():
    clients = {"acme": "Acme Studio", "nord": "Nordlicht GmbH"}
    matches = mapping.match_names(
        ["Acme Studio", "ACME studio!", "Nordlicht, GmbH", "Other"], clients
    )
    assert [(m.ref, m.how) for m in matches.values()] == [
        ("acme", "exact"),
        ("acme", "loose"),
        ("nord", "loose"),
        (None, ""),
    ]


def test_a_loose_name_shared_by_two_clients_matches_neither():
    matches = mapping.match_names(["acme"], {"a": "Acme", "b": "ACME."})
    assert matches["acme"].ref is None


KNOWN = {
    "acme": {
        "name": "Acme Studio",
        "email": "hello@acme.example",
        "currency": "EUR",
        "language": "en",
        "billing": "hourly",
        "rate": "80.00",
        "payment_terms_days": 14,
        "started_on": "2025-01-01",
    }
}
DEFAULTS = {"language": "en", "payment_terms_days": 30, "currency": "EUR"}
TODAY = date(2026, 12, 2)


def build(source, **changes):
    choices = mapping.default_choices(source, {"acme": "Acme Studio"}, "EUR")
    for key, value in changes.items():
        setattr(choices, key, value)
    return mapping.build(source, choices, known=KNOWN, defaults=DEFAULTS, today=TODAY)


def test_the_document_puts_matched_names_on_the_stored_client_and_makes_new_ones():
    source = read("toggl.csv")
    built = build(source, emails={"Nordlicht GmbH": "info@nordlicht.example"})
    acme, nordlicht = built.document["clients"]
    assert acme["ref"] == "acme" and acme["email"] == "hello@acme.example"
    assert len(acme["work_logs"]) == 3  # "Acme Studio" and "ACME studio!"
    assert nordlicht["ref"] == "nordlicht-gmbh"
    assert (nordlicht["email"], nordlicht["started_on"]) == ("info@nordlicht.example", "2026-03-04")
    assert built.skipped == [(6, "short", {"tool": "Toggl Track"})]
    assert built.origins["clients[1].work_logs[0]"] == 5


def test_a_new_client_without_an_email_is_an_open_question():
    built = build(read("toggl.csv"))
    assert built.problems == ['"Nordlicht GmbH": a new client needs an email address']
    assert built.document["clients"] == []


def test_skipped_names_leave_their_rows_out_and_say_so():
    source = read("toggl.csv")
    built = build(
        source,
        clients={
            **mapping.default_choices(source, {"acme": "Acme Studio"}, "EUR").clients,
            "Nordlicht GmbH": mapping.SKIP,
        },
    )
    assert [c["ref"] for c in built.document["clients"]] == ["acme"]
    assert (5, "client", {"name": "Nordlicht GmbH"}) in built.skipped
    assert mapping.why("client", {"name": "Nordlicht GmbH"}) == (
        'client "Nordlicht GmbH" skipped, as you chose'
    )


def test_ambiguous_dates_wait_for_the_answer_and_then_follow_it():
    source = read("clockify.csv")
    choices = {"emails": {"Nordlicht GmbH": "info@nordlicht.example"}}
    assert build(source, **choices).problems == [
        "the dates could be day first or month first: choose which"
    ]
    day_first = build(source, date_order="dmy", **choices)
    month_first = build(source, date_order="mdy", **choices)
    assert day_first.document["clients"][0]["work_logs"][0]["date"] == "2026-03-02"
    assert month_first.document["clients"][0]["work_logs"][0]["date"] == "2026-02-03"


def test_missing_due_dates_follow_the_clients_terms_or_the_chosen_days():
    source = read("invoicely.csv")
    terms = build(source).document["clients"][0]["invoices"][0]
    assert terms["due_on"] == "2026-02-03"  # issued 2026-01-20 + acme's 14 days
    chosen = build(source, due_days=30).document["clients"][0]["invoices"][0]
    assert chosen["due_on"] == "2026-02-19"


def test_missing_payment_dates_follow_the_choice():
    source = read("invoicely.csv")
    invoice = build(source).document["clients"][0]["invoices"][0]
    assert invoice["payments"] == [{"paid_on": "2026-02-03", "amount": "900.00"}]
    issued = build(source, paid_on=mapping.PAID_ON_ISSUED).document["clients"][0]["invoices"][0]
    assert issued["payments"][0]["paid_on"] == "2026-01-20"
    left_out = build(source, paid_on=mapping.PAID_ON_NONE)
    assert left_out.document["clients"][0]["invoices"][0]["payments"] == []
    assert (2, "payment", {}) in left_out.skipped


def test_a_missing_currency_is_asked_for_and_the_answer_used():
    source = read("invoice2go.csv")
    assert build(source, currency="").problems == ["some invoices give no currency: choose one"]
    invoice = build(source, currency="MYR").document["clients"][0]["invoices"][0]
    assert (invoice["currency"], invoice["issued_on"]) == ("MYR", "2026-01-13")


def test_an_amount_of_more_digits_than_any_money_holds_is_refused_by_row():
    raw = (DATA / "wave.csv").read_bytes().replace(b"500.00,500.00", b"9" * 30 + b",0")
    with pytest.raises(FileInvalid) as refused:
        read_file(raw)
    assert refused.value.problems == [f'row 2, Total: too large: "{"9" * 30}"']
