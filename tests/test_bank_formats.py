"""Each statement format read into plain credits, from files in the formats' documented
layouts (tests/data/bank/, invented data); and bad files refused with their problems."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from invoices.bank.credits import Credit, StatementInvalid, credit_keys, parse_amount
from invoices.bank.formats import plain_csv, statement_open, statement_read
from invoices.bank.formats.tables import table_read

DATA = Path(__file__).parent / "data" / "bank"


def read(name: str, **kwargs):
    opened = statement_open((DATA / name).read_bytes())
    if opened.format == "csv" and "mapping" not in kwargs:
        kwargs["mapping"] = plain_csv.Mapping(**plain_csv.mapping_guess(opened.table))
    return statement_read(opened, default_currency="EUR", **kwargs)


def test_camt053_credits_with_reference_payer_and_bank_id_and_debits_left_out():
    statement = read("camt053.xml")
    assert statement.format == "camt053"
    assert statement.debits == 1
    assert statement.credits == [
        Credit(
            date(2026, 11, 3),
            Decimal("1200.00"),
            "EUR",
            "Invoice ACME-2026-014",
            "Acme Studio BV",
            "CAMT-0001",
        ),
        Credit(
            date(2026, 11, 6),
            Decimal("750.00"),
            "EUR",
            "ACME-2026-015 ACME-2026-016",
            "ACME STUDIO BV",
            "CAMT-0002",
        ),
    ]


def test_camt053_with_entity_expansion_is_refused_before_expanding():
    raw = (DATA / "billion-laughs.xml").read_bytes()
    with pytest.raises(StatementInvalid) as refused:
        statement_read(statement_open(raw), default_currency="EUR")
    assert "DTD" in refused.value.problems[0]


def test_camt053_batch_booking_is_one_credit_per_transfer():
    raw = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="EUR">500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-10</Dt></BookgDt>
<AcctSvcrRef>BATCH-1</AcctSvcrRef><NtryDtls>
<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">200.00</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Pty><Nm>First Payer</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>INV-1</Ustrd></RmtInf></TxDtls>
<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">300.00</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Pty><Nm>Second Payer</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>INV-2</Ustrd></RmtInf></TxDtls>
</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"""
    credits = statement_read(statement_open(raw), default_currency="EUR").credits
    assert [(c.amount, c.counterparty, c.reference, c.bank_id) for c in credits] == [
        (Decimal("200.00"), "First Payer", "INV-1", "BATCH-1/1"),
        (Decimal("300.00"), "Second Payer", "INV-2", "BATCH-1/2"),
    ]


def test_camt053_bad_entry_is_named():
    raw = (
        (DATA / "camt053.xml")
        .read_bytes()
        .replace(b"<Dt>2026-11-03</Dt></BookgDt>", b"<Dt>3 Nov</Dt></BookgDt>")
    )
    with pytest.raises(StatementInvalid) as refused:
        statement_read(statement_open(raw), default_currency="EUR")
    assert refused.value.problems == ["statement 1, entry 1, BookgDt: not a date: '3 Nov'"]


def test_ofx_credits_by_fitid():
    statement = read("statement.ofx")
    assert statement.format == "ofx"
    assert statement.debits == 1
    assert [
        (c.date, c.amount, c.reference, c.counterparty, c.bank_id) for c in statement.credits
    ] == [
        (
            date(2026, 11, 3),
            Decimal("1200.00"),
            "Invoice ACME-2026-014",
            "Acme Studio BV",
            "OFX-20261103-1",
        ),
        (
            date(2026, 11, 5),
            Decimal("150.00"),
            "ACME-2026-015 part 1",
            "Acme Studio BV",
            "OFX-20261105-1",
        ),
        (
            date(2026, 11, 6),
            Decimal("150.00"),
            "ACME-2026-015 part 2",
            "Acme Studio BV",
            "OFX-20261106-1",
        ),
    ]


def test_mt940_credits_with_structured_details():
    statement = read("statement.sta")
    assert statement.format == "mt940"
    assert statement.debits == 1
    assert [
        (c.date, c.amount, c.currency, c.reference, c.counterparty) for c in statement.credits
    ] == [
        (date(2026, 11, 3), Decimal("1200.00"), "EUR", "Invoice ACME-2026-014", "Acme Studio BV"),
        (
            date(2026, 11, 5),
            Decimal("150.00"),
            "EUR",
            "Payment ACME-2026-015 part 1 Acme Studio",
            "",
        ),
    ]


