"""Translations: what a client reads is complete in every language we offer.

Reminder emails, farewell letters and the handover report render in the client's language;
the freelancer's own pages follow the browser or the language chooser, and fall back to
English where a UI string has no translation yet.
"""

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from clients.exit import Tone, farewell_draft
from clients.reports import report_context, report_html
from clients.services import profile_for
from clients.wording import Kind, wording_save
from invoices.models import InvoiceStatus, Stage
from invoices.reminders import reminder_render
from redflags.assess import client_score_refresh
from redflags.rules.wording import farewell_reason

pytestmark = pytest.mark.django_db

LANGUAGES = ["ms", "id", "fi", "fy"]
CURRENCY = {"ms": "MYR", "id": "IDR", "fi": "EUR", "fy": "EUR"}
TODAY = timezone.localdate()
LOCALE = Path(settings.BASE_DIR) / "locale"

# What a client reads: the texts that must be translated in full in every language.
CLIENT_FACING = re.compile(
    r"^templates/(invoices/email/_?reminder_[^:]*|clients/exit/letter_\w+\.txt|clients/exit/report\.html):"
)
CLIENT_FACING_LABELS = [str(label) for label in (*InvoiceStatus.labels, *Stage.labels)]


# --- A tiny .po reader (no extra dependency) --------------------------------------------


def _unquote(line: str) -> str:
    body = line.strip()[1:-1]
    return re.sub(
        r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body
    )


def po_entries(language: str) -> list[dict]:
    """Each entry of the catalogue: its references, flags, msgid and msgstr(s)."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text("utf-8")
    entries = []
    for block in text.strip().split("\n\n"):
        entry = {"refs": [], "flags": [], "msgid": "", "msgstr": {}}
        field = None
        for line in block.splitlines():
            if line.startswith("#:"):
                entry["refs"] += line[2:].split()
            elif line.startswith("#,"):
                entry["flags"] += [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif match := re.match(
                r"(msgid_plural|msgid|msgctxt|msgstr(?:\[\d+\])?) (\".*\")$", line
            ):
                field = match.group(1)
                value = _unquote(match.group(2))
                if field.startswith("msgstr"):
                    entry["msgstr"][field] = value
                else:
                    entry[field] = value
            elif line.startswith('"') and field:
                if field.startswith("msgstr"):
                    entry["msgstr"][field] += _unquote(line)
                else:
                    entry[field] += _unquote(line)
        if entry["msgid"]:
            entries.append(entry)
    return entries


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def english_afterwards():
    """Requests here activate other languages (LocaleMiddleware); later tests start in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def profile(alice):
    profile = profile_for(alice)
    profile.business_name = "Alice Design"
    for language, _name in settings.LANGUAGES:
        wording_save(
            owner=alice,
            kind=Kind.PAYMENT_INSTRUCTIONS,
            language=language,
            text="IBAN FI00 1234 5678",
        )
    profile.save()
    return profile


def overdue_invoice(factories, owner, language: str, number: str = "INV-7"):
    client = factories.client(
        owner=owner,
        name="Slow Pay Ltd",
        email="ap@slowpay.example",
        language=language,
        currency=CURRENCY.get(language, "EUR"),
    )
    return factories.invoice(
        client=client,
        number=number,
        issued_on=date(2026, 3, 2),
        due_on=date(2026, 3, 16),
        amount=Decimal("1200.00"),
    )


def visible_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def english_sentences(text: str, *data: str) -> set[str]:
    """The sentences and labels of an English rendering, with the data (names, amounts,
    dates, numbers) cut out: none of them may survive in a translation."""
    for value in data:
        text = text.replace(value, "\n")
    pieces = re.split(r"\n|(?<=[.!?:,])\s+", text)
    return {p.strip(" \t,:.") for p in pieces if re.search(r"[A-Za-z]{3,}", p)}


def leftovers(english: str, translated: str, *data: str) -> list[str]:
    words = set(re.findall(r"\w+", translated))
    found = []
    for sentence in english_sentences(english, *data):
        if " " in sentence:
            if sentence in translated:
                found.append(sentence)
        elif sentence in words:  # a one-word label such as "Amount"
            found.append(sentence)
    return found


