"""The GET forms of the overviews: the invoices page's filters and the report's months.

A value that does not fit is reported beside its field and left out: the rest of the
filters still apply.
"""

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from invoices.overviews import (
    DEFAULT_INVOICE_SORT,
    MAX_REPORT_MONTHS,
    StatusFilter,
    add_months,
    month_start,
    months_between,
)


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Invoice number or client"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *StatusFilter.choices]
    )
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int)
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    # Also in the columns' headings; on a phone the headings are hidden, this is not.
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-issued", _("Newest first")),
            ("issued", _("Oldest first")),
            ("due", _("Due soonest first")),
            ("-due", _("Due latest first")),
            ("late", _("Most days late first")),
            ("amount", _("Smallest amount first, per currency")),
            ("-amount", _("Largest amount first, per currency")),
            ("client", _("Client, A to Z")),
            ("-client", _("Client, Z to A")),
        ],
    )

    def __init__(
        self, *args: Any, clients: list[tuple[int, str]], currencies: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("Any")), *clients]
        self.fields["currency"].choices = [("", _("Any")), *((c, c) for c in currencies)]

    def filters(self) -> dict[str, Any]:
        """The valid values, as `invoices_across_clients` takes them; call after is_valid()."""
        data = getattr(self, "cleaned_data", {})
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "client_id": data.get("client") or None,
            "currency": data.get("currency") or "",
            "sort": data.get("sort") or DEFAULT_INVOICE_SORT,
        }


class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value: Any) -> str | None:
        # A month input may only hold a real month: a rejected value is not written back.
        value = super().format_value(value)
        return value if value and re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", value) else None


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends), read as its first day."""

    widget = MonthInput

    def to_python(self, value: Any) -> date | None:
        value = super().to_python(value)
        if not value:
            return None
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
            raise ValidationError(_("Give a month as YYYY-MM, e.g. 2026-03."), code="invalid")
        return date(int(match[1]), int(match[2]), 1)

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class ReportPeriodForm(forms.Form):
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.this_month = month_start(today)

    def clean_end(self) -> date | None:
        end = self.cleaned_data.get("end")
        if end and end > self.this_month:
            raise ValidationError(_("The report cannot go past this month."), code="future")
        return end

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end") or self.this_month
        if "end" in self.errors or not start:
            return data
        if start > end:
            self.add_error("start", _("The first month comes after the last one."))
        elif len(months_between(start, end)) > MAX_REPORT_MONTHS:
            self.add_error(
                "start",
                _("Choose at most %(count)s months.") % {"count": MAX_REPORT_MONTHS},
            )
        return data

    def period(self) -> tuple[date, date]:
        """The months asked for; the last twelve up to this month when none were, or when
        any did not fit (after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        if self.errors:
            return add_months(self.this_month, -11), self.this_month
        end = data.get("end") or self.this_month
        return data.get("start") or add_months(end, -11), end
