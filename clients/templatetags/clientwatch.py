"""Template helpers: money in the reader's language, and dict look-ups by key."""

from decimal import Decimal
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
    locale = translation.to_locale(translation.get_language() or "en")
    try:
        return format_money(amount, currency, locale)
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