# --- Reminder emails --------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("stage", list(Stage))
def test_every_reminder_stage_is_fully_translated_with_local_amounts_and_dates(
    factories, alice, profile, language, stage
):
    invoice = overdue_invoice(factories, alice, language)
    english_invoice = overdue_invoice(factories, alice, "en", number="INV-8")
    english = reminder_render(english_invoice, stage, profile)
    email = reminder_render(invoice, stage, profile)

    amount = format_currency(Decimal("1200.00"), CURRENCY[language], locale=language)
    due = format_date(invoice.due_on, format="long", locale=language)
    data = (
        "Slow Pay Ltd",
        "INV-8",
        "Alice Design",
        "IBAN FI00 1234 5678",
        "€1,200.00",
        "March 16, 2026",
        "March 2, 2026",
    )
    assert email.language == language
    assert leftovers(english.subject, email.subject, *data) == []
    assert leftovers(english.text, email.text, *data) == []
    assert leftovers(visible_text(english.html), visible_text(email.html), *data) == []
    for body in (email.text, visible_text(email.html)):
        assert amount in body
        assert due in body
        assert "March" not in body
    assert "INV-7" in email.subject


def test_amounts_read_the_local_way():
    assert format_currency(Decimal("1200.00"), "MYR", locale="ms") == "RM1,200.00"
    assert format_currency(Decimal("1200.00"), "EUR", locale="fi") == "1\xa0200,00\xa0€"


def test_a_client_in_malay_gets_a_malay_reminder_while_the_freelancer_reads_english(
    alice_client, alice, profile, factories
):
    invoice = overdue_invoice(factories, alice, "ms")
    url = reverse("reminder_preview", args=[invoice.pk, Stage.NUDGE.value])
    response = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Peringatan mesra: invois INV-7" in page
    assert "RM1,200.00" in page
    assert "Text version" in page  # the freelancer's own page stays English
    assert "Peringatan mesra" not in visible_text(page.split("<section")[0])
    assert "No translation in" not in page


def test_a_client_language_without_a_catalogue_falls_back_to_english_visibly(
    alice_client, alice, profile, factories
):
    invoice = overdue_invoice(factories, alice, "de")  # a language we have no catalogue for
    url = reverse("reminder_preview", args=[invoice.pk, Stage.PAUSED.value])
    response = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    page = html.unescape(response.content.decode())
    assert "No translation in German yet: this email goes out in English." in page
    assert "Work paused until invoice INV-7 is settled" in page


