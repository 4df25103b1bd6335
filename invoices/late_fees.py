"""Late fees on record: charging them with reminders, adding them after the fact, waiving.

The arithmetic is in invoices.fees; this module only reads what it needs and writes lines.
A line is unique per (invoice, kind, stage), so charging twice, or twice at once, stores
it once; a waived line stays on record and is therefore never charged again.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.models import (
    Client,
    LateFeeChoice,
    LateFeeTerms,
    LateFeeTiming,
    Profile,
    flat_fee_amounts,
)
from clients.services import profile_for
from clientwatch.dates import today_for
from clientwatch.money import format_day
from clientwatch.validity import payment_date_errors
from invoices.fees import NO_FEES, ChargedFee, FeeLine, FeePolicy, fees_due
from invoices.models import LADDER, Invoice, LateFee, stage_days


def flat_fee(terms: LateFeeTerms, currency: str) -> Decimal | None:
    """The flat fee set for invoices in `currency`; None when none is (or what is stored
    no longer reads as an amount: charging nothing beats guessing)."""
    try:
        return flat_fee_amounts(terms.late_fee_flat_amounts or {}).get(currency)
    except ValueError:
        return None


def flat_fee_gaps(*, owner: AbstractBaseUser, profile: Profile) -> list[str]:
    """Currencies the freelancer bills in (clients still worked with, invoices still
    open) that have no flat fee of their own, when some other currency has one: invoices in
    them get no flat fee, which the settings page should say. Two queries."""
    set_for = set(profile.late_fee_flat_amounts or {})
    if not set_for:
        return []
    used = set(Client.objects.for_owner(owner).active().values_list("currency", flat=True))
    used |= set(
        Invoice.objects.for_owner(owner)
        .filter(state=Invoice.State.SENT)
        .values_list("currency", flat=True)
        .distinct()
    )
    return sorted(used - set_for)


def fee_policy(client: Client, profile: Profile, currency: str) -> FeePolicy:
    """The terms that apply to this client's invoices in `currency`: the freelancer's,
    none, or the client's own. A flat fee only where one is set for that currency."""
    if client.late_fees == LateFeeChoice.NONE:
        return NO_FEES
    terms = client if client.late_fees == LateFeeChoice.CUSTOM else profile
    return FeePolicy(
        flat=flat_fee(terms, currency),
        percent=terms.late_fee_percent,
        each_stage=terms.late_fee_timing == LateFeeTiming.EACH_STAGE,
        yearly_interest=terms.late_interest_percent,
    )


def fee_ladder(profile: Profile) -> tuple[str, ...]:
    """The reminder stages that may bring fees: the friendly nudge only if the freelancer
    chose so; otherwise "work paused" is the first (and a fee charged once comes with it)."""
    return LADDER if profile.late_fees_with_nudge else LADDER[1:]


def _charged_by_invoice(invoice_ids: Iterable[int]) -> dict[int, list[ChargedFee]]:
    charged: dict[int, list[ChargedFee]] = {}
    for invoice_id, kind, stage, period_end in LateFee.objects.filter(
        invoice__in=list(invoice_ids)
    ).values_list("invoice_id", "kind", "stage", "period_end"):
        charged.setdefault(invoice_id, []).append(ChargedFee(kind, stage, period_end))
    return charged


def _balance(invoice: Invoice) -> Decimal:
    return max(invoice.amount - invoice.paid_total, Decimal("0"))


def _lines_for(
    invoice: Invoice,
    stages: Iterable[str],
    policy: FeePolicy,
    charged: list[ChargedFee],
    as_of: date,
    ladder: tuple[str, ...],
) -> list[FeeLine]:
    return fees_due(
        policy,
        stages=stages,
        ladder=ladder,
        charged=charged,
        balance=_balance(invoice),
        currency=invoice.currency,
        due_on=invoice.due_on,
        as_of=as_of,
    )


