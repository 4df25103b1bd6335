"""One way to write amounts, days and moments: the reader's, as Babel (CLDR) has it, in
every client document and message and in the freelancer's digest."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from clients.exit import Tone, client_drop, farewell_draft
from clients.reports import report_context, report_html, report_pdf
from clients.services import profile_for
from clientwatch.formatting import (
    babel_locale,
    format_day,
    format_moment,
    format_money,
    format_month,
)
from invoices import reminders
from invoices.digest import digest_send
from invoices.forms import OpenInvoiceChoiceField
from invoices.letters import statement_html
from invoices.models import Invoice, LateFee, Reminder, Stage
from invoices.receipts import receipt_render
from invoices.reminders import reminder_render
from invoices.statement import statement_for
from redflags.templatetags.charts import score_chart

TODAY = timezone.localdate()
LANGUAGES = ("en", "ms", "id", "fi", "fy")
CURRENCY = {"en": "USD", "ms": "MYR", "id": "IDR", "fi": "EUR", "fy": "EUR"}
NOV_20 = date(2026, 11, 20)

# What the old ways wrote: Django's "N j, Y" (Oct. 17, 2025), its short formats
# (12/16/2025), ISO months (2026-03) and "1855.00 USD" from an amount and a code.
OLD_WAYS = {
    "a Django month abbreviation": re.compile(
        r"\b(?:Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\.(?=\s\d)|\b(?:Mar|Apr|Jun|Jul)\.(?=\s\d)"
    ),
    "a numeric date with slashes": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    "an ISO date": re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b"),
    "an amount followed by its code": re.compile(r"\d[ \u00a0]*(?:USD|EUR|GBP|MYR|IDR)\b"),
}


def visible(html: str) -> str:
    """The text a reader sees; each tag becomes a bar so table cells stay apart."""
    html = re.sub(r"<(style|title)\b.*?</\1>", "|", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", "|", html)


def assert_only_the_locale_way(text: str) -> None:
    for what, pattern in OLD_WAYS.items():
        found = pattern.search(text)
        assert found is None, (
            f"{what}: {found.group(0)!r} in …{text[max(found.start() - 60, 0) : found.end() + 60]}…"
        )


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- The functions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "currency", "written"),
    [
        ("en", "USD", "$1,855.00"),
        ("ms", "MYR", "RM1,855.00"),
        ("id", "IDR", "Rp1.855,00"),
        ("fi", "EUR", "1\xa0855,00\xa0€"),
        ("fy", "EUR", "€\xa01.855,00"),
    ],
)
def test_an_amount_reads_the_locale_way(language, currency, written):
    assert format_money(Decimal("1855"), currency, language) == written
    assert format_money(Decimal("1855.00"), currency, language) == written


def test_zero_and_a_currency_without_cents_keep_the_currency_s_own_decimals():
    assert format_money(Decimal("0"), "USD", "en") == "$0.00"
    assert format_money(Decimal("0"), "EUR", "fi") == "0,00\xa0€"
    assert format_money(Decimal("1855"), "JPY", "en") == "¥1,855"


@pytest.mark.parametrize(
    ("language", "long", "medium", "short"),
    [
        ("en", "November 20, 2026", "Nov 20, 2026", "11/20/26"),
        ("ms", "20 November 2026", "20 Nov 2026", "20/11/26"),
        ("id", "20 November 2026", "20 Nov 2026", "20/11/26"),
        ("fi", "20. marraskuuta 2026", "20.11.2026", "20.11.2026"),
        ("fy", "20 Novimber 2026", "20 Nov 2026", "20-11-26"),
    ],
)
def test_a_day_reads_the_locale_way_in_each_style(language, long, medium, short):
    assert format_day(NOV_20, language) == long
    assert format_day(NOV_20, language, "long") == long
    assert format_day(NOV_20, language, "medium") == medium
    assert format_day(NOV_20, language, "short") == short


def test_an_unknown_day_style_is_refused():
    with pytest.raises(ValueError, match="unknown day style"):
        format_day(NOV_20, "en", "full-ish")


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "Nov 20, 2026, 10:05\u202fPM"),
        ("ms", "20 Nov 2026, 10:05\u202fPTG"),
        ("id", "20 Nov 2026 22.05"),
        ("fi", "20.11.2026 22.05"),
        ("fy", "20 Nov 2026 22:05"),
    ],
)
def test_a_moment_reads_the_locale_way_in_the_given_zone(language, written):
    moment = datetime(2026, 11, 20, 14, 5, 33, tzinfo=UTC)
    assert format_moment(moment, language, "Asia/Kuala_Lumpur") == written


def test_a_moment_without_a_zone_is_in_the_current_one():
    moment = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    with timezone.override("Europe/Helsinki"):  # already 21 November there
        assert format_moment(moment, "fi") == "21.11.2026 1.30"
    assert format_moment(moment, "fi", "UTC") == "20.11.2026 23.30"


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "November 2026"),
        ("ms", "November 2026"),
        ("id", "November 2026"),
        ("fi", "marraskuu 2026"),
        ("fy", "Novimber 2026"),
    ],
)
def test_a_month_reads_the_locale_way(language, written):
    assert format_month(NOV_20, language) == written


def test_a_chart_s_months_are_short_and_the_locale_s():
    assert format_month(NOV_20, "en", short=True) == "Nov 2026"
    assert format_month(NOV_20, "fi", short=True) == "marras 2026"

    class Scored:
        score = 55

    with translation.override("fi"):
        svg = score_chart([(date(2026, 10, 31), Scored()), (NOV_20, Scored())], 70, 40, 10, 10)
    assert "loka 2026 55, marras 2026 55" in svg


def test_django_language_codes_map_to_babel_locales_and_unknown_ones_to_english():
    assert babel_locale("fi") == "fi"
    assert babel_locale("pt-br") == "pt_BR"
    assert babel_locale("pt_BR") == "pt_BR"
    assert babel_locale("xx") == "en"
    assert babel_locale(None) == "en"
    assert format_day(NOV_20, "xx") == "November 20, 2026"


# --- The template filters -----------------------------------------------------------

FILTERS = Template(
    "{% load clientwatch %}{{ amount|money:currency }} | {{ on|day }} | "
    '{{ on|day:"medium" }} | {{ on|month }} | {{ at|moment:zone }} | {{ nothing|day }}.'
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_filters_use_the_active_language(language):
    at = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    context = Context(
        {
            "amount": Decimal("1855.00"),
            "currency": CURRENCY[language],
            "on": NOV_20,
            "at": at,
            "zone": "Asia/Kuala_Lumpur",
            "nothing": None,
        },
        autoescape=False,
    )
    with translation.override(language):
        text = FILTERS.render(context)
    assert text == " | ".join(
        [
            format_money(Decimal("1855.00"), CURRENCY[language], language),
            format_day(NOV_20, language),
            format_day(NOV_20, language, "medium"),
            format_month(NOV_20, language),
            format_moment(at, language, "Asia/Kuala_Lumpur"),
            ".",
        ]
    )


# --- Client documents and messages --------------------------------------------------


@pytest.fixture
def owing_client(alice, factories, request):
    """A client in `language` with a paid invoice, a part-paid one and a late fee."""
    language = request.param
    currency = CURRENCY[language]
    client = factories.client(
        owner=alice,
        name="Harbour Lights",
        email="accounts@harbour.example",
        language=language,
        currency=currency,
        started_on=TODAY - timedelta(days=200),
    )
    paid = factories.invoice(
        client=client,
        number="HL-1",
        amount=Decimal("1000.00"),
        issued_on=TODAY - timedelta(days=90),
        due_on=TODAY - timedelta(days=76),
    )
    factories.payment(invoice=paid, amount=Decimal("1000.00"), paid_on=TODAY - timedelta(days=70))
    owing = factories.invoice(
        client=client,
        number="HL-2",
        amount=Decimal("1855.00"),
        issued_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=26),
    )
    factories.payment(invoice=owing, amount=Decimal("355.00"), paid_on=TODAY - timedelta(days=10))
    LateFee.objects.create(
        invoice=owing,
        kind="flat",
        stage="nudge",
        amount=Decimal("40.00"),
        currency=currency,
        charged_on=TODAY - timedelta(days=20),
    )
    factories.work_log(client=client, worked_on=TODAY - timedelta(days=30), hours=Decimal("3"))
    factories.account_item(
        client=client, name="Analytics", handed_over=True, handed_over_on=TODAY - timedelta(days=1)
    )
    client.owing = owing
    return client


def money(amount: str, client) -> str:
    return format_money(Decimal(amount), client.currency, client.language)


def day(value: date, client, style="long") -> str:
    return format_day(value, client.language, style)


@pytest.mark.django_db
@pytest.mark.parametrize("owing_client", LANGUAGES, indirect=True)
def test_the_handover_report_writes_days_and_amounts_the_client_s_way(owing_client):
    client, owing = owing_client, owing_client.owing
    html = report_html(report_context(client, internal=False, as_of=TODAY))
    text = visible(html)
    assert_only_the_locale_way(text)
    # The cover and prose: long; the tables: medium.
    assert f"{day(client.started_on, client)} \u2013 " in text  # until today
    assert day(TODAY, client) in text
    assert day(TODAY - timedelta(days=1), client) in text  # the account handed back
    assert day(owing.issued_on, client, "medium") in text
    assert day(owing.due_on, client, "medium") in text
    assert day(TODAY - timedelta(days=20), client, "medium") in text  # the fee
    assert format_month(TODAY - timedelta(days=30), client.language) in text
    for amount in ("1855.00", "355.00", "40.00", "2855.00", "1355.00", "1540.00"):
        assert money(amount, client) in text, amount


@pytest.mark.django_db
@pytest.mark.parametrize("owing_client", ["fi"], indirect=True)
def test_the_internal_record_writes_sent_reminders_in_the_freelancer_s_zone(alice, owing_client):
    profile = profile_for(alice)
    profile.time_zone = "Asia/Kuala_Lumpur"
    profile.save()
    reminders.freelancer_reminders_run(owner=alice, as_of=TODAY)
    [reminder] = Reminder.objects.filter(state=Reminder.State.SENT)
    text = visible(report_html(report_context(owing_client, internal=True, as_of=TODAY)))
    assert_only_the_locale_way(text)
    # The internal record is the freelancer's, in the freelancer's language.
    assert format_moment(reminder.sent_at, "en", "Asia/Kuala_Lumpur") in text
    assert format_money(Decimal("1540.00"), "EUR", "en") in text


@pytest.mark.django_db
@pytest.mark.parametrize("owing_client", LANGUAGES, indirect=True)
def test_the_statement_writes_days_and_amounts_the_client_s_way(alice, owing_client):
    client, owing = owing_client, owing_client.owing
    html = statement_html(statement_for(client, as_of=TODAY), profile_for(alice))
    text = visible(html)
    assert_only_the_locale_way(text)
    assert day(TODAY, client) in text  # the letter's date
    assert day(owing.due_on, client, "medium") in text
    assert day(TODAY - timedelta(days=10), client, "medium") in text  # the payment
    for amount in ("1855.00", "355.00", "1500.00", "40.00", "1540.00"):
        assert money(amount, client) in text, amount


@pytest.mark.django_db
@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("owing_client", LANGUAGES, indirect=True)
def test_each_reminder_stage_writes_days_and_amounts_the_client_s_way(alice, owing_client, stage):
    client, owing = owing_client, owing_client.owing
    rendered = reminder_render(owing, stage, profile_for(alice))
    for text in (rendered.subject, rendered.text, visible(rendered.html)):
        assert_only_the_locale_way(text)
    for text in (rendered.text, visible(rendered.html)):
        assert day(owing.due_on, client) in text
        assert day(owing.issued_on, client) in text
        assert money("1855.00", client) in text
        assert money("1500.00", client) in text  # still to pay


@pytest.mark.django_db
@pytest.mark.parametrize("owing_client", LANGUAGES, indirect=True)
def test_a_receipt_writes_days_and_amounts_the_client_s_way(alice, owing_client):
    client = owing_client
    payment = client.owing.payments.get()
    rendered = receipt_render(payment, profile_for(alice))
    for text in (rendered.subject, rendered.text, visible(rendered.html)):
        assert_only_the_locale_way(text)
    for text in (rendered.text, visible(rendered.html)):
        assert money("355.00", client) in text
        assert money("1540.00", client) in text  # still owed, the open late fee with it
        assert money("40.00", client) in text  # of which late fees
        assert day(payment.paid_on, client) in text


@pytest.mark.django_db
@pytest.mark.parametrize("owing_client", LANGUAGES, indirect=True)
def test_the_farewell_letter_dates_the_end_the_client_s_way(alice, owing_client):
    end_on = TODAY + timedelta(days=29)
    for tone in Tone:
        letter = farewell_draft(
            client=owing_client, profile=profile_for(alice), tone=tone, reasons=[], end_on=end_on
        )
        assert day(end_on, owing_client) in letter
        assert_only_the_locale_way(letter)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("owing_client", ["en"], indirect=True)
def test_the_digest_writes_days_amounts_and_times_in_the_freelancer_s_language(
    alice, owing_client, language
):
    profile = profile_for(alice)
    profile.time_zone = "Asia/Kuala_Lumpur"
    profile.language = language  # the digest is in the freelancer's own language
    profile.save()
    reminders.freelancer_reminders_run(owner=alice, as_of=TODAY)
    [reminder] = Reminder.objects.filter(state=Reminder.State.SENT)
    mail.outbox.clear()
    digest_send(owner=alice, for_date=TODAY)
    [digest] = mail.outbox
    html = digest.alternatives[0][0]
    for text in (digest.subject, digest.body, visible(html)):
        assert_only_the_locale_way(text)
    for text in (digest.body, visible(html)):
        assert format_day(TODAY, language) in text
        assert format_money(Decimal("1500.00"), "USD", language) in text  # HL-2's balance
    assert format_moment(reminder.sent_at, language, "Asia/Kuala_Lumpur") in digest.body


# --- The handover report's totals ---------------------------------------------------


@pytest.mark.django_db
def test_the_handover_report_totals_billed_paid_and_due_per_currency(alice, factories):
    client = factories.client(owner=alice, name="Two Purses", language="en", currency="EUR")
    first = factories.invoice(client=client, number="TP-1", amount=Decimal("1000.00"))
    factories.payment(invoice=first, amount=Decimal("1000.00"))
    second = factories.invoice(
        client=client,
        number="TP-2",
        amount=Decimal("750.50"),
        issued_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=26),
    )
    factories.payment(invoice=second, amount=Decimal("250.00"), paid_on=TODAY)
    LateFee.objects.create(
        invoice=second,
        kind="flat",
        stage="nudge",
        amount=Decimal("25.00"),
        currency="EUR",
        charged_on=TODAY - timedelta(days=20),
    )
    factories.invoice(client=client, number="TP-3", amount=Decimal("300.00"), currency="USD")
    text = pdf_text(report_pdf(client, internal=False, as_of=TODAY))
    rows = {
        line.split(" ", 1)[0]: line for line in text.splitlines() if line[:4] in ("EUR ", "USD ")
    }
    assert "Totals" in text
    assert rows["EUR"] == "EUR €1,750.50 €1,250.00 €25.00 €525.50"
    assert rows["USD"] == "USD $300.00 $0.00 $0.00 $300.00"
    assert_only_the_locale_way(text)


@pytest.mark.django_db
def test_the_handover_report_totals_read_the_client_s_way_in_finnish(alice, factories):
    client = factories.client(owner=alice, name="Kaksi Kukkaroa Oy", language="fi")
    first = factories.invoice(client=client, number="KK-1", amount=Decimal("1855.00"))
    factories.payment(invoice=first, amount=Decimal("855.00"))
    text = pdf_text(report_pdf(client, internal=False, as_of=TODAY))
    text = re.sub(r"[\u00a0\u202f]", " ", text)
    with translation.override("fi"):
        assert translation.gettext("Totals") in text
    [row] = [line for line in text.splitlines() if line.startswith("EUR ")]
    assert row == "EUR 1 855,00 € 855,00 € 1 000,00 €"


# --- The freelancer's pages ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_refused_drop_dates_the_earlier_drop_in_the_page_s_language(acme, language):
    client_drop(client=acme, reason="", end_on=TODAY, letter="Goodbye.", today=TODAY)
    with translation.override(language), pytest.raises(ValidationError) as refused:
        client_drop(client=acme, reason="again", end_on=TODAY, letter="Bye.", today=TODAY)
    [message] = refused.value.messages
    assert format_day(TODAY, language, "medium") in message
    assert TODAY.isoformat() not in message


@pytest.mark.django_db
def test_the_open_invoice_choices_read_the_page_s_way(acme, factories):
    invoice = factories.invoice(client=acme, number="INV-7", amount=Decimal("1855.00"))
    field = OpenInvoiceChoiceField(queryset=Invoice.objects.with_paid())
    with translation.override("fi"):
        label = field.label_from_instance(Invoice.objects.with_paid().get(pk=invoice.pk))
    assert format_money(Decimal("1855.00"), "EUR", "fi") in label
    assert format_day(invoice.due_on, "fi", "medium") in label
    assert invoice.due_on.isoformat() not in label


@pytest.mark.django_db
def test_the_invoice_page_writes_days_and_amounts_the_page_s_way(alice_client, acme, factories):
    invoice = factories.invoice(client=acme, number="INV-8", amount=Decimal("1855.00"))
    factories.payment(invoice=invoice, amount=Decimal("855.00"), paid_on=invoice.due_on)
    url = reverse("invoice_detail", args=[invoice.pk])
    with translation.override("en"):  # the request activates Finnish; leave it behind
        html = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    text = visible(html)
    assert_only_the_locale_way(text)
    assert format_day(invoice.issued_on, "fi", "medium") in text
    assert format_money(Decimal("1000.00"), "EUR", "fi") in text
