from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientwatch.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, validate_currency
from clientwatch.tenancy import OwnedQuerySet
from invoices.models import Payment


class Source(models.TextChoices):
    CAMT053 = "camt053", "CAMT.053"
    OFX = "ofx", "OFX"
    MT940 = "mt940", "MT940"
    CSV = "csv", "CSV"
    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"


class BankCreditQuerySet(OwnedQuerySet):
    pass


class BankCredit(models.Model):
    """An incoming transaction from a statement, recorded as paying one or more invoices.

    `key` is the bank's id for the transaction, or a hash of what the line says: the same
    statement imported again finds its credits here and records nothing twice.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_credits"
    )
    key = models.CharField(max_length=64)
    source = models.CharField(max_length=8, choices=Source.choices)
    booked_on = models.DateField()
    amount = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    reference = models.CharField(max_length=500, blank=True)
    counterparty = models.CharField(max_length=500, blank=True)
    payments = models.ManyToManyField(Payment, related_name="bank_credits")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BankCreditQuerySet.as_manager()

    class Meta:
        ordering = ["-booked_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="bank_credit_once_per_owner"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="bank_credit_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.booked_on}"


class BankImportQuerySet(OwnedQuerySet):
    pass


class BankImport(models.Model):
    """An uploaded statement from upload to outcome: its columns waiting to be named (a
    plain CSV), its credits waiting for the confirm, then a large one's progress.

    Kept in the database rather than the session, like the CSV import's previews. The
    confirm moves it out of PREVIEW under a row lock, so a second confirm records nothing.
    """

    class State(models.TextChoices):
        COLUMNS = "columns", _("Waiting for its columns")
        PREVIEW = "preview", _("Waiting for your confirm")
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Recording payments")
        DONE = "done", _("Done")
        FAILED = "failed", _("Rejected")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_imports"
    )
    # In the page's address: a guessable number would let nobody else in (every read is
    # scoped to the owner) but would count one's own uploads.
    token = models.CharField(max_length=43, unique=True)
    filename = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PREVIEW)
    # A plain CSV's header and rows until its columns are named; then emptied.
    table = models.JSONField(default=dict, blank=True)
    # The statement's credits (Credit.as_json() plus "key"), until the outcome is known.
    credits = models.JSONField(default=list, blank=True)
    debits = models.PositiveIntegerField(default=0)
    # For a background apply: [[credit index, [[invoice pk, "amount"], ...]], ...].
    allocations = models.JSONField(default=list, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BankImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Bank statement {self.filename} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
