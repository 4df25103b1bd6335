from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.import_views import UploadForm

DATE_FORMAT_CHOICES = [
    ("", _("Recognise them")),
    ("iso", "YYYY-MM-DD"),
    ("dmy_dot", "DD.MM.YYYY"),
    ("dmy_slash", "DD/MM/YYYY"),
    ("mdy_slash", "MM/DD/YYYY"),
]


class StatementUploadForm(UploadForm):
    file = forms.FileField(label=_("Bank statement or payout export"))
    date_format = forms.ChoiceField(
        label=_("Dates in the file"),
        choices=DATE_FORMAT_CHOICES,
        required=False,
        help_text=_("Only needed when a CSV file's dates could be day/month or month/day."),
    )
    accept = ".xml,.ofx,.qfx,.sta,.940,.mt940,.txt,.csv"


class ColumnsForm(forms.Form):
    """Which of a plain CSV's columns holds what; the choices are its header's cells."""

    date = forms.TypedChoiceField(label=_("Date"), coerce=int)
    amount = forms.TypedChoiceField(label=_("Amount"), coerce=int)
    description = forms.TypedChoiceField(label=_("Description or reference"), coerce=int)
    counterparty = forms.TypedChoiceField(
        label=_("Payer's name"), coerce=int, required=False, empty_value=None
    )
    currency = forms.TypedChoiceField(
        label=_("Currency"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Without a currency column, every amount is in your own currency."),
    )
    date_format = forms.ChoiceField(
        label=_("Dates in the file"), choices=DATE_FORMAT_CHOICES, required=False
    )

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [(str(i), name or f"#{i + 1}") for i, name in enumerate(header)]
        for name in ("date", "amount", "description"):
            self.fields[name].choices = columns
        for name in ("counterparty", "currency"):
            self.fields[name].choices = [("", _("None")), *columns]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = [data.get(n) for n in ("date", "amount", "description", "currency")]
        chosen = [c for c in chosen if c is not None]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Choose a different column for each of them."))
        return data
