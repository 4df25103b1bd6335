"""The rules engine's English, in the reader's language.

The engine imports nothing from Django: it writes English and marks its msgids
(redflags/rules/wording.py). Here, at the edge, a title, an advice or an evidence line is
translated with gettext in the active language, and the dates, amounts and numbers inside
it are written that language's way, as everywhere else (clientwatch/formatting.py).
"""

from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django.utils import translation
from django.utils.translation import gettext, ngettext

from clientwatch.formatting import babel_locale, format_day, format_money
from redflags.rules.wording import Money, Phrase


def rule_text(text: Any) -> str:
    """A rules text (a title, an advice, an evidence label) in the active language.

    `text` is what the engine gave (a str or a Phrase) or what was stored of it (a str, or
    a Phrase's `to_dict()`). Text that is not a msgid, such as an old stored label, is
    shown as it is.
    """
    if not text:
        return ""
    if isinstance(text, Phrase):
        return _fill(text.msgid, text.plural, text.count, text.values, stored=False)
    if isinstance(text, dict):
        return _fill(text["msgid"], text.get("plural"), text.get("count"), text.get("values") or {})
    return gettext(str(text))


def evidence_label(item: Any) -> str:
    """One stored (or fresh) evidence line in the active language."""
    if isinstance(item, dict):
        return rule_text(item.get("wording") or item.get("label", ""))
    return rule_text(item.label)


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _fill(
    msgid: str,
    plural: str | None,
    count: int | None,
    values: dict[str, Any],
    stored: bool = True,
) -> str:
    language = _language()
    template = gettext(msgid) if plural is None else ngettext(msgid, plural, count or 0)
    filled = {key: _value(value, language, stored) for key, value in values.items()}
    try:
        return template.format(**filled)
    except (KeyError, IndexError, ValueError):
        # A translation that lost or misspelt a {gap}: the English is better than nothing.
        english = msgid if plural is None or count == 1 else plural
        return english.format(**filled)


def _value(value: Any, language: str, stored: bool) -> str:
    """A value inside a sentence: translated if it is a phrase, written the locale's way if
    it is a date, an amount or a number, and left alone if it is the freelancer's words."""
    if stored and isinstance(value, dict):
        if "msgid" in value:
            return rule_text(value)
        if "date" in value:
            value = date.fromisoformat(value["date"])
        elif "amount" in value:
            value = Money(Decimal(value["amount"]), value["currency"])
        elif "number" in value:
            value = Decimal(value["number"])
    if isinstance(value, Phrase):
        return rule_text(value)
    if isinstance(value, (date, Money, Decimal)):
        return _local(value, language)
    return str(value)


def _local(value: date | Money | Decimal, language: str) -> str:
    """Written as every page writes it (clientwatch/formatting.py): a day as in a table."""
    locale = babel_locale(language)
    if isinstance(value, date):
        return format_day(value, locale, "medium")
    if isinstance(value, Money):
        return format_money(value.amount, value.currency, locale)
    return format_decimal(value.normalize(), locale=locale)
