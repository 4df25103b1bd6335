from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from clients.wording import wording_limit


class WordingForm(forms.Form):
    """One text of one kind in one language; empty means the default wording."""

    text = forms.CharField(
        label=_("Your text"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.widget.attrs["maxlength"] = wording_limit(kind)
        # The model says what is wrong with a NUL character, in the freelancer's words;
        # the form field's own check would answer first with a vaguer message.
        field.validators = [
            v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
