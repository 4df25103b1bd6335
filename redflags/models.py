from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clientwatch.tenancy import OwnedQuerySet


class Category(models.TextChoices):
    """The red-flag kinds of docs/domain.md. The slugs are stable: import/export uses them."""

    PHYSICAL_ABUSE = "physical_abuse", _("Physical abuse")
    VERBAL_ABUSE = "verbal_abuse", _("Verbal abuse")
    LYING = "lying", _("Lying")
    UNREASONABLE_DEMAND = "unreasonable_demand", _("Unreasonable demand")
    INVOICE_DISPUTE = "invoice_dispute", _("Invoice dispute or haggling")
    SCOPE_CHANGE = "scope_change", _("Scope change / changed their mind")
    IGNORED_ADVICE = "ignored_advice", _("Ignored advice, then blamed you")
    COMPETITOR_LEVERAGE = "competitor_leverage", _("Played you against a competitor")
    LEGAL_RISK = "legal_risk", _("Legal risk")
    UNRESPONSIVE = "unresponsive", _("Unresponsive")
    MICROMANAGING = "micromanaging", _("Micromanaging")
    PUBLIC_CRITICISM = "public_criticism", _("Public criticism")
    THREAT = "threat", _("Threatened you (bad review, payment, legal action)")
    OTHER = "other", _("Other")


def evidence_upload_to(incident: "Incident", filename: str) -> str:
    return f"evidence/{incident.client.owner_id}/{incident.client_id}/{filename}"


class IncidentQuerySet(OwnedQuerySet):
    owner_path = "client__owner"


