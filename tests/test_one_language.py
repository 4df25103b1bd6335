"""One language per document: what a client reads is wholly in their language.

Every client-facing message and document (the three reminder stages, subject, text and
HTML; the reminder letter; the receipt; the statement; the handover report; both farewell
letters) is rendered in each client language. In a non-English one, no English text of the
catalogue's client-facing msgids may survive (names and numbers aside), and every date and
amount must read the way Babel writes it for that language.
"""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from babel.dates import format_date, get_month_names
from babel.numbers import format_currency
from django.utils import translation

from clients.exit import Tone, farewell_draft
from clients.reports import report_context, report_html
from clients.services import profile_for
from invoices.letters import reminder_letter_html, statement_document_context
from invoices.models import InvoiceStatus, Stage
from invoices.receipts import receipt_render
from invoices.reminders import reminder_render
from invoices.statement import Bucket, statement_for
from redflags.rules.wording import FAREWELL_REASONS
from tests.test_i18n import po_entries

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ms", "id", "fi", "fy"]
CURRENCY = {"en": "EUR", "ms": "MYR", "id": "IDR", "fi": "EUR", "fy": "EUR"}
AS_OF = date(2026, 11, 20)
ISSUED, DUE, PAID_ON, END_ON = date(2026, 10, 2), date(2026, 10, 16), date(2026, 10, 20), AS_OF
AMOUNT, PAID, OWED = Decimal("1234.50"), Decimal("234.50"), Decimal("1000.00")
# The data, which no check may mistake for wording: names and numbers only.
NAMES = ("Saimaa Oy", "Tuuli Koivu", "Koivu Hosting")

