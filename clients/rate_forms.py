"""Forms for the exchange rates on the settings page."""

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from clients.forms import UNKNOWN_CURRENCY
from clients.models import ExchangeRate
from clientwatch.money import currency_choices

# The ECB's whole history since 1999 is about 600 KB.
MAX_RATE_FILE_BYTES = 5 * 1024 * 1024


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["base", "quote", "on", "rate"]
        widgets = {"on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in (("base", _("From currency")), ("quote", _("To currency"))):
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=currency_choices,
                error_messages={"invalid_choice": UNKNOWN_CURRENCY},
            )
        self.fields["rate"].error_messages["min_value"] = _("A rate must be more than 0.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("base") and data.get("base") == data.get("quote"):
            self.add_error("quote", _("Choose two different currencies."))
        return data

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class RateFileForm(forms.Form):
    file = forms.FileField(
        label=_("Reference-rate file (CSV)"),
        help_text=_(
            "The European Central Bank's euro reference rates, as downloaded: the whole "
            "history (eurofxref-hist.csv) or one day (eurofxref.csv). Only the currencies you "
            "use are kept."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_RATE_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(max)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "max": filesizeformat(MAX_RATE_FILE_BYTES),
                }
            )
        return upload
