"""Forms for clients, work logs and managed accounts.

Forms validate and hand `service_fields()` to a service; they never save. `owner` and
`client` are never form fields: views take them from the URL and the logged-in user.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import (
    AccountItem,
    Client,
    LateFeeChoice,
    LateFeeTiming,
    Profile,
    WorkLog,
    validate_flat_fee_amounts,
)
from clientwatch.money import MAX_AMOUNT, MONEY_MAX_DIGITS, MONEY_TOO_LARGE, currency_choices
from clientwatch.once import service_error_show

UNKNOWN_CURRENCY = _("“%(value)s” is not a currency we know. Pick one from the list.")


class FlatFeesField(forms.CharField):
    """A flat late fee per currency, one per line: "EUR 25" or "IDR 400000.00". Cleans to
    the stored map {"EUR": "25.00", ...}; an empty field means no flat fee at all."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Flat late fee per currency"))
        kwargs.setdefault(
            "help_text",
            _(
                "One per line: the currency, then the amount, e.g. “EUR 25” or “IDR 400000”. "
                "An invoice in a currency not listed gets no flat fee."
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{code} {amount}" for code, amount in sorted(value.items()))
        return value

    def to_python(self, value: Any) -> dict[str, str]:
        if isinstance(value, dict):
            return value
        text = super().to_python(value)
        amounts: dict[str, str] = {}
        for line in text.replace(";", "\n").splitlines():
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[0].isalpha():
                raise ValidationError(
                    _(
                        "Write each flat fee as a currency and an amount, e.g. “EUR 25”, "
                        "not “%(line)s”."
                    ),
                    code="invalid_flat_fee",
                    params={"line": line.strip()},
                )
            code = parts[0].upper()
            if code in amounts:
                raise ValidationError(
                    _("%(currency)s is listed twice."),
                    code="invalid_flat_fee",
                    params={"currency": code},
                )
            try:
                amount = Decimal(parts[1])
            except ArithmeticError:
                amount = None
            if amount is None or not amount.is_finite():
                raise ValidationError(
                    _("“%(amount)s” is not an amount; write it like 25.00."),
                    code="invalid_flat_fee",
                    params={"amount": parts[1]},
                )
            # Written with cents, as every amount is stored; more decimals are left for
            # the validation to refuse.
            cents = amount.quantize(Decimal("0.01")) if abs(amount) <= MAX_AMOUNT else amount
            amounts[code] = str(cents if cents == amount else amount)
        return amounts

    def validate(self, value: dict[str, str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        validate_flat_fee_amounts(value)


class DateInput(forms.DateInput):
    """The browser's date picker; ISO dates are what it sends and expects."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def currency_field(**kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=currency_choices,
        error_messages={"invalid_choice": UNKNOWN_CURRENCY},
        **kwargs,
    )


@dataclass(frozen=True)
class Fieldset:
    """One section of a long form: a legend and its fields; a folded one (advanced,
    with working defaults) renders closed unless one of its fields has an error."""

    legend: str
    fields: list[forms.BoundField]
    folded: bool = False

    @property
    def has_errors(self) -> bool:
        return any(field.errors for field in self.fields)


class GroupedFields:
    """For a form of many fields: `GROUPS` is ((legend, field names, folded), ...), in
    the order shown. A field no group names is shown in a last section, never lost."""

    GROUPS: tuple[tuple[Any, tuple[str, ...], bool], ...] = ()

    def groups(self) -> tuple[tuple[Any, tuple[str, ...], bool], ...]:
        return self.GROUPS

    def fieldsets(self) -> list[Fieldset]:
        placed: set[str] = set()
        sections = []
        for legend, names, folded in self.groups():
            present = [name for name in names if name in self.fields and name not in placed]
            placed.update(present)
            if present:
                sections.append(Fieldset(str(legend), [self[name] for name in present], folded))
        rest = [
            self[name] for name in self.fields if name not in placed and not self[name].is_hidden
        ]
        if rest:
            sections.append(Fieldset(str(_("More")), rest, folded=False))
        return sections


class FirstErrorFocus:
    """After a rejected submit the first field with an error (in the order shown) gets
    `autofocus`, so the browser lands there even without JavaScript."""

    def full_clean(self) -> None:
        super().full_clean()
        if not self._errors:
            return
        if isinstance(self, GroupedFields):
            shown = [field.name for section in self.fieldsets() for field in section.fields]
        else:
            shown = [field.name for field in self.visible_fields()]
        for name in shown:
            if name in self._errors:
                self.fields[name].widget.attrs["autofocus"] = True
                return


class ServiceModelForm(FirstErrorFocus, forms.ModelForm):
    """A ModelForm whose cleaned data a service writes; `save()` is not used.

    `id_prefix` keeps element ids unique when several forms share a page while the
    field names (what is posted) stay plain.
    """

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField) and field.max_digits == MONEY_MAX_DIGITS:
                # One plain sentence instead of Django's count of digits "in total".
                for code in ("max_digits", "max_whole_digits"):
                    field.error_messages[code] = MONEY_TOO_LARGE

    def service_fields(self) -> dict[str, Any]:
        """The cleaned model fields, ready for `setattr` in a service."""
        fields = {}
        for name in self._meta.fields:
            if name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if isinstance(self.fields[name], forms.FileField):
                if value is None:  # no new upload: keep the stored file
                    continue
                if value is False:  # "clear" ticked
                    value = ""
            fields[name] = value
        return fields

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError next to the fields it names."""
        service_error_show(self, error)

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("Write through the app's service functions.")


class ClientForm(GroupedFields, ServiceModelForm):
    id_prefix = "client"
    currency = currency_field()
    late_fee_flat_amounts = FlatFeesField(label=_("This client's flat late fee per currency"))

    # What every client needs first; what has a working default is folded away.
    GROUPS = (
        (_("Who the client is"), ("name", "company", "email", "ref", "language"), False),
        (_("Address, phone and tax number"), ("postal_address", "phone", "tax_number"), True),
        (
            _("What you agreed"),
            ("billing_mode", "rate", "currency", "payment_terms_days", "started_on"),
            False,
        ),
        (
            _("Boundaries and availability"),
            ("boundaries", "business_hours", "response_time_hours"),
            False,
        ),
        (
            _("Deposit, due rule, status and end date"),
            ("deposit_percent", "payment_due_rule", "status", "ended_on"),
            True,
        ),
        (
            _("Reminders, receipts and autopay"),
            ("reminders_enabled", "receipts_enabled", "autopay"),
            True,
        ),
        (
            _("Late fees and interest"),
            (
                "late_fees",
                "late_fee_flat_amounts",
                "late_fee_percent",
                "late_fee_timing",
                "late_interest_percent",
            ),
            True,
        ),
    )

    class Meta:
        model = Client
        fields = [
            "name",
            "ref",
            "company",
            "email",
            "phone",
            "postal_address",
            "tax_number",
            "language",
            "currency",
            "billing_mode",
            "rate",
            "payment_terms_days",
            "deposit_percent",
            "payment_due_rule",
            "business_hours",
            "response_time_hours",
            "boundaries",
            "status",
            "started_on",
            "ended_on",
            "reminders_enabled",
            "autopay",
            "receipts_enabled",
            "late_fees",
            "late_fee_flat_amounts",
            "late_fee_percent",
            "late_fee_timing",
            "late_interest_percent",
        ]
        widgets = {
            "started_on": DateInput(),
            "ended_on": DateInput(),
            "boundaries": forms.Textarea(attrs={"rows": 4}),
            "postal_address": forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
        labels = {"receipts_enabled": _("Send payment receipts to this client")}
        help_texts = {
            "postal_address": _("Printed on your letters, statements and the handover report."),
            "boundaries": _(
                "What you will and will not do, in writing: it makes “unreasonable” concrete."
            ),
        }

    def __init__(self, *args: Any, owner: Any, **kwargs: Any) -> None:
        self.owner = owner
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A new client starts from the freelancer's own defaults.
            profile = Profile.objects.for_user(owner)
            self.initial.setdefault("currency", profile.currency)
            self.initial.setdefault("language", profile.language)
            self.initial.setdefault("payment_terms_days", profile.default_payment_terms_days)
        self.fields["ref"].required = False
        # Settings added later than most forms and scripts posting here: absent means default.
        for name in ("late_fees", "late_fee_timing"):
            self.fields[name].required = False
        self.fields["ref"].help_text = _(
            "Your own short id for this client. Leave it empty to make one from the name."
        )
        if self.instance.status != Client.Status.DROPPED:
            # Dropping goes through its own flow (letter, handover, reports), not this form.
            self.fields["status"].choices = [
                c for c in self.fields["status"].choices if c[0] != Client.Status.DROPPED
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["late_fees"] = data.get("late_fees") or LateFeeChoice.DEFAULT
        data["late_fee_timing"] = data.get("late_fee_timing") or LateFeeTiming.ONCE
        own_terms = ("late_fee_flat_amounts", "late_fee_percent", "late_interest_percent")
        if data.get("late_fees") == LateFeeChoice.CUSTOM and not any(
            data.get(name) for name in own_terms
        ):
            self.add_error(
                "late_fees",
                _(
                    "Give this client's own flat fee, percentage or interest, "
                    "or pick another option."
                ),
            )
        return data

    def clean_ref(self) -> str:
        ref = self.cleaned_data["ref"]
        taken = Client.objects.for_owner(self.owner).filter(ref=ref).exclude(pk=self.instance.pk)
        if ref and taken.exists():
            raise ValidationError(
                _("You already have a client with the reference “%(ref)s”."),
                code="duplicate_ref",
                params={"ref": ref},
            )
        return ref


class WorkLogForm(ServiceModelForm):
    id_prefix = "work"

    class Meta:
        model = WorkLog
        fields = ["worked_on", "hours", "description", "billable"]
        widgets = {
            "worked_on": DateInput(),
        }
        help_texts = {
            "billable": _("Untick for chasing, waiting and meetings you cannot bill."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The date picker stops where the model does: at the freelancer's today.
        self.fields["worked_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class AccountItemForm(ServiceModelForm):
    id_prefix = "account"

    class Meta:
        model = AccountItem
        fields = ["name", "notes", "handed_over"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
