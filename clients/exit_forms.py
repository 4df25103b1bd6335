from django import forms
from django.utils.translation import gettext_lazy as _

from clients.exit import LETTER_MAX, Tone, When
from clients.models import AccountItem, Client


class DropForm(forms.Form):
    """The guided drop: why, when, the letter, the handover checklist."""

    reasons = forms.MultipleChoiceField(
        label=_("1. Why"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("From the current assessment; untick what you do not want to say."),
    )
    reason_note = forms.CharField(
        label=_("In your own words (kept in the internal record)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    when = forms.ChoiceField(
        label=_("2. When"),
        choices=When.choices,
        initial=When.END_OF_NEXT_MONTH,
        widget=forms.RadioSelect,
    )
    end_on = forms.DateField(
        label=_("Date (when “On a date”)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    tone = forms.ChoiceField(
        label=_("3. Tone of the letter"),
        choices=Tone.choices,
        initial=Tone.VAGUE,
        widget=forms.RadioSelect,
    )
    letter = forms.CharField(
        label=_("Farewell letter"),
        required=False,
        max_length=LETTER_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    handed_over = forms.ModelMultipleChoiceField(
        label=_("4. Accounts handed back"),
        queryset=AccountItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each account the client now has full access to."),
    )
    keep_reminders_for_owed = forms.BooleanField(
        label=_("5. Keep sending payment reminders for invoices still owed"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, client: Client, reasons: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # (rule id, title): the letter words each ticked reason for the client by its id.
        self.fields["reasons"].choices = reasons
        self.fields["reasons"].initial = [rule for rule, _title in reasons]
        # Only this client's accounts, never another's (the form's own choice list).
        self.fields["handed_over"].queryset = client.account_items.filter(handed_over=False)

    def clean(self):
        data = super().clean()
        if data.get("when") == When.DATE and not data.get("end_on"):
            self.add_error("end_on", _("Pick the last day of working together."))
        return data