def test_the_freelancer_picks_the_ui_language_in_the_footer(alice_client):
    page = alice_client.get(reverse("dashboard")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert '<select name="language"' in page
    response = alice_client.post(
        reverse("set_language"), {"language": "fi", "next": reverse("dashboard")}
    )
    assert response.status_code == 302
    page = alice_client.get(reverse("dashboard")).content.decode()
    assert '<html lang="fi">' in page
    with translation.override("fi"):
        assert translation.gettext("Clients") in page


def test_the_browser_language_is_followed_by_default(alice_client):
    page = alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert '<html lang="id">' in page


# --- Farewell letters -------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("tone", list(Tone))
def test_both_farewell_letters_are_fully_translated(factories, alice, profile, language, tone):
    reasons = ["repeated_verbal_abuse", "competitor_leverage"]

    def draft(lang):
        client = factories.client(owner=alice, name="Acme Studio", language=lang)
        return farewell_draft(
            client=client, profile=profile, tone=tone, reasons=reasons, end_on=date(2026, 2, 28)
        )

    english, letter = draft("en"), draft(language)
    data = ("Acme Studio", "Alice Design", "February 28, 2026")
    assert leftovers(english, letter, *data) == []
    assert format_date(date(2026, 2, 28), format="long", locale=language) in letter
    if tone == Tone.DIRECT:
        # The reasons are told to the client in their language, in the letter's own words.
        with translation.override(language):
            said = [translation.gettext(farewell_reason(rule)) for rule in reasons]
        for sentence in said:
            assert f"- {sentence}\n" in letter
        assert "competitor" not in letter.lower()


# --- The handover report ----------------------------------------------------------------

HEADINGS = [
    "Handover report",
    "Prepared by",
    "Work accomplished",
    "Main deliverables",
    "Accounts handed back",
    "Statement of account",
    "How to pay",
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_handover_report_has_translated_headings(factories, alice, profile, language):
    client = factories.client(
        owner=alice,
        name="Brightline Fitness",
        language=language,
        started_on=TODAY - timedelta(days=400),
    )
    factories.invoice(
        client=client,
        number="B-2",
        amount=Decimal("750.50"),
        issued_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=26),
    )
    factories.work_log(client=client, worked_on=TODAY - timedelta(days=7), hours=Decimal("3.5"))
    factories.account_item(client=client, name="Google Ads")
    page = visible_text(report_html(report_context(client, internal=False)))
    with translation.override(language):
        translated = {heading: translation.gettext(heading) for heading in HEADINGS}
        overdue = str(InvoiceStatus.OVERDUE.label)
    for heading, text in translated.items():
        assert text != heading
        assert text in page
        assert heading not in page
    assert overdue != "Overdue"
    assert overdue in page


# --- The catalogues ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_client_facing_text_is_translated_in_the_catalogue(language):
    entries = po_entries(language)
    client_facing = [
        e
        for e in entries
        if any(CLIENT_FACING.match(ref) for ref in e["refs"]) or e["msgid"] in CLIENT_FACING_LABELS
    ]
    assert len(client_facing) > 60
    untranslated = [
        e["msgid"] for e in client_facing if "fuzzy" in e["flags"] or not all(e["msgstr"].values())
    ]
    assert untranslated == []
    # The compiled catalogue (.mo) says the same as the .po: nothing was left uncompiled.
    with translation.override(language):
        stale = [
            e["msgid"]
            for e in client_facing
            if "msgid_plural" not in e and translation.gettext(e["msgid"]) != e["msgstr"]["msgstr"]
        ]
    assert stale == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_headers_have_the_right_plural_forms(language):
    header = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text("utf-8")
    nplurals = 1 if language in ("ms", "id") else 2
    assert f"nplurals={nplurals};" in header
    assert f"Language: {language}\\n" in header


# --- The rules engine's words, in the freelancer's language ------------------------------


@pytest.fixture
def troubled(alice, factories):
    """A client with an overdue invoice and abuse after a warning: titles, advice, evidence."""
    client = factories.client(owner=alice, name="Rough Ride Oy", ref="rough", currency="EUR")
    factories.invoice(
        client=client,
        number="RR-1",
        amount=Decimal("1200.00"),
        issued_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=26),
    )
    for days_ago in (20, 5):
        factories.incident(
            client=client, category="verbal_abuse", occurred_on=TODAY - timedelta(days=days_ago)
        )
    factories.step(
        client=client, kind="warned", addresses="verbal_abuse", taken_on=TODAY - timedelta(days=20)
    )
    client_score_refresh(client)
    return client


