from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Profile
from clientwatch.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, validate_currency
from clientwatch.outbox import OutgoingMail
from clientwatch.tenancy import OwnedQuerySet
from clientwatch.validity import payment_date_errors


class InvoiceStatus(models.TextChoices):
    """What an invoice is now; derived from its state, payments and the date, never stored."""

    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    DISPUTED = "disputed", _("Disputed")
    WRITTEN_OFF = "written_off", _("Written off")


def invoice_status(
    *, state: str, disputed: bool, amount: Decimal, paid: Decimal, due_on: date, today: date
) -> InvoiceStatus:
    if state == Invoice.State.WRITTEN_OFF:
        return InvoiceStatus.WRITTEN_OFF
    if state == Invoice.State.DRAFT:
        return InvoiceStatus.DRAFT
    if paid >= amount:
        return InvoiceStatus.PAID
    if disputed:
        return InvoiceStatus.DISPUTED
    if today > due_on:
        return InvoiceStatus.OVERDUE
    if paid > 0:
        return InvoiceStatus.PARTLY_PAID
    return InvoiceStatus.SENT


class InvoiceQuerySet(OwnedQuerySet):
    def with_paid(self):
        return self.annotate(
            paid_total=Coalesce(
                Sum("payments__amount"), Value(Decimal("0")), output_field=models.DecimalField()
            )
        )

    def open(self):
        """Sent, not written off, not yet fully paid (needs `with_paid`)."""
        return self.filter(state=Invoice.State.SENT).filter(paid_total__lt=F("amount"))

    def overdue(self, today: date):
        return self.open().filter(due_on__lt=today, disputed=False)


class Invoice(models.Model):
    class State(models.TextChoices):
        """What the freelancer decided; payments and dates do the rest (see invoice_status)."""

        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        WRITTEN_OFF = "written_off", _("Written off")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invoices"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=50)
    issued_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField()
    amount = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    state = models.CharField(max_length=12, choices=State.choices, default=State.SENT)
    disputed = models.BooleanField(default=False)
    dispute_reason = models.TextField(_("client's stated reason"), max_length=2000, blank=True)
    reminders_enabled = models.BooleanField(_("payment reminders"), default=True)
    # For a client on autopay: the ladder starts only once a failed payment is recorded.
    autopay_failed_on = models.DateField(_("autopay failed on"), null=True, blank=True)
    notes = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "number"], name="invoice_number_unique_per_owner"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("issued_on")), name="invoice_due_after_issue"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "due_on"]),
            models.Index(fields=["client", "due_on"]),
            models.Index(fields=["client", "issued_on"]),
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        if self.issued_on and self.due_on and self.due_on < self.issued_on:
            raise ValidationError({"due_on": _("The due date cannot be before the issue date.")})
        if self.disputed and not self.dispute_reason.strip():
            raise ValidationError({"dispute_reason": _("Say what the client disputes.")})

    def status(self, today: date | None = None) -> InvoiceStatus:
        """Needs `paid_total` (from `with_paid()`), else it costs a query."""
        paid = getattr(self, "paid_total", None)
        if paid is None:
            paid = self.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        return invoice_status(
            state=self.state,
            disputed=self.disputed,
            amount=self.amount,
            paid=paid,
            due_on=self.due_on,
            today=today or timezone.localdate(),
        )

    @property
    def balance(self) -> Decimal:
        return max(self.amount - self.paid_total, Decimal("0"))


class PaymentQuerySet(OwnedQuerySet):
    owner_path = "invoice__owner"


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField(_("date paid"), default=timezone.localdate)
    amount = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    is_overpayment = models.BooleanField(
        _("overpayment"),
        default=False,
        help_text=_("Tick when the client really paid more than the invoice is owed."),
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["invoice", "paid_on"])]

    def __str__(self) -> str:
        return f"{self.amount} on {self.paid_on}"

    def clean(self) -> None:
        # The amount against what is still owed needs the other payments: the services and
        # the importer check it with clientwatch.validity, each in its own fixed queries.
        invoice = self.invoice if self.invoice_id or "invoice" in self._state.fields_cache else None
        errors = payment_date_errors(
            paid_on=self.paid_on,
            issued_on=invoice.issued_on if invoice is not None else None,
            today=timezone.localdate(),
        )
        if errors:
            raise ValidationError(errors)


class Stage(models.TextChoices):
    """The reminder ladder of docs/domain.md, in the order it is climbed."""

    NUDGE = "nudge", _("Friendly nudge")
    PAUSED = "paused", _("Work paused")
    FINAL = "final", _("Final notice")


