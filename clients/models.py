from decimal import Decimal

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clientwatch.money import MAX_AMOUNT, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, validate_currency
from clientwatch.tenancy import OwnedQuerySet
from clientwatch.validity import validate_phone, work_date_errors

LANGUAGE_CHOICES = settings.LANGUAGES


def flat_fee_amounts(value: object) -> dict[str, Decimal]:
    """The stored {currency: amount} map as Decimals; raises ValueError on anything else."""
    if not isinstance(value, dict):
        raise ValueError("not a map of currency to amount")
    amounts = {}
    for code, amount in value.items():
        if not isinstance(code, str) or not isinstance(amount, str | int):
            raise ValueError(f"{code!r}: {amount!r}")
        try:
            amounts[code] = Decimal(amount)
        except ArithmeticError:
            raise ValueError(f"{code}: {amount!r} is not an amount") from None
    return amounts


def validate_flat_fee_amounts(value: object) -> None:
    """Each key an ISO 4217 code in use, each amount more than 0 within the money limits."""
    try:
        amounts = flat_fee_amounts(value)
    except ValueError as exc:
        raise ValidationError(
            _("Give a flat fee as currency and amount, e.g. EUR 25.00: %(problem)s"),
            code="invalid_flat_fee",
            params={"problem": str(exc)},
        ) from None
    for code, amount in amounts.items():
        validate_currency(code)
        exponent = amount.as_tuple().exponent
        if (
            not amount.is_finite()
            or amount <= 0
            or amount > MAX_AMOUNT
            or (isinstance(exponent, int) and exponent < -MONEY_DECIMAL_PLACES)
        ):
            raise ValidationError(
                _(
                    "The flat fee in %(currency)s must be more than 0, with at most 15 digits "
                    "before the decimal point and 2 after it, not %(amount)s."
                ),
                code="invalid_flat_fee",
                params={"currency": code, "amount": amount},
            )


class LateFeeTiming(models.TextChoices):
    ONCE = "once", _("once, with the first reminder")
    EACH_STAGE = "each_stage", _("with every reminder")