RULE_TITLES = ["Abusive again after a warning", "Money overdue"]
RULE_ADVICE = [
    "You told them it was not acceptable and it happened again. Part ways, and say it "
    "plainly: their language crossed a line and you will no longer work with them. Step "
    "away from any abusive conversation until then."
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_client_page_shows_rule_titles_advice_and_evidence_in_the_ui_language(
    alice_client, troubled, language
):
    url = reverse("client_detail", args=[troubled.pk])
    page = visible_text(alice_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    with translation.override(language):
        titles = [translation.gettext(title) for title in RULE_TITLES]
        advice = [translation.gettext(text) for text in RULE_ADVICE]
    for english, text in zip(RULE_TITLES + RULE_ADVICE, titles + advice, strict=True):
        assert text != english
        assert text in page
        assert english not in page
    # Evidence: translated around the invoice number, its date and amount the local way.
    due = format_date(TODAY - timedelta(days=26), format="medium", locale=language)
    amount = format_currency(Decimal("1200.00"), "EUR", locale=language)
    evidence = next(line for line in page.splitlines() if "RR-1" in line)
    assert due in evidence and amount in evidence
    assert "Invoice RR-1" not in evidence and "overdue" not in evidence


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_shows_the_top_reason_in_the_ui_language(alice_client, troubled, language):
    page = alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        title = translation.gettext("Abusive again after a warning")
    assert title in html.unescape(page)
    assert "Abusive again after a warning" not in page


def test_the_drop_page_offers_reasons_in_the_ui_language_and_the_letter_in_the_clients(
    alice_client, troubled
):
    troubled.language = "ms"
    troubled.save()
    url = reverse("client_drop", args=[troubled.pk])
    page = html.unescape(alice_client.get(url, HTTP_ACCEPT_LANGUAGE="fi").content.decode())
    with translation.override("fi"):
        assert translation.gettext("Abusive again after a warning") in page
    response = alice_client.post(
        url,
        {
            "reasons": ["repeated_verbal_abuse", "overdue"],
            "when": "now",
            "tone": "direct",
            "keep_reminders_for_owed": "on",
            "redraft": "1",
        },
        HTTP_ACCEPT_LANGUAGE="fi",
        headers={"HX-Request": "true"},
    )
    letter = html.unescape(response.content.decode())
    with translation.override("ms"):
        said = [
            translation.gettext(farewell_reason(rule))
            for rule in ("repeated_verbal_abuse", "overdue")
        ]
    for sentence in said:
        assert f"- {sentence}" in letter
    assert "Abusive" not in letter and "overdue" not in letter.lower()


def test_the_internal_record_keeps_the_reasons_as_the_freelancer_read_them(alice_client, troubled):
    url = reverse("client_drop", args=[troubled.pk])
    alice_client.post(
        url,
        {
            "reasons": ["repeated_verbal_abuse"],
            "reason_note": "Huusi puhelimessa.",
            "when": "now",
            "tone": "vague",
            "letter": "Hyvästi.",
            "keep_reminders_for_owed": "on",
        },
        HTTP_ACCEPT_LANGUAGE="fi",
    )
    troubled.refresh_from_db()
    with translation.override("fi"):
        title = translation.gettext("Abusive again after a warning")
    assert troubled.drop_reason == f"{title}; Huusi puhelimessa."


def test_a_stored_evidence_line_from_before_translations_reads_as_it_was():
    from redflags.translation import evidence_label, rule_text

    with translation.override("fi"):
        assert evidence_label({"label": "Invoice 7, due 3 Mar 2024"}) == "Invoice 7, due 3 Mar 2024"
        assert rule_text("Pays late") == translation.gettext("Pays late") != "Pays late"


# --- A language without a catalogue is reported, not silently English --------------------


def test_every_offered_language_has_a_catalogue_and_the_check_is_quiet():
    from clientwatch.checks import catalogues_check

    assert catalogues_check() == []


def test_a_language_offered_without_a_catalogue_is_a_system_check_warning(settings):
    from django.core.checks import run_checks

    settings.LANGUAGES = [*settings.LANGUAGES, ("de", "Deutsch")]
    warnings = [w for w in run_checks(tags=["translation"]) if w.id == "clientwatch.W001"]
    assert len(warnings) == 1
    assert "'de'" in warnings[0].msg and "Deutsch" in warnings[0].msg


@pytest.mark.parametrize(("language", "warned"), [("de", True), ("fi", False)])
def test_the_statement_page_warns_when_the_pdf_would_be_english(
    alice_client, alice, factories, language, warned
):
    client = factories.client(owner=alice, name="Abroad GmbH", language=language)
    url = reverse("client_statement", args=[client.pk])
    text = html.unescape(alice_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    name = translation.get_language_info(language)["name"]
    assert (f"No translation in {name} yet: the PDF goes out in English." in text) is warned


@pytest.mark.parametrize(("language", "warned"), [("de", True), ("fi", False), ("en", False)])
def test_the_drop_page_warns_when_the_clients_language_has_no_catalogue(
    alice_client, alice, factories, language, warned
):
    client = factories.client(owner=alice, name="Abroad GmbH", language=language)
    page = alice_client.get(reverse("client_drop", args=[client.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = html.unescape(page.content.decode())
    name = translation.get_language_info(language)["name"]
    warning = f"No translation in {name} yet: this letter goes out in English."
    assert (warning in text) is warned


# --- Dates on the freelancer's pages ------------------------------------------------------


def test_a_finnish_november_day_no_longer_reads_as_march(alice_client, alice, factories):
    client = factories.client(owner=alice, name="Marras Oy", started_on=date(2025, 11, 20))
    page = alice_client.get(reverse("client_detail", args=[client.pk]), HTTP_ACCEPT_LANGUAGE="fi")
    text = html.unescape(page.content.decode())
    assert "20.11.2025" in text
    assert "20 Mar 2025" not in text


def test_templates_write_days_the_readers_way_never_with_a_fixed_pattern():
    """A fixed pattern such as "j M Y" took Django's three-letter months, and Finnish
    abbreviates marraskuu (November) "mar": days go through the `day` filter; `date` only
    writes machine-readable ones."""
    allowed = re.compile(r"^(?:Y-m-d|c)$")
    fixed = []
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.*"):
        for pattern in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text("utf-8")):
            if not allowed.match(pattern):
                fixed.append(f"{path.name}: {pattern}")
    assert fixed == []


def test_the_internal_record_is_in_the_language_the_freelancer_asked_for_it_in(
    alice_client, troubled, settings, tmp_path
):
    from clients.models import Report

    settings.MEDIA_ROOT = tmp_path
    alice_client.post(
        reverse("report_create", args=[troubled.pk, "internal"]), HTTP_ACCEPT_LANGUAGE="fi"
    )
    report = Report.objects.get(client=troubled)
    assert report.language == "fi" and report.state == Report.State.READY
    context = report_context(troubled, internal=True) | {"ui_language": report.language}
    page = visible_text(report_html(context))
    with translation.override("fi"):
        assert translation.gettext("Internal record: %(name)s") % {"name": "Rough Ride Oy"} in page
        assert translation.gettext("Abusive again after a warning") in page  # score history
        assert translation.gettext("Fire") in page  # its verdict, named
    assert not re.search(r"\bfire\b", page)
    assert "Abusive again after a warning" not in page
    # Without a language it stays in the default one, as before.
    english = visible_text(report_html(report_context(troubled, internal=True)))
    assert "Abusive again after a warning" in english


def engine_msgids() -> set[str]:
    """Every text the rules engine marks (gettext_noop, fill, ngettext_noop), read from its
    source as makemessages reads it."""
    import ast

    marks = {"gettext_noop": 1, "fill": 1, "ngettext_noop": 2}
    found = set()
    for path in (Path(settings.BASE_DIR) / "redflags" / "rules").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in marks:
                for arg in node.args[: marks[node.func.id]]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rule_title_advice_and_evidence_text_is_translated(language):
    msgids = engine_msgids()
    assert len(msgids) > 80
    translated = {}
    for entry in po_entries(language):
        if "fuzzy" not in entry["flags"] and all(entry["msgstr"].values()):
            translated[entry["msgid"]] = entry
            if entry.get("msgid_plural"):
                translated[entry["msgid_plural"]] = entry
    assert sorted(msgids - set(translated)) == []
    # A translation keeps every {gap} of its msgid, or the edge falls back to English.
    gaps = re.compile(r"\{\w+\}")
    lost = [
        msgid
        for msgid in msgids
        if "{" in msgid
        and any(
            set(gaps.findall(text)) != set(gaps.findall(msgid))
            for text in translated[msgid]["msgstr"].values()
        )
    ]
    assert lost == []


@pytest.mark.parametrize(("language", "warned"), [("de", True), ("fi", False)])
def test_the_wording_page_warns_when_its_previews_would_be_english(
    alice_client, monkeypatch, language, warned
):
    import clients.wording_views

    # As if German were offered (settings.LANGUAGES) but had no catalogue yet.
    offered = [*clients.wording_views.LANGUAGES, "de"]
    monkeypatch.setattr(clients.wording_views, "LANGUAGES", offered)
    page = alice_client.get(reverse("wording"), {"language": language}, HTTP_ACCEPT_LANGUAGE="en")
    text = html.unescape(page.content.decode())
    assert page.status_code == 200
    name = translation.get_language_info(language)["name"]
    warning = f"No translation in {name} yet: these emails and letters go out in English."
    assert (warning in text) is warned