LADDER = tuple(Stage)  # the stages in the order they are climbed


def stage_days(profile: Profile) -> dict[Stage, int]:
    """Days overdue at which each stage falls due, as the freelancer set them."""
    return {
        Stage.NUDGE: profile.reminder_nudge_days,
        Stage.PAUSED: profile.reminder_pause_days,
        Stage.FINAL: profile.reminder_final_days,
    }


class ReminderQuerySet(OwnedQuerySet):
    owner_path = "invoice__owner"


class Reminder(OutgoingMail):
    """One stage of the ladder for one invoice: claimed once, sent at most once, kept.

    The unique (invoice, stage) row is the claim: whoever inserts it owns the send.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not needed any more")
        # Passed over by hand when a later stage was sent first: never sent after that.
        SKIPPED = "skipped", _("Skipped by you")

    class Trigger(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic")
        MANUAL = "manual", _("Sent by hand")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.AUTOMATIC)
    due_on = models.DateField(help_text=_("The day this stage fell due."))
    # File names of the PDFs sent with it (formal letter, statement of account).
    attachments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "stage"], name="reminder_once_per_stage"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} for {self.invoice_id}"


class LateFeeQuerySet(OwnedQuerySet):
    owner_path = "invoice__owner"

    def charged(self):
        """Owed by the client: neither waived nor paid."""
        return self.filter(waived_on__isnull=True, paid_on__isnull=True)


class LateFee(models.Model):
    """A late fee or interest on an overdue invoice: its own line, never a change to the
    invoice's amount. Charged once per (invoice, kind, reminder stage)."""

    class Kind(models.TextChoices):
        FLAT = "flat", _("Late fee")
        PERCENT = "percent", _("Late fee (percentage)")
        INTEREST = "interest", _("Interest")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="fees")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    stage = models.CharField(
        max_length=8, choices=Stage.choices, help_text=_("The reminder it came with.")
    )
    amount = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    charged_on = models.DateField()
    # What the amount was worked out from, so the line explains itself.
    rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # When the arithmetic gave more than an amount can be (interest on a huge balance over
    # years), `amount` is capped at that limit and this keeps what it came to.
    capped_from = models.DecimalField(
        _("worked out to"), max_digits=40, decimal_places=2, null=True, blank=True
    )
    paid_on = models.DateField(null=True, blank=True)
    waived_on = models.DateField(null=True, blank=True)
    waive_note = models.CharField(_("why it was waived"), max_length=500, blank=True)
    # Unticked when adding fees to invoices already overdue: kept (as waived) so that no
    # later reminder charges it, but not the freelancer's own act of waiving.
    left_out = models.BooleanField(_("left out when adding fees after the fact"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LateFeeQuerySet.as_manager()

    class Meta:
        ordering = ["charged_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "kind", "stage"], name="late_fee_once_per_kind_and_stage"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="late_fee_amount_positive"),
            models.CheckConstraint(
                condition=Q(waived_on__isnull=True) | Q(paid_on__isnull=True),
                name="late_fee_waived_or_paid_not_both",
            ),
            models.CheckConstraint(
                condition=Q(left_out=False) | Q(waived_on__isnull=False),
                name="late_fee_left_out_is_waived",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def is_charged(self) -> bool:
        return self.waived_on is None and self.paid_on is None


class ReceiptQuerySet(OwnedQuerySet):
    owner_path = "payment__invoice__owner"


class Receipt(OutgoingMail):
    """The thank-you email for one payment; the one-to-one row is the claim against doubles."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    payment = models.OneToOneField(Payment, on_delete=models.CASCADE, related_name="receipt")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Receipt for payment {self.payment_id}"


class DigestQuerySet(OwnedQuerySet):
    pass


class Digest(OutgoingMail):
    """The freelancer's daily summary; one row per local day is the claim against doubles."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        EMPTY = "empty", _("Nothing to report")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    for_date = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DigestQuerySet.as_manager()

    class Meta:
        ordering = ["-for_date"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "for_date"], name="digest_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"Digest {self.for_date}"


class DailyRunFailure(models.Model):
    """The last time a freelancer's daily run (reminders, digest) broke, and why: shown on
    their settings page and in their next digest until a later run goes through."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_run_failure"
    )
    failed_at = models.DateTimeField()
    part = models.CharField(max_length=20)  # "reminders" or "digest"
    error = models.CharField(max_length=500)

    def __str__(self) -> str:
        return f"Daily run of {self.owner_id} failed at {self.failed_at}"
