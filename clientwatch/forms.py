from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from clients.models import Profile
from clientwatch.money import currency_choices


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


class ProfileForm(forms.ModelForm):
    currency = forms.ChoiceField(choices=currency_choices)

    class Meta:
        model = Profile
        fields = [
            "business_name",
            "business_details",
            "payment_instructions",
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
        ]

    def clean_time_zone(self) -> str:
        import zoneinfo

        name = self.cleaned_data["time_zone"]
        if name not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone; use a name like Europe/Helsinki."))
        return name

    def clean(self):
        data = super().clean()
        days = [data.get(f) for f in ("reminder_nudge_days", "reminder_pause_days", "reminder_final_days")]
        if None not in days and not days[0] < days[1] < days[2]:
            raise forms.ValidationError(
                _("Reminder stages must come in order: nudge, then work paused, then final notice.")
            )
        return data