class LateFeeTerms(models.Model):
    """Late fees and interest: all blank (none) by default. The freelancer's terms live on
    the profile; a client follows them, has none, or its own (see invoices.fees)."""

    # {currency: amount as text}, e.g. {"EUR": "25.00", "IDR": "400000.00"}: 25 means
    # something else in every currency, so an invoice in one not listed gets no flat fee.
    late_fee_flat_amounts = models.JSONField(
        _("flat late fee per currency"),
        default=dict,
        blank=True,
        validators=[validate_flat_fee_amounts],
        help_text=_("A fixed amount for invoices in each currency. None set: no flat fee."),
    )
    late_fee_percent = models.DecimalField(
        _("late fee as a percentage"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("A share of the overdue balance. Blank: none."),
    )
    late_fee_timing = models.CharField(
        _("charge the late fee"),
        max_length=10,
        choices=LateFeeTiming.choices,
        default=LateFeeTiming.ONCE,
    )
    late_interest_percent = models.DecimalField(
        _("yearly interest on overdue balances"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Percent a year, charged at each reminder for the days since the last charge."),
    )

    class Meta:
        abstract = True


def logo_upload_to(profile: "Profile", filename: str) -> str:
    return f"logos/{profile.user_id}/{filename}"


class ProfileManager(models.Manager):
    def for_user(self, user) -> "Profile":
        profile, _ = self.get_or_create(user=user)
        return profile


class Profile(LateFeeTerms):
    """A freelancer's own settings: business details, targets, reminder and rule tuning."""

    class PaperSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "Letter", "US Letter"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    business_name = models.CharField(max_length=120, blank=True)
    signature_name = models.CharField(
        _("name to sign with"),
        max_length=120,
        blank=True,
        help_text=_("How your emails and letters are signed. Blank: your business name."),
    )
    reply_to_email = models.EmailField(
        _("reply-to address"),
        max_length=254,
        blank=True,
        help_text=_("Where your clients' replies go. Blank: your account email."),
    )
    logo = models.FileField(
        _("logo"),
        upload_to=logo_upload_to,
        blank=True,
        max_length=300,
        help_text=_("Printed at the top of your letters, statements and reports."),
    )
    language = models.CharField(
        _("your language"),
        max_length=5,
        choices=LANGUAGE_CHOICES,
        default="en",
        help_text=_("For these pages, and the first choice for a new client."),
    )
    business_details = models.TextField(
        max_length=1000, blank=True, help_text=_("Address, tax number: printed on reports.")
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    target_hourly_rate = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("What an hour of your time should earn; used to spot draining clients."),
    )
    default_payment_terms_days = models.PositiveSmallIntegerField(
        default=14, validators=[MaxValueValidator(365)]
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    # The reminder ladder (docs/domain.md: nudge, then pause work, then a final notice).
    reminder_nudge_days = models.PositiveSmallIntegerField(
        default=1, validators=[MaxValueValidator(365)]
    )
    reminder_pause_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(365)]
    )
    reminder_final_days = models.PositiveSmallIntegerField(
        default=21, validators=[MaxValueValidator(365)]
    )
    reminder_bcc_me = models.BooleanField(_("send me a copy (BCC) of each reminder"), default=False)
    digest_enabled = models.BooleanField(default=True)
    digest_hour = models.PositiveSmallIntegerField(default=8, validators=[MaxValueValidator(23)])
    # The freelancer's local day whose reminder run last went through (invoices.tasks).
    reminders_ran_on = models.DateField(null=True, blank=True, editable=False)
    paper_size = models.CharField(max_length=6, choices=PaperSize.choices, default=PaperSize.A4)
    receipts_enabled = models.BooleanField(
        _("email receipts for payments"),
        default=False,
        help_text=_("A thank-you email with a receipt when you record a payment."),
    )
    # Formal letters (PDF) attached to reminder emails, stage by stage; some countries
    # require a written reminder before collection.
    letter_with_nudge = models.BooleanField(_("attach a letter (PDF) to the nudge"), default=False)
    letter_with_paused = models.BooleanField(
        _("attach a letter (PDF) to “work paused”"), default=False
    )
    letter_with_final = models.BooleanField(
        _("attach a letter (PDF) to the final notice"), default=False
    )
    statement_with_final = models.BooleanField(
        _("attach the statement of account (PDF) to the final notice"), default=False
    )
    # The nudge is the face-saving note ("you may have overlooked this invoice"): a fee
    # with it would undo that, so fees start with "work paused" unless chosen here.
    late_fees_with_nudge = models.BooleanField(
        _("charge late fees with the friendly nudge"),
        default=False,
        help_text=_("Off: the first reminder charges nothing; fees start with “work paused”."),
    )
    # Only the rule weights/thresholds the freelancer changed; see redflags.rules.settings.
    rule_overrides = models.JSONField(default=dict, blank=True)

    objects = ProfileManager()

    def __str__(self) -> str:
        return self.business_name or self.user.get_username()

    @property
    def signature(self) -> str:
        """The name the freelancer signs with: their own choice, else the business name,
        full name or user name."""
        return (
            self.signature_name
            or self.business_name
            or self.user.get_full_name()
            or self.user.get_username()
        )

    @property
    def letterhead_name(self) -> str:
        """Who a client hears from (letterheads, the sender of emails): the business,
        else the person signing."""
        return self.business_name or self.signature


# Exchange rates: one unit of the base currency is worth `rate` of the quote currency. The
# ECB quotes 1 EUR = 17,000 IDR or 1 EUR = 0.85 GBP; 8 places keep the inverse of the
# largest (1 IDR = 0.0000588 EUR) meaningful.
RATE_MAX_DIGITS = 18
RATE_DECIMAL_PLACES = 8
MIN_RATE = Decimal(1).scaleb(-RATE_DECIMAL_PLACES)


class ExchangeRateQuerySet(OwnedQuerySet):
    pass


class ExchangeRate(models.Model):
    """A rate the freelancer keeps, so that money in different currencies can be compared
    (shares of income, effort against the target). It holds from its date until a newer
    one of the same pair, and counts both ways (redflags.rules.value.Rates)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_rates"
    )
    base = models.CharField(_("from"), max_length=3, validators=[validate_currency])
    quote = models.CharField(_("to"), max_length=3, validators=[validate_currency])
    on = models.DateField(_("date"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=RATE_MAX_DIGITS,
        decimal_places=RATE_DECIMAL_PLACES,
        validators=[MinValueValidator(MIN_RATE)],
        help_text=_("How much one unit of the first currency is worth in the second."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        ordering = ["base", "quote", "-on"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "base", "quote", "on"],
                name="exchange_rate_one_per_pair_and_day",
                violation_error_message=_(
                    "You already have a rate for these currencies on this day: delete it first."
                ),
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=~Q(base=F("quote")), name="exchange_rate_two_currencies"
            ),
        ]
        indexes = [models.Index(fields=["owner", "on"])]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} on {self.on}"

    def clean(self) -> None:
        if self.base and self.base == self.quote:
            raise ValidationError(
                {"quote": _("Choose two different currencies.")}, code="same_currency"
            )


class WordingQuerySet(OwnedQuerySet):
    pass


class Wording(models.Model):
    """The freelancer's own text of one kind in one client language (see clients.wording).

    One row per (owner, kind, language); no row means the default wording, or for payment
    instructions none, in that language.
    """

    class Kind(models.TextChoices):
        PAYMENT_INSTRUCTIONS = "payment_instructions", _("How to pay")
        REMINDER_NUDGE = "reminder_nudge", _("Your words in the nudge")
        REMINDER_PAUSED = "reminder_paused", _("Your words in “work paused”")
        REMINDER_FINAL = "reminder_final", _("Your words in the final notice")
        FAREWELL_DIRECT = "farewell_direct", _("Your words in the direct farewell letter")
        FAREWELL_VAGUE = "farewell_vague", _("Your words in the vague farewell letter")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wordings"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    language = models.CharField(max_length=5, choices=LANGUAGE_CHOICES)
    text = models.TextField(
        max_length=2000,
        validators=[
            ProhibitNullCharactersValidator(
                message=_(
                    "This text contains a NUL character (often pasted from another program):"
                    " remove it and save again."
                )
            )
        ],
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = WordingQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "language"], name="wording_unique_per_kind_and_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        limit = WORDING_LIMITS.get(self.kind, 2000)
        if self.text and len(self.text) > limit:
            raise ValidationError(
                {"text": _("Keep this under %(max)s characters.") % {"max": f"{limit:,}"}}
            )


# Payment instructions were 1,000 characters on the profile; own words 2,000.
WORDING_LIMITS = {Wording.Kind.PAYMENT_INSTRUCTIONS: 1000}


class ClientQuerySet(OwnedQuerySet):
    def active(self):
        return self.exclude(status=Client.Status.DROPPED)


class LateFeeChoice(models.TextChoices):
    DEFAULT = "default", _("as in my settings")
    NONE = "none", _("none for this client")
    CUSTOM = "custom", _("this client's own")


class Client(LateFeeTerms):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        DROPPED = "dropped", _("Dropped")

    class Billing(models.TextChoices):
        HOURLY = "hourly", _("Hourly")
        FIXED = "fixed", _("Fixed fee")
        RETAINER = "retainer", _("Retainer")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clients"
    )
    ref = models.SlugField(
        _("reference"),
        max_length=40,
        help_text=_("Your own short id for this client, unique among your clients."),
    )
    name = models.CharField(max_length=120)
    company = models.CharField(max_length=120, blank=True)
    email = models.EmailField(_("contact email"), max_length=254)
    # Printed on letters, statements and the handover report, as the client's own papers
    # give them; the model refuses NULs too, for writes that do not come through a form.
    postal_address = models.TextField(
        _("postal address"),
        max_length=500,
        blank=True,
        validators=[ProhibitNullCharactersValidator()],
    )
    phone = models.CharField(
        _("phone"),
        max_length=40,
        blank=True,
        validators=[ProhibitNullCharactersValidator(), validate_phone],
    )
    tax_number = models.CharField(
        _("tax number"),
        max_length=40,
        blank=True,
        validators=[ProhibitNullCharactersValidator()],
        help_text=_("VAT or business ID, as it goes on your invoices to them."),
    )
    language = models.CharField(
        _("preferred language"), max_length=5, choices=LANGUAGE_CHOICES, default="en"
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    billing_mode = models.CharField(max_length=10, choices=Billing.choices, default=Billing.HOURLY)
    rate = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Hourly rate, fixed fee or monthly retainer, per billing mode."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        default=14, validators=[MaxValueValidator(365)]
    )
    # The freelancer's written boundaries (docs/domain.md: make "unreasonable" concrete).
    boundaries = models.TextField(max_length=4000, blank=True)
    business_hours = models.CharField(
        max_length=100, blank=True, help_text=_("e.g. Mon-Fri 9:00-17:00")
    )
    response_time_hours = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("How quickly you answer, in hours."),
    )
    deposit_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    payment_due_rule = models.CharField(
        max_length=200, blank=True, help_text=_("e.g. the 1st of each month, 14 days net")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    drop_reason = models.TextField(max_length=4000, blank=True)
    farewell_letter = models.TextField(max_length=10000, blank=True)
    dropped_on = models.DateField(
        null=True, blank=True, help_text=_("When the drop was confirmed.")
    )
    reminders_enabled = models.BooleanField(_("automatic payment reminders"), default=True)
    autopay = models.BooleanField(
        _("pays by standing order or autopay"),
        default=False,
        help_text=_("No reminders for an invoice until you record that its payment failed."),
    )
    receipts_enabled = models.BooleanField(
        _("email receipts to this client"),
        default=True,
        help_text=_("Only when receipts are switched on in your settings."),
    )
    late_fees = models.CharField(
        _("late fees"), max_length=8, choices=LateFeeChoice.choices, default=LateFeeChoice.DEFAULT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "ref"], name="client_ref_unique_per_owner"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="client_rate_not_negative"),
            models.CheckConstraint(
                condition=Q(deposit_percent__isnull=True) | Q(deposit_percent__lte=100),
                name="client_deposit_percent_max_100",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="client_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end date cannot be before the start date.")})


class WorkLogQuerySet(OwnedQuerySet):
    owner_path = "client__owner"


class WorkLog(models.Model):
    """Time spent for a client, billable or not: chasing and waiting count too."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="work_logs")
    worked_on = models.DateField(_("date"), default=timezone.localdate)
    hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("24"))],
    )
    description = models.CharField(_("what was done"), max_length=500)
    billable = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkLogQuerySet.as_manager()

    class Meta:
        ordering = ["-worked_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="worklog_hours_in_a_day"
            ),
        ]
        # Per-client histories newest first (timeline, last activity, reports).
        indexes = [models.Index(fields=["client", "worked_on"])]

    def __str__(self) -> str:
        return f"{self.worked_on}: {self.hours} h"

    def clean(self) -> None:
        errors = work_date_errors(worked_on=self.worked_on, today=timezone.localdate())
        if errors:
            raise ValidationError(errors)


