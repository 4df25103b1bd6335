"""Currencies: which ISO 4217 codes we accept. How an amount or a date reads is
`clientwatch.formatting`; its two functions are named here too, where callers first found them."""

from functools import cache

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies
from django.core.exceptions import ValidationError

from clientwatch.formatting import format_day, format_money

__all__ = [
    "currency_choices",
    "currency_codes",
    "format_day",
    "format_money",
    "validate_currency",
]


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
