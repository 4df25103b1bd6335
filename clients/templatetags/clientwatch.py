"""Template helpers: money in the reader's language, and dict look-ups by key."""

from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.core import UnknownLocaleError
from django import template
from django.utils import translation

from clientwatch.money import format_money

register = template.Library()


def money_display(amount: Decimal | None, currency: str) -> str:
    """`format_money` in the active language, e.g. €1,200.00 or 1 200,00 €."""
    if amount is None:
        return ""
    language = translation.get_language() or "en"
    if isinstance(amount, Decimal):
        # Keyed on the amount's text, so 1000.0 and 1000.00 stay apart as Decimal keeps them.
        return _money_text(str(amount), currency, language)
    return _format(amount, currency, language)


@lru_cache(maxsize=8192)
def _money_text(amount: str, currency: str, language: str) -> str:
    """Babel parses the locale and the currency's pattern on every call, which was a
    tenth of the dashboard's time; pages repeat the same few amounts."""
    return _format(Decimal(amount), currency, language)


def _format(amount: Decimal | int | float, currency: str, language: str) -> str:
    try:
        return format_money(amount, currency, translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return format_money(amount, currency)


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """{{ invoice.amount|money:invoice.currency }}"""
    return money_display(amount, currency)


@register.filter
def get_item(mapping: dict | None, key: Any) -> Any:
    """{{ assessments|get_item:client.pk }}: None when the mapping or key is missing."""
    if not mapping:
        return None
    return mapping.get(key)