def _rows(
    invoice: Invoice, lines: list[FeeLine], as_of: date, *, left_out_note: str = ""
) -> list[LateFee]:
    """Unsaved rows for `lines`; with `left_out_note`, rows the freelancer left out: on
    record as waived that day, so that no reminder charges them later."""
    return [
        LateFee(
            invoice=invoice,
            kind=line.kind,
            stage=line.stage,
            amount=line.amount,
            currency=invoice.currency,
            charged_on=as_of,
            rate=line.rate,
            period_start=line.period_start,
            period_end=line.period_end,
            capped_from=line.capped_from,
            waived_on=as_of if left_out_note else None,
            waive_note=left_out_note,
            left_out=bool(left_out_note),
        )
        for line in lines
    ]


def fees_charge_with_reminders(
    *, profile: Profile, claims: list[tuple[Invoice, str]], as_of: date
) -> int:
    """Charge what the policy says for each (invoice, stage) just claimed by the ladder.

    Invoices need `paid_total` and `client`. Two queries whatever the count, none when no
    policy applies. Returns the number of lines stored.
    """
    policies = {
        invoice.pk: fee_policy(invoice.client, profile, invoice.currency) for invoice, _ in claims
    }
    claims = [(invoice, stage) for invoice, stage in claims if policies[invoice.pk].enabled]
    if not claims:
        return 0
    charged = _charged_by_invoice(invoice.pk for invoice, _ in claims)
    ladder = fee_ladder(profile)
    rows = []
    for invoice, stage in claims:
        lines = _lines_for(
            invoice, [stage], policies[invoice.pk], charged.get(invoice.pk, []), as_of, ladder
        )
        rows += _rows(invoice, lines, as_of)
    return len(LateFee.objects.bulk_create(rows, ignore_conflicts=True))


