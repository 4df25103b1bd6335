"""Currencies: which ISO 4217 codes we accept. How an amount or a date reads is
`clientwatch.formatting`; its two functions are named here too, where callers first found them."""

from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clientwatch.formatting import format_day, format_money

__all__ = [
    "currency_choices",
    "currency_codes",
    "format_day",
    "format_money",
    "validate_currency",
]

# Every amount of money (rates, invoices, payments, late fees) and every importer uses
# these: 15 digits before the decimal point, so 999,999,999,999,999.99 in any currency
# (an Indonesian freelancer's yearly total in rupiah needs 12 or more), and 2 after it.
MONEY_MAX_DIGITS = 17
MONEY_DECIMAL_PLACES = 2
MONEY_WHOLE_DIGITS = MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES
MAX_AMOUNT = Decimal(10) ** MONEY_WHOLE_DIGITS - Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)
MONEY_TOO_LARGE = _("Too large: at most 15 digits before the decimal point and 2 after it.")


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
