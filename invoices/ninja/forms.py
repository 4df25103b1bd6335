from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class NinjaForm(forms.Form):
    url = forms.URLField(
        label=_("Invoice Ninja address"),
        max_length=300,
        assume_scheme="https",
        help_text=_("The address you open Invoice Ninja at, e.g. https://invoicing.example.com"),
    )
    token = forms.CharField(
        label=_("API token"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("In Invoice Ninja: Settings, Account management, API tokens."),
    )

    def __init__(self, *args: Any, has_token: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_token = has_token
        if has_token:
            self.fields["token"].help_text = _("Leave empty to keep the token you saved.")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.startswith("https://") and not settings.INVOICE_NINJA_ALLOW_HTTP:
            raise forms.ValidationError(
                _("Use an https:// address: the token travels with every request.")
            )
        return url

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token and not self.has_token:
            raise forms.ValidationError(_("Paste the API token."))
        return token
