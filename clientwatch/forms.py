import io
import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from clients.forms import UNKNOWN_CURRENCY, FirstErrorFocus, FlatFeesField, GroupedFields
from clients.models import LateFeeTiming, Profile
from clients.wording import Kind, wording_limit, wording_text
from clientwatch.money import currency_choices
from redflags.forms import EvidenceFileInput
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


# A logo is printed small in a letterhead: a modest file, no poster-sized images.
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 2000  # pixels
_LOGO_EXTENSIONS = {"PNG": "png", "JPEG": "jpg"}
UNKNOWN_TIME_ZONE = _("Unknown time zone; use a name like Europe/Helsinki.")


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def logo_checked(upload: UploadedFile) -> UploadedFile:
    """A PNG or JPEG by its content (Pillow reads it whole), small in bytes and pixels;
    renamed to the extension its content proves, whatever it was called."""
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("That file is %(size)s; a logo can be at most %(max)s."),
            code="too_big",
            params={"size": filesizeformat(upload.size), "max": filesizeformat(LOGO_MAX_BYTES)},
        )
    not_an_image = ValidationError(_("Upload a PNG or JPEG image."), code="bad_type")
    try:
        upload.seek(0)
        with Image.open(upload, formats=list(_LOGO_EXTENSIONS)) as image:
            kind, (width, height) = image.format, image.size
            if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                raise ValidationError(
                    _(
                        "That image is %(width)s by %(height)s pixels; a logo can be at most "
                        "%(max)s pixels on each side."
                    ),
                    code="too_large",
                    params={"width": width, "height": height, "max": LOGO_MAX_SIDE},
                )
            # A truncated or corrupt file fails here, not in a PDF later. WeasyPrint lets
            # Pillow load truncated images (process-wide), so load() alone would pass them:
            # verify() checks a PNG's chunks, and a JPEG must reach its end marker.
            image.verify()
        upload.seek(0)
        data = upload.read()
        if kind == "JPEG" and not data.rstrip(b"\0").endswith(b"\xff\xd9"):
            raise not_an_image
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise not_an_image from exc
    finally:
        upload.seek(0)
    upload.name = f"logo.{_LOGO_EXTENSIONS[kind]}"
    return upload


class IdentityFieldsMixin:
    """Fields the settings page and the onboarding page share: the logo upload, checked
    by content, shown linked to the owner-only view; the time zone as a select."""

    def _identity_setup(self) -> None:
        self.fields["time_zone"] = forms.ChoiceField(
            label=_("Time zone"),
            choices=time_zone_choices,
            error_messages={"invalid_choice": UNKNOWN_TIME_ZONE},
        )
        self.fields["currency"] = forms.ChoiceField(
            label=_("Default currency"),
            choices=currency_choices,
            error_messages={"invalid_choice": UNKNOWN_CURRENCY},
        )
        # Added after most scripts posting the settings were written: absent keeps it.
        self.fields["language"].required = False
        logo = self.fields["logo"]
        logo.widget = EvidenceFileInput(attrs={"accept": ".png,.jpg,.jpeg,image/png,image/jpeg"})
        logo.widget.download_url = reverse("profile_logo")
        logo.help_text = _("A PNG or JPEG, up to %(size)s and %(side)s pixels wide or high.") % {
            "size": filesizeformat(LOGO_MAX_BYTES),
            "side": LOGO_MAX_SIDE,
        }

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language

    def clean_logo(self) -> Any:
        upload = self.cleaned_data.get("logo")
        if not isinstance(upload, UploadedFile):  # unchanged or cleared
            return upload
        return logo_checked(upload)

    def profile_fields(self) -> dict[str, Any]:
        """The cleaned fields for `profile_update`: an unchanged logo is left out, a
        cleared one is blanked."""
        fields = dict(self.cleaned_data)
        logo = fields.pop("logo", None)
        if logo is False:
            fields["logo"] = ""
        elif isinstance(logo, UploadedFile):
            fields["logo"] = logo
        return fields