def test_plain_csv_in_windows_1252_with_semicolons_and_decimal_commas():
    raw = (DATA / "bank-semicolon-cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    opened = statement_open(raw)
    assert opened.format == "csv"
    assert opened.table.header[5] == "Währung"
    guess = plain_csv.mapping_guess(opened.table)
    assert guess == {"date": 0, "amount": 4, "description": 3, "counterparty": 2, "currency": 5}
    statement = statement_read(opened, default_currency="USD", mapping=plain_csv.Mapping(**guess))
    assert statement.debits == 1  # -1.249,90 to the office supplier
    assert [
        (c.date, c.amount, c.currency, c.reference, c.counterparty) for c in statement.credits
    ] == [
        (
            date(2026, 11, 3),
            Decimal("980.50"),
            "EUR",
            "Rechnung MUE-7 Gebäudeplan",
            "Mühle & Söhne GmbH",
        ),
        (
            date(2026, 11, 5),
            Decimal("600.00"),
            "EUR",
            "ACME-2026-014 Teilzahlung",
            "Acme Studio BV",
        ),
    ]


def test_plain_csv_without_currency_column_is_in_the_freelancers_currency():
    table = table_read("Date,Amount,Text\n2026-11-03,99.50,Thanks\n")
    statement = statement_read(
        statement_open(b"Date,Amount,Text\n2026-11-03,99.50,Thanks\n"),
        default_currency="MYR",
        mapping=plain_csv.Mapping(date=0, amount=1, description=2),
    )
    assert table.header == ["Date", "Amount", "Text"]
    assert statement.credits[0].currency == "MYR"


def test_plain_csv_bad_rows_are_all_named_by_row_and_column():
    text = "Datum;Betrag;Zweck\n03.11.2026;12,50;ok\n31.02.2026;zwölf;bad\n04.11.2026;;empty\n"
    opened = statement_open(text.encode())
    with pytest.raises(StatementInvalid) as refused:
        statement_read(
            opened,
            default_currency="EUR",
            mapping=plain_csv.Mapping(0, 1, 2),
            date_format="dmy_dot",
        )
    assert refused.value.problems == [
        'row 3, Datum: not a date: "31.02.2026"',
        'row 3, Betrag: not an amount: "zwölf"',
        'row 4, Betrag: not an amount: ""',
    ]


def test_plain_csv_dates_that_read_both_ways_need_the_format_chosen():
    text = "Date,Amount,Text\n03/04/2026,10.00,a\n05/06/2026,20.00,b\n"
    opened = statement_open(text.encode())
    mapping = plain_csv.Mapping(0, 1, 2)
    with pytest.raises(StatementInvalid, match="choose the date format"):
        statement_read(opened, default_currency="EUR", mapping=mapping)
    us = statement_read(opened, default_currency="EUR", mapping=mapping, date_format="mdy_slash")
    assert us.credits[0].date == date(2026, 3, 4)


def test_stripe_balance_report_charges_only_gross_amount():
    statement = read("stripe-balance.csv")
    assert statement.format == "stripe"
    assert statement.debits == 2  # the refund and the payout
    assert [
        (c.date, c.amount, c.currency, c.reference, c.counterparty, c.bank_id)
        for c in statement.credits
    ] == [
        (
            date(2026, 11, 3),
            Decimal("1200.00"),
            "EUR",
            "Invoice ACME-2026-014",
            "Acme Studio BV",
            "txn_3QfA0001",
        ),
        (
            date(2026, 11, 5),
            Decimal("300.00"),
            "EUR",
            "ACME-2026-015 Payment for invoice",
            "Acme Studio BV",
            "txn_3QfA0003",
        ),
    ]


def test_paypal_activity_completed_credits_with_us_dates():
    statement = read("paypal-activity.csv")
    assert statement.format == "paypal"
    assert statement.debits == 1
    assert [(c.date, c.amount, c.reference, c.bank_id) for c in statement.credits] == [
        (
            date(2026, 11, 3),
            Decimal("1200.00"),
            "ACME-2026-014 Payment for ACME-2026-014",
            "6RD12345AB678901C",
        ),
        (date(2026, 11, 21), Decimal("450.00"), "ACME-2026-016 thanks!", "7TT55555CC555555E"),
    ]


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("1200.50", "1200.50"),
        ("1200,50", "1200.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("-12,5", "-12.50"),
        ("€ 99", "99.00"),
        ("1 234,00 EUR", "1234.00"),
        ("1,200", "1200.00"),
    ],
)
def test_amounts_as_banks_write_them(raw, amount):
    assert parse_amount(raw) == Decimal(amount)


@pytest.mark.parametrize("raw", ["", "abc", "12-3", "1" * 16])
def test_not_amounts(raw):
    assert parse_amount(raw) is None


def test_empty_and_unknown_files_are_refused():
    with pytest.raises(StatementInvalid, match="empty"):
        statement_open(b"  \n")
    with pytest.raises(StatementInvalid, match="header"):
        statement_open(b"just one line of text\n")


def test_keys_stay_the_same_and_equal_lines_stay_apart():
    a = Credit(date(2026, 11, 3), Decimal("10.00"), "EUR", "coffee", "", "")
    b = Credit(date(2026, 11, 3), Decimal("10.00"), "EUR", "coffee", "", "")
    keys = credit_keys([a, b], source="csv")
    assert len(set(keys)) == 2
    assert keys == credit_keys([a, b], source="csv")
    assert credit_keys(
        [Credit(a.date, a.amount, "EUR", "x", "", "T1")], source="ofx"
    ) == credit_keys([Credit(a.date, a.amount, "EUR", "other text", "", "T1")], source="ofx")