class Incident(models.Model):
    """One dated entry in a client's red-flag log."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="incidents")
    occurred_on = models.DateField(_("date it happened"), default=timezone.localdate)
    category = models.CharField(max_length=24, choices=Category.choices)
    severity = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = minor, 5 = severe"),
    )
    description = models.TextField(_("what happened"), max_length=4000)
    evidence = models.TextField(
        max_length=4000, blank=True, help_text=_("Quotes, links, message ids.")
    )
    evidence_file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=5), name="incident_severity_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["client", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()} on {self.occurred_on}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.occurred_on and self.occurred_on > timezone.localdate():
            raise ValidationError({"occurred_on": _("An incident cannot be in the future.")})


@dataclass(frozen=True)
class Worth:
    """A stored rules.value.Worth read back: Decimals again, the share as a whole percent."""

    currency: str
    received: list[tuple[str, Decimal]]
    received_home: Decimal | None
    share_percent: int | None
    hourly: Decimal | None
    target: Decimal | None
    target_currency: str | None
    tenure_days: int | None
    notes: list[dict[str, Any]]

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Worth":
        def number(key: str) -> Decimal | None:
            value = data.get(key)
            return None if value is None else Decimal(value)

        share = number("share")
        return cls(
            currency=data.get("currency", ""),
            received=sorted((code, Decimal(amount)) for code, amount in data["received"].items()),
            received_home=number("received_home"),
            share_percent=None if share is None else int((share * 100).to_integral_value()),
            hourly=number("hourly"),
            target=number("target"),
            target_currency=data.get("target_currency"),
            tenure_days=data.get("tenure_days"),
            notes=list(data.get("notes", [])),
        )

    @property
    def tenure_months(self) -> int:
        return (self.tenure_days or 0) * 12 // 365

    @property
    def tenure_years(self) -> int:
        return (self.tenure_days or 0) // 365


class StepKind(models.TextChoices):
    """What the freelancer tried (docs/domain.md, "What a client is worth, and what to try
    first"). The slugs are stable: import/export and the rules engine use them."""

    WARNED = "warned", _("Warned them, firmly and kindly")
    RESTATED_TERMS = "restated_terms", _("Restated terms or boundaries in writing")
    ASKED_DEPOSIT = "asked_deposit", _("Asked for a deposit")
    RENEGOTIATED = "renegotiated", _("Renegotiated price or scope")
    APOLOGISED = "apologised", _("Apologised and fixed something")
    PAUSED_WORK = "paused_work", _("Paused work")


class StepQuerySet(OwnedQuerySet):
    owner_path = "client__owner"


class Step(models.Model):
    """One dated thing the freelancer tried with a client, and what it was about.

    The one record of a warning given: what goes on after it counts against the client.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="steps")
    taken_on = models.DateField(_("date"), default=timezone.localdate)
    kind = models.CharField(_("what you did"), max_length=16, choices=StepKind.choices)
    addresses = models.CharField(
        _("about"),
        max_length=24,
        choices=Category.choices,
        blank=True,
        help_text=_("The kind of trouble it was about; leave empty if it was about everything."),
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["client", "taken_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.taken_on}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.taken_on and self.taken_on > timezone.localdate():
            raise ValidationError({"taken_on": _("A step cannot be in the future.")})


class Area(models.TextChoices):
    """Where the problem is (redflags/rules/areas.py): the slugs the engine uses."""

    MONEY = "money", _("Money")
    CONDUCT = "conduct", _("Conduct")
    SCOPE = "scope", _("Scope")
    EFFORT = "effort", _("Effort")


class ClientScoreQuerySet(OwnedQuerySet):
    owner_path = "client__owner"


class ClientScore(models.Model):
    """The latest assessment of a client, kept so the dashboard reads one row per client.

    Written only by redflags.assess (after every change to the client's data, and each
    day as time passes); the rules engine is the source of truth.
    """

    class Verdict(models.TextChoices):
        KEEP = "keep", _("Keep")
        WATCH = "watch", _("Watch")
        FIRE = "fire", _("Fire")

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="score")
    as_of = models.DateField()
    score = models.PositiveSmallIntegerField()
    verdict = models.CharField(max_length=5, choices=Verdict.choices)
    red_flag = models.BooleanField(default=False)
    # Too little history to judge yet: the verdict is at best watch, and the pages say so.
    too_early = models.BooleanField(default=False)
    top_reason = models.CharField(max_length=200, blank=True)
    top_advice = models.TextField(blank=True)
    reasons = models.JSONField(default=list)
    # A number per area ({"money": 100, "conduct": 61, ...}), from the same reasons: where
    # the problem is, on the dashboard row without reading the reasons.
    areas = models.JSONField(default=dict)
    # Days late of the latest invoices, oldest first: the dashboard's small chart.
    lateness = models.JSONField(default=list)
    # Overdue balance per currency on `as_of` ({"EUR": "1200.00"}): summed across clients,
    # the dashboard's money at risk costs one row per client, not a scan of every invoice.
    overdue = models.JSONField(default=dict)
    # Open balance of disputed invoices per currency, kept the same way: money at risk too,
    # but shown apart, since a dispute is not lateness (and the ladder leaves it alone).
    disputed = models.JSONField(default=dict)
    # What the client is worth (rules.value.Worth.to_dict): money over 12 months, share of
    # income, effective rate, tenure, and what could not be compared for want of a rate.
    value = models.JSONField(default=dict)
    previous_verdict = models.CharField(max_length=5, choices=Verdict.choices, blank=True)
    verdict_changed_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientScoreQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="client_score_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.score} {self.verdict}"

    @property
    def area_scores(self) -> list[tuple[str, str, int]]:
        """(slug, label, number) per area, in the engine's order; empty until assessed."""
        return area_list(self.areas)

    @property
    def overdue_amounts(self) -> list[tuple[str, Decimal]]:
        return sorted((currency, Decimal(amount)) for currency, amount in self.overdue.items())

    @property
    def worth(self) -> Worth | None:
        """The stored worth, in numbers the client page can format."""
        return Worth.from_stored(self.value) if self.value else None

    @property
    def disputed_amounts(self) -> list[tuple[str, Decimal]]:
        return sorted((currency, Decimal(amount)) for currency, amount in self.disputed.items())


def area_list(areas: dict[str, int]) -> list[tuple[str, str, int]]:
    """A stored {area: number} as (slug, label, number), in the order of Area."""
    return [
        (area.value, str(area.label), areas[area.value]) for area in Area if area.value in areas
    ]
