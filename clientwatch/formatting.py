"""How an amount, a day or a moment reads: the reader's way, as CLDR (through Babel) has it.

One way for every page, email and PDF: "1 855,00 €" and "20. marraskuuta 2026" for a Finnish
reader, "$1,855.00" and "November 20, 2026" for an English one. Templates use the filters in
`clients/templatetags/clientwatch.py`, which read the active language, so a document rendered
under `translation.override(client.language)` reads the client's way.

Styles of a day: "long" for prose ("due on 20 November 2026"), "medium" for tables and lists
("20 Nov 2026", "20.11.2026"). "short" is the locale's all-numeric form ("11/20/26" in
English, "20/11/26" in Malay): the same digits read as different days from one country to
the next, so client documents keep to long and medium.
"""

from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_currency
from django.utils import timezone, translation

DayStyle = Literal["long", "medium", "short"]
DAY_STYLES: tuple[DayStyle, ...] = ("long", "medium", "short")
FALLBACK_LOCALE = "en"


@lru_cache(maxsize=64)
def babel_locale(language: str | None) -> str:
    """A Django language code ("fi", "pt-br") or a Babel name ("pt_BR") as a Babel locale
    name; English for one CLDR does not know, so a stray code never breaks a document."""
    if not language:
        return FALLBACK_LOCALE
    try:
        return str(Locale.parse(translation.to_locale(language)))
    except (UnknownLocaleError, ValueError, TypeError):
        return FALLBACK_LOCALE


def active_locale() -> str:
    """The Babel locale of the active language (the request's, or an override's)."""
    return babel_locale(translation.get_language())


def format_money(amount: Decimal | int | float, currency: str, locale: str = "en") -> str:
    """€1,855.00, 1 855,00 €, RM1,855.00: the currency's own decimals (¥1,855 for yen)."""
    # Keyed on the amount's text: Decimal("1000.0") and Decimal("1000.00") stay apart.
    return _money(str(amount), currency, babel_locale(locale))


@lru_cache(maxsize=8192)
def _money(amount: str, currency: str, locale: str) -> str:
    """Babel parses the locale and the currency's pattern on every call, which was a
    tenth of the dashboard's time; pages repeat the same few amounts."""
    return format_currency(Decimal(amount), currency, locale=locale)


def format_day(day: date, locale: str = "en", style: DayStyle = "long") -> str:
    """20 November 2026, 20. marraskuuta 2026 (long); 20 Nov 2026, 20.11.2026 (medium)."""
    if isinstance(day, datetime):  # a moment's day is the reader's day, not UTC's
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return _day(day, babel_locale(locale), style)


@lru_cache(maxsize=4096)
def _day(day: date, locale: str, style: DayStyle) -> str:
    if style not in DAY_STYLES:
        raise ValueError(f"unknown day style {style!r}: one of {', '.join(DAY_STYLES)}")
    return format_date(day, format=style, locale=locale)


def format_month(day: date, locale: str = "en", *, short: bool = False) -> str:
    """A month and its year, for month-by-month tables: November 2026, marraskuu 2026;
    `short` for a chart's labels: Nov 2026, marras 2026."""
    return _month(day.replace(day=1), babel_locale(locale), short)


@lru_cache(maxsize=1024)
def _month(first_day: date, locale: str, short: bool) -> str:
    return format_skeleton("yMMM" if short else "yMMMM", first_day, locale=locale)


def _zone(zone: tzinfo | str | None) -> tzinfo:
    if zone is None or zone == "":
        return timezone.get_current_timezone()
    if isinstance(zone, str):
        try:
            return ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return timezone.get_current_timezone()
    return zone


def format_moment(
    moment: datetime,
    locale: str = "en",
    zone: tzinfo | str | None = None,
    style: DayStyle = "medium",
) -> str:
    """A point in time in `zone` (a zone name, a tzinfo; by default the current zone, the
    freelancer's in a request): Nov 20, 2026, 2:05 PM; 20.11.2026 14.05. To the minute:
    seconds on a sent email or a report are noise."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    local = moment.astimezone(_zone(zone))
    babel = babel_locale(locale)
    # How Babel's own format_datetime joins the two halves, with the time kept to minutes.
    return (
        get_datetime_format(style, locale=babel)
        .replace("'", "")
        .replace("{0}", format_time(local, "short", tzinfo=None, locale=babel))
        .replace("{1}", format_date(local.date(), style, locale=babel))
    )
