"""Currencies: which ISO 4217 codes we accept, and how an amount or a date reads."""

from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, get_currency_name, get_territory_currencies
from django.core.exceptions import ValidationError


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 codes in legal tender somewhere today (historical ones like DEM are left out)."""
    codes: set[str] = set()
    for territory in Locale("en").territories:
        if territory.isalpha():
            codes.update(get_territory_currencies(territory, tender=True))
    return frozenset(codes)


@cache
def currency_choices() -> list[tuple[str, str]]:
    return sorted(
        (code, f"{code}: {get_currency_name(code, locale='en')}") for code in currency_codes()
    )


def validate_currency(code: str) -> None:
    if code not in currency_codes():
        raise ValidationError(
            "%(code)s is not a known ISO 4217 currency code (e.g. EUR, USD, MYR).",
            code="unknown_currency",
            params={"code": code},
        )


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    return format_currency(amount, currency, locale=locale)


def format_day(day: date, locale: str = "en") -> str:
    """A date in words, the reader's way: 17 November 2026, 17. marraskuuta 2026 ..."""
    return format_date(day, format="long", locale=locale)