# Where a client reads our words: templates and the code that words client texts.
CLIENT_FACING = re.compile(
    r"^(templates/invoices/email/(_?reminder_|receipt_)[^:]*"
    r"|templates/invoices/letter/[^:]*"
    r"|templates/invoices/statement/document\.html"
    r"|templates/clients/exit/(letter_\w+\.txt|report\.html)"
    r"|invoices/late_fees\.py):"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|%%|\n")


def client_msgids(language: str) -> dict[str, set[str]]:
    """English msgid -> its translations in `language`, for every client-facing text."""
    labels = {str(label) for label in (*InvoiceStatus.labels, *Stage.labels, *Bucket.labels)}
    found: dict[str, set[str]] = {}
    for entry in po_entries(language):
        facing = any(CLIENT_FACING.match(ref) for ref in entry["refs"])
        if facing or entry["msgid"] in labels or entry["msgid"] in FAREWELL_REASONS.values():
            for msgid in filter(None, (entry["msgid"], entry.get("msgid_plural"))):
                found[msgid] = set(entry["msgstr"].values())
    return found


def english_pieces(language: str) -> set[str]:
    """The English words of the client-facing msgids, cut at their gaps, that a translation
    must not carry: beyond very short words, and not where the translation is the same."""
    pieces = set()
    for msgid, translations in client_msgids(language).items():
        if msgid in translations:
            continue  # the same word in this language ("Total", "Status")
        for piece in PLACEHOLDER.split(msgid):
            piece = piece.strip(" \t.,:;!?()\u2013\u2014-")
            words = re.findall(r"[A-Za-z']+", piece)
            long_enough = len(words) >= 2 or (words and len(words[0]) >= 5)
            if long_enough and not any(piece in text for text in translations):
                pieces.add(piece)
    return pieces


def visible(markup: str) -> str:
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def leaks(rendering: str, pieces: set[str]) -> list[str]:
    for name in NAMES:
        rendering = rendering.replace(name, " ")
    return sorted(
        piece for piece in pieces if re.search(rf"(?<![\w']){re.escape(piece)}(?![\w'])", rendering)
    )


@pytest.fixture(autouse=True)
def english_afterwards(settings):
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def documents(alice, factories):
    """Every client document, by name, rendered for a client reading `language`."""
    profile = profile_for(alice)
    profile.business_name = "Tuuli Koivu"
    profile.save()

    numbers = iter(range(1, 100))

    def render(language: str) -> dict[str, str]:
        number = f"N-{next(numbers)}"
        client = factories.client(
            owner=alice,
            name="Saimaa Oy",
            language=language,
            currency=CURRENCY[language],
            started_on=date(2025, 1, 6),
        )
        invoice = factories.invoice(
            client=client, number=number, issued_on=ISSUED, due_on=DUE, amount=AMOUNT
        )
        payment = factories.payment(invoice=invoice, amount=PAID, paid_on=PAID_ON)
        factories.work_log(client=client, worked_on=date(2026, 9, 14), hours=Decimal("3.5"))
        factories.account_item(client=client, name="Koivu Hosting")
        invoice = type(invoice).objects.with_paid().get(pk=invoice.pk)
        out: dict[str, str] = {}
        for stage in Stage:
            email = reminder_render(invoice, stage, profile)
            out[f"reminder {stage.value} subject"] = email.subject
            out[f"reminder {stage.value} text"] = email.text
            out[f"reminder {stage.value} html"] = visible(email.html)
            out[f"reminder {stage.value} letter"] = visible(
                reminder_letter_html(invoice, stage, profile, as_of=AS_OF)
            )
        receipt = receipt_render(payment, profile)
        out["receipt subject"], out["receipt text"] = receipt.subject, receipt.text
        out["receipt html"] = visible(receipt.html)
        statement = statement_for(client, as_of=AS_OF)
        with translation.override(language):
            from django.template.loader import render_to_string

            out["statement"] = visible(
                render_to_string(
                    "invoices/statement/document.html",
                    statement_document_context(statement, profile),
                )
            )
        out["handover report"] = visible(
            report_html(report_context(client, internal=False, as_of=AS_OF))
        )
        for tone in Tone:
            out[f"farewell {tone.value}"] = farewell_draft(
                client=client, profile=profile, tone=tone, reasons=FAREWELL_REASONS, end_on=END_ON
            )
        return out

    return render


# --- One language -------------------------------------------------------------------------


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_no_english_sentence_survives_in_any_client_document(documents, language):
    pieces = english_pieces(language)
    found = {name: leaks(text, pieces) for name, text in documents(language).items()}
    assert {name: words for name, words in found.items() if words} == {}


def test_the_check_has_teeth_every_english_document_is_made_of_those_msgids(documents):
    """In English each document is full of the pieces the check looks for: it would find
    them if a translation were missing."""
    pieces = english_pieces("fi")
    for name, text in documents("en").items():
        assert len(leaks(text, pieces)) >= (1 if "subject" in name else 3), name


def test_every_farewell_reason_is_told_to_the_client_in_their_language(documents):
    english = documents("en")["farewell direct"]
    assert all(f"- {sentence}" in english for sentence in FAREWELL_REASONS.values())
    for language in LANGUAGES[1:]:
        letter = documents(language)["farewell direct"]
        with translation.override(language):
            said = {translation.gettext(sentence) for sentence in FAREWELL_REASONS.values()}
        assert all(f"- {sentence}" in letter for sentence in said)
        assert not set(FAREWELL_REASONS.values()) & said


# --- Dates and amounts the reader's way ---------------------------------------------------


def ways_to_write(day: date, language: str) -> set[str]:
    return {format_date(day, format=style, locale=language) for style in ("long", "medium")}


def foreign_days(day: date, language: str) -> set[str]:
    """How the day reads in English or American styles that are not this language's."""
    english = {format_date(day, format=style, locale="en") for style in ("long", "medium", "short")}
    english |= {
        f"{day.month}/{day.day}/{day.year}",
        f"{day.month:02}/{day.day:02}/{day.year}",
        day.strftime("%b. ") + f"{day.day}, {day.year}",
    }
    if language != "en":  # "2 Oct 2026" is English too, not Malay or Frisian
        english |= {f"{day.day} {day:%b} {day.year}", f"{day.day} {day:%B} {day.year}"}
    own = ways_to_write(day, language) | {format_date(day, format="short", locale=language)}
    return {text for text in english if not any(text in mine for mine in own)}


def foreign_amounts(amount: Decimal, currency: str, language: str) -> set[str]:
    own = format_currency(amount, currency, locale=language)
    english = {
        format_currency(amount, currency, locale="en"),
        f"{amount} {currency}",
        f"{amount:,.2f} {currency}",
        f"{amount:,.2f}",
    }
    return {text for text in english if text not in own}


# Which known dates and amounts each document shows.
SHOWS = {
    "reminder": ((DUE,), (AMOUNT, OWED)),
    "receipt": ((PAID_ON,), (PAID, OWED)),
    "statement": ((DUE,), (OWED,)),
    "handover report": ((AS_OF,), (OWED,)),
    "farewell": ((END_ON,), ()),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_and_amount_reads_the_readers_way(documents, language):
    currency = CURRENCY[language]
    wrong: dict[str, list[str]] = {}
    for name, body in documents(language).items():
        if "subject" in name:
            continue
        days, amounts = SHOWS[next(kind for kind in SHOWS if name.startswith(kind))]
        problems = []
        for day in days:
            if not any(way in body for way in ways_to_write(day, language)):
                problems.append(f"no {day} in {sorted(ways_to_write(day, language))}")
        for amount in amounts:
            if format_currency(amount, currency, locale=language) not in body:
                problems.append(f"no {format_currency(amount, currency, locale=language)}")
        for day in (ISSUED, DUE, PAID_ON, AS_OF, END_ON):
            problems += [
                f"{day} as {text!r}" for text in foreign_days(day, language) if text in body
            ]
        wrong_amounts = [
            f"{amount} as {way!r}"
            for amount in (AMOUNT, PAID, OWED)
            for way in foreign_amounts(amount, currency, language)
            if way in body
        ]
        # An amount with its code beside it ("1234.50 EUR"), where the locale writes a symbol.
        if currency not in format_currency(AMOUNT, currency, locale=language):
            wrong_amounts += re.findall(rf"\d[\d.,]*\s?{currency}\b", body)
        if language != "en":
            months = set(get_month_names("wide", locale=language).values())
            months |= set(get_month_names("abbreviated", locale=language).values())
            english_months = {m for m in get_month_names("wide", locale="en").values()} - months
            wrong_amounts += [m for m in english_months if re.search(rf"\b{m}\b", body)]
        if problems + wrong_amounts:
            wrong[name] = problems + wrong_amounts
    assert wrong == {}
