from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from clients.models import LateFeeTiming, Profile
from clientwatch.money import currency_choices
from redflags.rules.settings import TUNABLES, InvalidSettings, RuleSettings


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Email"), max_length=254, help_text=_("For password resets and your daily digest.")
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email


LATE_FEE_FIELDS = (
    "late_fee_flat",
    "late_fee_percent",
    "late_fee_timing",
    "late_interest_percent",
    "late_fees_with_nudge",
)
PAPERWORK_FIELDS = (
    "receipts_enabled",
    "letter_with_nudge",
    "letter_with_paused",
    "letter_with_final",
    "statement_with_final",
)
FIRST_GROUP = (
    "business_name",
    "business_details",
    "currency",
    "target_hourly_rate",
    "default_payment_terms_days",
    "time_zone",
    "reminder_nudge_days",
    "reminder_pause_days",
    "reminder_final_days",
    "reminder_bcc_me",
    "digest_enabled",
    "digest_hour",
    "paper_size",
)


class ProfileForm(forms.ModelForm):
    currency = forms.ChoiceField(choices=currency_choices)

    class Meta:
        model = Profile
        fields = [*FIRST_GROUP, *LATE_FEE_FIELDS, *PAPERWORK_FIELDS]

    GROUPS = (
        (_("Business, reminders and daily digest"), FIRST_GROUP),
        (_("Late fees and interest"), LATE_FEE_FIELDS),
        (_("Receipts and letters"), PAPERWORK_FIELDS),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["late_fee_timing"].required = False

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean_late_fee_timing(self) -> str:
        return self.cleaned_data["late_fee_timing"] or LateFeeTiming.ONCE

    def clean_time_zone(self) -> str:
        import zoneinfo

        name = self.cleaned_data["time_zone"]
        if name not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone; use a name like Europe/Helsinki."))
        return name

    def clean(self):
        data = super().clean()
        days = [
            data.get(f)
            for f in ("reminder_nudge_days", "reminder_pause_days", "reminder_final_days")
        ]
        if None not in days and not days[0] < days[1] < days[2]:
            raise forms.ValidationError(
                _("Reminder stages must come in order: nudge, then work paused, then final notice.")
            )
        return data


# Set on the profile form itself (target rate, currency), not among the rule weights.
PROFILE_DRIVEN = {"target_hourly_rate", "target_currency"}


class RuleSettingsForm(forms.Form):
    """Every weight and threshold of the rules engine, built from its own description."""

    def __init__(self, *args, current: RuleSettings, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for tunable in TUNABLES:
            if tunable.name in PROFILE_DRIVEN:
                continue
            field_class = forms.IntegerField if tunable.kind == "int" else forms.DecimalField
            self.fields[tunable.name] = field_class(
                label=tunable.label,
                help_text=tunable.help,
                min_value=tunable.min,
                max_value=tunable.max,
                required=not tunable.optional,
                initial=getattr(current, tunable.name),
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.rule_settings = RuleSettings.from_overrides(data)
        except InvalidSettings as exc:
            for key in exc.keys:
                if key in self.fields:
                    self.add_error(key, _("This does not fit with the other values."))
            raise forms.ValidationError(
                _("The keep score must be at least the watch score.")
            ) from None
        return data

    def overrides(self) -> dict:
        return {k: v for k, v in self.rule_settings.overrides().items() if k not in PROFILE_DRIVEN}