@dataclass(frozen=True, slots=True)
class BackfillRow:
    """An overdue invoice and the lines adding fees after the fact would charge on it."""

    invoice: Invoice
    days_overdue: int
    lines: list[FeeLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


def _stages_reached(days_overdue: int, profile: Profile) -> list[str]:
    days = stage_days(profile)
    return [stage for stage in LADDER if days_overdue >= days[stage]]


def fees_backfill_preview(
    *, owner: AbstractBaseUser, as_of: date, invoice_ids: Iterable[int] | None = None
) -> list[BackfillRow]:
    """What the current terms would have charged on invoices already overdue, for the
    reminder stages their days overdue have passed, less what is on record. Nothing is
    written. Three queries whatever the count."""
    profile = profile_for(owner)
    invoices = (
        Invoice.objects.for_owner(owner)
        .with_paid()
        .overdue(as_of)
        .select_related("client")
        .order_by("due_on", "id")
    )
    if invoice_ids is not None:
        invoices = invoices.filter(pk__in=list(invoice_ids))
    policies = {
        invoice: fee_policy(invoice.client, profile, invoice.currency) for invoice in invoices
    }
    policies = {invoice: policy for invoice, policy in policies.items() if policy.enabled}
    charged = _charged_by_invoice(invoice.pk for invoice in policies)
    ladder = fee_ladder(profile)
    rows = []
    for invoice, policy in policies.items():
        days_overdue = (as_of - invoice.due_on).days
        lines = _lines_for(
            invoice,
            _stages_reached(days_overdue, profile),
            policy,
            charged.get(invoice.pk, []),
            as_of,
            ladder,
        )
        if lines:
            rows.append(BackfillRow(invoice, days_overdue, lines))
    return rows


@transaction.atomic
def fees_backfill_apply(
    *,
    owner: AbstractBaseUser,
    as_of: date,
    invoice_ids: Iterable[int],
    left_out_ids: Iterable[int] = (),
) -> list[LateFee]:
    """Store the previewed lines for the chosen invoices (worked out again, so what is
    stored is what the terms say now, never a stale page), and record the lines of the
    invoices shown but left unticked as left out, so no later reminder charges them.

    Returns the lines charged (not those left out)."""
    chosen = set(invoice_ids)
    left_out = set(left_out_ids) - chosen
    rows = fees_backfill_preview(owner=owner, as_of=as_of, invoice_ids=chosen | left_out)
    note = _("Left out when adding late fees to invoices already overdue.")
    charged, declined = [], []
    for row in rows:
        if row.invoice.pk in chosen:
            charged += _rows(row.invoice, row.lines, as_of)
        else:
            declined += _rows(row.invoice, row.lines, as_of, left_out_note=note)
    LateFee.objects.bulk_create(declined, ignore_conflicts=True)
    return LateFee.objects.bulk_create(charged, ignore_conflicts=True)


@transaction.atomic
def fee_waive(*, fee: LateFee, note: str, on: date | None = None) -> LateFee:
    note = note.strip()
    if not note:
        raise ValidationError({"waive_note": _("Say why you waive this fee.")})
    fee = LateFee.objects.select_for_update().get(pk=fee.pk)
    if fee.paid_on:
        raise ValidationError(_("This fee was paid; it cannot be waived."))
    if fee.waived_on:
        raise ValidationError(_("This fee is already waived."))
    fee.waived_on = on or timezone.localdate()
    fee.waive_note = note[:500]
    fee.save(update_fields=["waived_on", "waive_note"])
    return fee


@transaction.atomic
def fee_mark_paid(*, fee: LateFee, paid_on: date | None = None) -> LateFee:
    paid_on = paid_on or timezone.localdate()
    fee = LateFee.objects.select_for_update().get(pk=fee.pk)
    if fee.waived_on:
        raise ValidationError(_("This fee was waived; there is nothing to pay."))
    if errors := payment_date_errors(paid_on=paid_on, issued_on=None, today=timezone.localdate()):
        raise ValidationError(errors)
    if paid_on < fee.charged_on:
        raise ValidationError({"paid_on": _("The fee was charged later than that.")})
    fee.paid_on = paid_on
    fee.save(update_fields=["paid_on"])
    return fee


def waived_fee_counts(client_ids: Iterable[int]) -> dict[int, int]:
    """How many fees each client had waived: waiving again and again is a signal too."""
    return dict(
        LateFee.objects.filter(
            invoice__client__in=list(client_ids), waived_on__isnull=False, left_out=False
        )
        .values("invoice__client")
        .annotate(n=Count("id"))
        .values_list("invoice__client", "n")
    )


def charged_fees_for(invoices: Iterable[Invoice]) -> dict[int, list[LateFee]]:
    by_invoice: dict[int, list[LateFee]] = {}
    for fee in LateFee.objects.charged().filter(invoice__in=[i.pk for i in invoices]):
        by_invoice.setdefault(fee.invoice_id, []).append(fee)
    return by_invoice


def fees_with_stage(
    invoice: Invoice, stage: str, profile: Profile, *, balance: Decimal
) -> list[LateFee]:
    """The fees still owed on the invoice plus, unsaved, those `stage` would charge today."""
    on_record = list(invoice.fees.all())
    as_of = today_for(profile)
    lines = fees_due(
        fee_policy(invoice.client, profile, invoice.currency),
        stages=[stage],
        ladder=fee_ladder(profile),
        charged=[ChargedFee(f.kind, f.stage, f.period_end) for f in on_record],
        balance=max(balance, Decimal("0")),
        currency=invoice.currency,
        due_on=invoice.due_on,
        as_of=as_of,
    )
    return [f for f in on_record if f.is_charged] + _rows(invoice, lines, as_of)


def fee_label(fee: LateFee, language: str) -> str:
    """What a fee line says to the client, e.g. "Interest at 8% a year, 1 May to 31 May"."""
    with translation.override(language):
        if fee.kind == LateFee.Kind.INTEREST:
            return _("Interest at %(rate)s%% a year, %(start)s to %(end)s") % {
                "rate": format_decimal(fee.rate.normalize(), locale=language),
                "start": format_day(fee.period_start, language),
                "end": format_day(fee.period_end, language),
            }
        if fee.kind == LateFee.Kind.PERCENT:
            return _("Late fee of %(rate)s%% of the overdue balance") % {
                "rate": format_decimal(fee.rate.normalize(), locale=language)
            }
        return _("Late fee")
