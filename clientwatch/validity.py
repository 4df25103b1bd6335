"""Which dates and amounts a record may have: the rules every way in applies alike.

A form, a service, the backup importer and the CSV import (which goes through the backup
importer) all ask these functions, so a payment or a day of work refused on one path is
refused on every other, with the same words. Plain values in, errors by field out; no
database: the caller fetches what a rule needs (today in the freelancer's zone, what other
payments already cover) in its own fixed number of queries.

Imports no app.
"""

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from clientwatch.formatting import active_locale, format_day, format_money

Errors = dict[str, str]


def payment_date_errors(
    *, paid_on: date | None, issued_on: date | None, today: date, field: str = "paid_on"
) -> Errors:
    """A payment is dated on or after its invoice's issue date, and not after today."""
    if paid_on is None:
        return {}
    if paid_on > today:
        return {field: _("A payment cannot be dated in the future.")}
    if issued_on is not None and paid_on < issued_on:
        return {
            field: _("A payment cannot be dated before its invoice was issued (%(issued)s).")
            % {"issued": format_day(issued_on, active_locale(), "medium")}
        }
    return {}


def regular_paid(payments: Iterable[tuple[Decimal, bool]]) -> Decimal:
    """What payments not marked as overpayments add up to, from (amount, is_overpayment).

    Only these are held to the invoice's amount: a marked overpayment may go beyond it, and
    the order payments are entered in (a form today, a file's rows) changes nothing.
    """
    return sum((amount for amount, over in payments if not over and amount), Decimal("0"))


def payment_amount_errors(
    *,
    amount: Decimal | None,
    is_overpayment: bool,
    invoice_amount: Decimal | None,
    paid_before: Decimal,
    currency: str,
) -> Errors:
    """A payment not marked as an overpayment fits in what is still owed, `paid_before`
    being what the invoice's other regular payments add up to (see `regular_paid`)."""
    if amount is None or amount <= 0 or is_overpayment or invoice_amount is None:
        return {}
    owed = invoice_amount - paid_before
    if amount <= owed:
        return {}
    return {
        "amount": _(
            "That is more than the %(owed)s still owed on this invoice. "
            "Tick “overpayment” if the client really paid more."
        )
        % {"owed": format_money(max(owed, Decimal("0")), currency, active_locale())}
    }


def invoice_payment_errors(
    *,
    amount: Decimal | None,
    issued_on: date | None,
    currency: str,
    regular_total: Decimal,
    first_paid_on: date | None,
) -> Errors:
    """An invoice changed after payments were recorded on it still covers them: its amount
    is not below what its regular payments add up to, its issue date not after the first."""
    errors: Errors = {}
    if amount is not None and regular_total > amount:
        errors["amount"] = _("That is less than the %(paid)s already paid on this invoice.") % {
            "paid": format_money(regular_total, currency, active_locale())
        }
    if issued_on is not None and first_paid_on is not None and issued_on > first_paid_on:
        errors["issued_on"] = _(
            "A payment on this invoice is dated %(paid)s; the invoice cannot be issued after it."
        ) % {"paid": format_day(first_paid_on, active_locale(), "medium")}
    return errors


def work_date_errors(*, worked_on: date | None, today: date, field: str = "worked_on") -> Errors:
    """Work is logged for a day that has come: today or before."""
    if worked_on is not None and worked_on > today:
        return {field: _("Work cannot be dated in the future.")}
    return {}


# A phone number as people write it: an optional leading +, then ASCII digits with spaces,
# brackets, dots, dashes or slashes between them. Letters, NULs and other scripts' digits
# (which no dialler reads) are refused.
_PHONE = re.compile(r"\+?[ (]*[0-9][0-9 ()./-]*")
PHONE_MIN_DIGITS = 5


def validate_phone(value: str) -> None:
    if not value:
        return
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < PHONE_MIN_DIGITS:
        raise ValidationError(
            _("Write the number with digits, spaces and + ( ) - . / only, e.g. +358 40 123 4567."),
            code="phone",
        )