IDENTITY_FIELDS = ("signature_name", "reply_to_email", "logo", "language")
LATE_FEE_FIELDS = (
    "late_fee_flat_amounts",
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
BUSINESS_FIELDS = (
    "business_name",
    "business_details",
    "currency",
    "target_hourly_rate",
    "default_payment_terms_days",
    "time_zone",
)
REMINDER_FIELDS = (
    "reminder_nudge_days",
    "reminder_pause_days",
    "reminder_final_days",
    "reminder_bcc_me",
    "digest_enabled",
    "digest_hour",
)
FIRST_GROUP = (*BUSINESS_FIELDS, *REMINDER_FIELDS, "paper_size")


class ProfileForm(FirstErrorFocus, GroupedFields, IdentityFieldsMixin, forms.ModelForm):
    late_fee_flat_amounts = FlatFeesField()

    class Meta:
        model = Profile
        fields = [*FIRST_GROUP, *IDENTITY_FIELDS, *LATE_FEE_FIELDS, *PAPERWORK_FIELDS]

    # The business and how clients see it first; the rest has working defaults.
    GROUPS = (
        (_("Your business"), BUSINESS_FIELDS, False),
        (_("How your clients see you"), IDENTITY_FIELDS, False),
        (_("Reminders and daily digest"), REMINDER_FIELDS, True),
        (_("Late fees and interest"), LATE_FEE_FIELDS, True),
        (_("Receipts, letters and paper"), (*PAPERWORK_FIELDS, "paper_size"), True),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["late_fee_timing"].required = False
        self._identity_setup()

    def clean_late_fee_timing(self) -> str:
        return self.cleaned_data["late_fee_timing"] or LateFeeTiming.ONCE

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


# A first guess at where a new freelancer works, from the language they signed up in.
LANGUAGE_DEFAULTS = {
    "ms": ("Asia/Kuala_Lumpur", "MYR"),
    "id": ("Asia/Jakarta", "IDR"),
    "fi": ("Europe/Helsinki", "EUR"),
    "fy": ("Europe/Amsterdam", "EUR"),
}


class OnboardingForm(FirstErrorFocus, IdentityFieldsMixin, forms.ModelForm):
    """The few details asked right after sign-up; all of them can wait for the settings.

    The payment instructions are the freelancer's wording in the language they choose here
    (clients.wording): other languages' are added in the settings."""

    payment_instructions = forms.CharField(
        label=_("Payment instructions"),
        required=False,
        max_length=wording_limit(Kind.PAYMENT_INSTRUCTIONS),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How clients pay you, e.g. your bank account, written in the language you choose below."
        ),
    )

    class Meta:
        model = Profile
        fields = [
            "business_name",
            "signature_name",
            "reply_to_email",
            "business_details",
            "payment_instructions",
            "logo",
            "time_zone",
            "currency",
            "language",
        ]
        labels = {
            "business_name": _("Business name"),
            "business_details": _("Address"),
        }
        help_texts = {
            "business_name": _("As your clients know you; it is the sender of your emails."),
            "business_details": _("Printed on your letters, statements and reports."),
        }
        widgets = {"business_details": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._identity_setup()
        profile = self.instance
        time_zone, currency = LANGUAGE_DEFAULTS.get(language, ("UTC", "EUR"))
        # Still the model's defaults: offer the guess instead.
        if profile.time_zone == "UTC":
            self.initial["time_zone"] = time_zone
        if profile.currency == "EUR":
            self.initial["currency"] = currency
        if profile.language == "en":
            self.initial["language"] = language
        if not profile.signature_name:
            self.initial["signature_name"] = profile.user.get_full_name()
        self.initial["payment_instructions"] = wording_text(
            owner_id=profile.user_id,
            kind=Kind.PAYMENT_INSTRUCTIONS,
            language=self.initial.get("language") or profile.language,
        )

    def profile_fields(self) -> dict[str, Any]:
        fields = super().profile_fields()
        fields.pop("payment_instructions", None)
        return fields


# Set on the profile form itself (target rate, currency), not among the rule weights.
PROFILE_DRIVEN = {"target_hourly_rate", "target_currency"}


# The rule weights by family, as docs/domain.md groups the signs; the verdict thresholds
# first, the fine tuning folded.
RULE_GROUPS = (
    (
        _("Verdicts"),
        (
            "keep_at",
            "watch_at",
            "red_flag_points",
            "red_flag_below",
            "early_invoices",
            "early_days",
        ),
        False,
    ),
    (
        _("Paying late"),
        (
            "late_window_days",
            "late_grace_days",
            "late_share_points",
            "late_benefit_invoices",
            "late_day_points",
            "late_days_max_points",
            "trend_weight",
            "trend_half_life_days",
            "overdue_points",
            "overdue_full_days",
            "unchased_invoices",
            "unchased_max_points",
        ),
        True,
    ),
    (
        _("Disputes and scope creep"),
        (
            "dispute_points",
            "dispute_repeat_points",
            "dispute_window_days",
            "dispute_match_days",
            "scope_hourly_points",
            "scope_retainer_points",
            "scope_fixed_points",
        ),
        True,
    ),
    (
        _("Conduct"),
        (
            "half_life_days",
            "verbal_abuse_points",
            "unresponsive_points",
            "micromanaging_points",
            "ignored_advice_points",
            "competitor_leverage_points",
            "public_criticism_points",
            "threat_points",
            "unreasonable_demand_points",
            "other_points",
            "pattern_count",
            "pattern_window_days",
            "pattern_points",
            "sign_window_days",
            "tell_first_max_points",
            "after_step_factor",
        ),
        True,
    ),
    (
        _("Effort and reward"),
        ("effort_window_days", "effort_points", "value_share_percent"),
        True,
    ),
)


class RuleSettingsForm(FirstErrorFocus, GroupedFields, forms.Form):
    """Every weight and threshold of the rules engine, built from its own description."""

    GROUPS = RULE_GROUPS

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
