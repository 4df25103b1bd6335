"""Template helpers: amounts, days and moments in the reader's language, dict look-ups
by key, and blank forms rendered once."""

import datetime
import hashlib
from decimal import Decimal
from types import FunctionType
from typing import Any

from babel.numbers import format_decimal
from django import forms, template
from django.core.cache import caches
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.choices import BlankChoiceIterator
from django.utils.functional import Promise
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from clientwatch.formatting import (
    DayStyle,
    active_locale,
    format_day,
    format_moment,
    format_money,
    format_month,
)

register = template.Library()


def money_display(amount: Decimal | int | float | None, currency: str) -> str:
    """`format_money` in the active language, e.g. €1,200.00 or 1 200,00 €."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency, active_locale())


@register.filter
def exchange_rate(value: Decimal | None) -> str:
    """{{ rate.rate|exchange_rate }}: 17,000 or 1.0953, as many places as it has (up to 8),
    in the active language."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.########", locale=active_locale())


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """{{ invoice.amount|money:invoice.currency }}"""
    return money_display(amount, currency)


@register.filter
def money_list(amounts: Any, tone: str = "") -> SafeString:
    """{{ pairs|money_list:"overdue" }}: (currency, amount) pairs on one line, "€1,200.00 ·
    RM300.00", each amount kept whole; never added across currencies."""
    css = f"amount {tone}".strip() if tone in ("", "overdue", "disputed", "due") else "amount"
    return format_html_join(
        " · ", '<span class="{}">{}</span>', ((css, money_display(a, c)) for c, a in amounts)
    )


@register.filter
def day(value: datetime.date | None, style: DayStyle = "long") -> str:
    """{{ invoice.due_on|day }} in prose (20 November 2026), {{ invoice.due_on|day:"medium" }}
    in tables (20 Nov 2026, 20.11.2026), in the active language."""
    if not value:
        return ""
    return format_day(value, active_locale(), style)


@register.filter
def month(value: datetime.date | None) -> str:
    """{{ month.first_day|month }}: November 2026, marraskuu 2026."""
    if not value:
        return ""
    return format_month(value, active_locale())


@register.filter
def moment(value: datetime.datetime | None, zone: str | None = None) -> str:
    """{{ reminder.sent_at|moment }} in the current zone, {{ reminder.sent_at|moment:zone }}
    in a named one (the freelancer's, in an email sent from a worker)."""
    if not value:
        return ""
    return format_moment(value, active_locale(), zone)


@register.filter
def get_item(mapping: dict | None, key: Any) -> Any:
    """{{ assessments|get_item:client.pk }}: None when the mapping or key is missing."""
    if not mapping:
        return None
    return mapping.get(key)


# Blank forms


def fragment_key(*parts: str) -> str:
    """A cache key for a rendered fragment: a hash of everything it is rendered from."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=20)
    return f"fragment:{digest.hexdigest()}"


# What `_form_fields.html` renders a form with; their sources are part of the key, so an
# edited template (the development server reloads templates) is never served stale.
FORM_FIELD_TEMPLATES = ("_form_fields.html", "_fieldsets.html", "_form_field.html")
# Form attributes that rendering reads; the rest (an owner, a client) only validate.
_FORM_RENDER_ATTRS = (
    "auto_id",
    "prefix",
    "label_suffix",
    "use_required_attribute",
    "error_css_class",
    "required_css_class",
    "template_name_div",
    "field_template_name",
)
# Field attributes that cannot show on a blank form: they only clean submitted data.
_FIELD_SKIP = {"widget", "validators", "error_messages", "coerce"}


class _NotPlain(Exception):
    pass


def _plain(value: Any) -> Any:
    """`value` as nested tuples of plain values with a stable repr, or _NotPlain."""
    if isinstance(value, Promise):
        return str(value)
    if value is None or isinstance(
        value, str | bool | int | float | Decimal | datetime.date | datetime.time
    ):
        return value
    if isinstance(value, dict):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, type) or (
        isinstance(value, FunctionType) and value.__closure__ is None
    ):  # a class or a plain function (CheckboxInput's check_test): its code is its identity
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, BlankChoiceIterator) and isinstance(value.choices, list | tuple):
        return tuple(_plain(choice) for choice in value)  # a model field's fixed choices
    raise _NotPlain(type(value).__name__)


def blank_form_signature(form: forms.BaseForm) -> str | None:
    """Everything a blank form's fields are rendered from, as text: the form's class and
    rendering settings, and for each field its class, every attribute, its initial value
    and its widget's class and every attribute (choices included). None for a bound form,
    or when anything in there is not plain data (a queryset's choices, say): such a form
    is simply rendered each time."""
    if form.is_bound:
        return None
    try:
        parts: list[Any] = [_plain(type(form))]
        parts += [(name, _plain(getattr(form, name, None))) for name in _FORM_RENDER_ATTRS]
        parts.append(_plain(form.initial))
        for bound in form:
            field, widget = bound.field, bound.field.widget
            attrs = {k: v for k, v in vars(field).items() if k not in _FIELD_SKIP}
            if callable(attrs.get("initial")):  # what it gives now is bound.value()
                attrs["initial"] = "(callable)"
            parts.append(
                (
                    bound.name,
                    _plain(type(field)),
                    _plain(attrs),
                    _plain(bound.value()),
                    _plain(type(widget)),
                    _plain(vars(widget)),
                )
            )
    except _NotPlain:
        return None
    return repr(parts)


@register.simple_tag
def form_fields(form: forms.BaseForm) -> SafeString:
    """`{% include "_form_fields.html" with form=form %}` for a page's inline forms. A
    blank form (the usual case) is kept per process under a hash of its signature, the
    language and the templates' sources: it holds no CSRF token, nonce or user data,
    and a form that would render differently has a different signature."""
    signature = blank_form_signature(form)
    if signature is None:
        return render_to_string("_form_fields.html", {"form": form})
    sources = [get_template(name).template.source for name in FORM_FIELD_TEMPLATES]
    key = fragment_key(signature, translation.get_language() or "", *sources)
    cache = caches["fragments"]
    html = cache.get(key)
    if html is None:
        html = render_to_string("_form_fields.html", {"form": form})
        cache.set(key, html)
    # Only ever what render_to_string made through the autoescaping engine.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703