class AccountItemQuerySet(OwnedQuerySet):
    owner_path = "client__owner"


class AccountItem(models.Model):
    """An account or asset managed for the client, to hand back when the work ends."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="account_items")
    name = models.CharField(max_length=200, help_text=_("e.g. Instagram business account"))
    notes = models.TextField(max_length=2000, blank=True)
    handed_over = models.BooleanField(_("handed back"), default=False)
    handed_over_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountItemQuerySet.as_manager()

    class Meta:
        ordering = ["handed_over", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ImportJobQuerySet(OwnedQuerySet):
    pass


class ImportJob(models.Model):
    """A large upload imported in the background, with progress the page can poll."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Rejected")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    filename = models.CharField(max_length=200, blank=True)
    payload = models.TextField(help_text=_("The uploaded document, as JSON."))
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        return (
            100
            if self.state == self.State.DONE
            else int(100 * self.done / self.total)
            if self.total
            else 0
        )


class ImportPreviewQuerySet(OwnedQuerySet):
    pass


class ImportPreview(models.Model):
    """A checked CSV file (ours or another tool's) waiting for the freelancer's confirm.

    Kept here rather than in the session: a large file's document would be read and written
    with the session on every request. A confirm is recorded on the row, so a second confirm
    of the same preview shows what the first one did instead of importing again.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_previews"
    )
    # Ties the confirm button to this preview, not to one uploaded since in another tab.
    token = models.CharField(max_length=43, unique=True)
    filename = models.CharField(max_length=200, blank=True)
    document = models.JSONField(default=dict, blank=True)
    # Document path -> CSV row, to name problems found at the confirm by row.
    origins = models.JSONField(default=dict, blank=True)
    # Another tool's file read into records (clients.imports.reading.Source), kept until
    # the confirm turns it into `document` with the freelancer's choices.
    source = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # What the confirm did: {"summary": "..."}, {"job": id} or {"problems": [...]}.
    outcome = models.JSONField(default=dict, blank=True)

    objects = ImportPreviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Preview of {self.filename}"


class ReportQuerySet(OwnedQuerySet):
    owner_path = "client__owner"


def report_upload_to(report: "Report", filename: str) -> str:
    return f"reports/{report.client.owner_id}/{report.client_id}/{filename}"


class Report(models.Model):
    """A rendered exit report, kept so it can be downloaded again from the client's page."""

    class Kind(models.TextChoices):
        HANDOVER = "handover", _("Client handover report")
        INTERNAL = "internal", _("Internal record")

    class State(models.TextChoices):
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RENDERING)
    pdf = models.FileField(upload_to=report_upload_to, blank=True, max_length=300)
    error = models.CharField(max_length=500, blank=True)
    # The freelancer's language when they asked for it: the internal record is theirs to
    # read, the handover report is in the client's. Blank: the default language.
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client_id}"


class AccountSession(AbstractBaseSession):
    """A login session, kept in the database with whose it is and where it was last used,
    so the Security page can list an account's sessions and end any of them (deleting the
    row is the sign-out: the next request with that cookie finds no session)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="account_sessions",
    )
    user_agent = models.CharField(max_length=300, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    @classmethod
    def get_session_store_class(cls):
        from clientwatch.sessions import SessionStore

        return SessionStore


class VerifiedEmail(models.Model):
    """The address an account proved it reads, by opening the link mailed to it. The account
    counts as verified while this is still its email (changing the email needs a new link)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verified_email"
    )
    email = models.EmailField()
    verified_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.email


class FormTokenQuerySet(OwnedQuerySet):
    pass


class FormToken(models.Model):
    """A create form's one-time token, stored when its submission is saved: a second
    submission of the same form (a double click, a resent request) finds it and goes to
    what the first one made instead of making it again. See clientwatch/once.py."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_tokens"
    )
    token = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Where the first submission sent the freelancer: the page of what it made.
    result = models.CharField(max_length=300, blank=True)

    objects = FormTokenQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "token"], name="form_token_once_per_owner")
        ]

    def __str__(self) -> str:
        return f"Form token {self.token[:8]}…"
