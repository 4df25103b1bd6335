"""Writes for bank statements: keep an upload for its preview, record the confirmed
matches as payments through the invoices' own payment service, once."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientwatch.celery import enqueue_after_commit
from clientwatch.formatting import active_locale, format_money
from invoices.bank.credits import Credit, Statement, credit_keys, parse_amount
from invoices.bank.matching import Matched, OpenInvoice, allocation_problems, match_credits
from invoices.bank.models import BankCredit, BankImport
from invoices.models import Invoice
from invoices.services import payment_record

# Long enough to read a preview over a coffee; after that, the file is uploaded again.
PREVIEW_LIFETIME = timedelta(hours=2)
PROGRESS_EVERY = 50  # credits between two progress notes of a background apply


def progress_key(bank_import_pk: int) -> str:
    # Progress goes through the cache: the payments are written in one transaction,
    # whose row updates no other connection sees before it commits.
    return f"bank-import-progress:{bank_import_pk}"


def open_invoices(owner: AbstractBaseUser) -> list[OpenInvoice]:
    """The owner's open invoices as the matcher reads them: one query."""
    rows = (
        Invoice.objects.for_owner(owner)
        .with_paid()
        .open()
        .values_list(
            "pk",
            "number",
            "client_id",
            "client__name",
            "currency",
            "issued_on",
            "amount",
            "paid_total",
        )
    )
    return [
        OpenInvoice(pk, number, client_pk, name, currency, issued_on, amount - paid)
        for pk, number, client_pk, name, currency, issued_on, amount, paid in rows
    ]


def recorded_keys(owner: AbstractBaseUser, keys: Sequence[str]) -> set[str]:
    return set(
        BankCredit.objects.for_owner(owner).filter(key__in=list(keys)).values_list("key", flat=True)
    )


def stored_credits(statement: Statement) -> list[dict[str, str]]:
    keys = credit_keys(statement.credits, source=statement.format)
    ordered = sorted(zip(statement.credits, keys, strict=True), key=lambda pair: pair[0].date)
    return [{**credit.as_json(), "key": key} for credit, key in ordered]


@transaction.atomic
def bank_import_create(
    *,
    owner: AbstractBaseUser,
    filename: str,
    source: str,
    statement: Statement | None = None,
    table: Mapping[str, Any] | None = None,
) -> BankImport:
    """Keep an upload: its credits for the preview, or a plain CSV's table until its
    columns are named."""
    now = timezone.now()
    # Old previews go when a new one comes: nothing reads them once expired.
    BankImport.objects.for_owner(owner).filter(
        expires_at__lte=now, state__in=[BankImport.State.COLUMNS, BankImport.State.PREVIEW]
    ).delete()
    bank_import = BankImport(
        owner=owner,
        token=secrets.token_urlsafe(16),
        filename=filename[:200],
        source=source,
        expires_at=now + PREVIEW_LIFETIME,
    )
    if statement is None:
        bank_import.state = BankImport.State.COLUMNS
        bank_import.table = dict(table or {})
    else:
        bank_import.credits = stored_credits(statement)
        bank_import.debits = statement.debits
    bank_import.full_clean()
    bank_import.save()
    return bank_import


@transaction.atomic
def bank_import_columns_set(*, bank_import: BankImport, statement: Statement) -> BankImport:
    """A plain CSV read with the columns the freelancer named: on to the preview."""
    BankImport.objects.filter(pk=bank_import.pk, state=BankImport.State.COLUMNS).update(
        state=BankImport.State.PREVIEW,
        table={},
        credits=stored_credits(statement),
        debits=statement.debits,
    )
    bank_import.refresh_from_db()
    return bank_import


def credits_of(bank_import: BankImport) -> list[Credit]:
    return [Credit.from_json(data) for data in bank_import.credits]


@dataclass
class Preview:
    matched: list[Matched]  # by credit index; credits already recorded left unmatched
    recorded: set[int]  # indexes of credits already recorded by an earlier import
    invoices: dict[int, OpenInvoice]

    @property
    def proposed(self) -> dict[int, list[tuple[int, Decimal]]]:
        """The proposed allocation of each credit that has one: {index: [(pk, amount)]}."""
        found = {}
        for index, one in enumerate(self.matched):
            if index not in self.recorded and one.proposed is not None:
                found[index] = [(a.invoice.pk, a.amount) for a in one.proposed.allocations]
        return found


def bank_preview(*, owner: AbstractBaseUser, bank_import: BankImport) -> Preview:
    """Suggestions for each credit not recorded before: two queries, however many."""
    credits = credits_of(bank_import)
    keys = [data["key"] for data in bank_import.credits]
    recorded_now = recorded_keys(owner, keys)
    recorded = {i for i, key in enumerate(keys) if key in recorded_now}
    invoices = open_invoices(owner)
    pending = [c for i, c in enumerate(credits) if i not in recorded]
    # The credits are stored in date order, which the matcher keeps.
    found = iter(match_credits(pending, invoices))
    matched = [
        Matched(credit, ()) if i in recorded else next(found) for i, credit in enumerate(credits)
    ]
    return Preview(matched, recorded, {inv.pk: inv for inv in invoices})


def _money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, active_locale())


def _credit_label(index: int, credit: Credit) -> str:
    return _("Payment %(n)d (%(date)s, %(amount)s)") % {
        "n": index + 1,
        "date": credit.date.isoformat(),
        "amount": _money(credit.amount, credit.currency),
    }


def allocations_read(
    *, preview: Preview, credits: Sequence[Credit], chosen: Mapping[int, list[tuple[str, str]]]
) -> dict[int, list[tuple[int, Decimal]]]:
    """The freelancer's allocation ({index: [(invoice number, amount text)]}) checked
    against the credits and what each invoice still owes; raises ValidationError naming
    each payment and line that is wrong."""
    by_number = {inv.number.casefold(): inv for inv in preview.invoices.values()}
    owed = {pk: inv.outstanding for pk, inv in preview.invoices.items()}
    problems: list[str] = []
    allocations: dict[int, list[tuple[int, Decimal]]] = {}
    for index in sorted(chosen):
        if index >= len(credits) or index in preview.recorded:
            continue
        credit = credits[index]
        label = _credit_label(index, credit)
        lines: list[tuple[OpenInvoice, Decimal]] = []
        for number, raw_amount in chosen[index]:
            if not number.strip() and not raw_amount.strip():
                continue
            invoice = by_number.get(number.strip().casefold())
            amount = parse_amount(raw_amount) if raw_amount.strip() else None
            if invoice is None:
                problems.append(
                    _("%(payment)s: no open invoice numbered “%(number)s”.")
                    % {"payment": label, "number": number.strip()[:50]}
                )
                continue
            if amount is None:
                problems.append(
                    _("%(payment)s, %(number)s: “%(amount)s” is not an amount.")
                    % {"payment": label, "number": invoice.number, "amount": raw_amount[:40]}
                )
                continue
            lines.append((invoice, amount))
        for problem in allocation_problems(credit, lines, owed):
            problems.append(f"{label}: {_problem_text(problem, credit)}")
        if lines:
            allocations[index] = [(invoice.pk, amount) for invoice, amount in lines]
            for invoice, amount in lines:
                owed[invoice.pk] = owed[invoice.pk] - amount
    if problems:
        raise ValidationError(problems)
    return allocations


def _problem_text(problem: tuple[str, str], credit: Credit) -> str:
    code, number = problem
    texts = {
        "over_credit": _("together more than the %(amount)s received."),
        "not_positive": _("%(number)s: the amount must be more than zero."),
        "currency": _("%(number)s is in another currency than the payment."),
        "before_issue": _("%(number)s was issued after this payment arrived."),
        "over_owed": _("%(number)s: more than it still owes."),
    }
    return texts[code] % {"number": number, "amount": _money(credit.amount, credit.currency)}


def bank_import_confirm(
    *,
    owner: AbstractBaseUser,
    token: str,
    chosen: Mapping[int, list[tuple[str, str]]] | None,
) -> BankImport | None:
    """Record the confirmed matches of a previewed statement, once.

    `chosen` is the freelancer's allocation; None takes the proposed matches (a large
    statement, previewed as a summary, and the command line). A large statement is
    handed to a worker; a small one is recorded now. Either way in one transaction:
    a problem anywhere raises ValidationError and records nothing.
    """
    with transaction.atomic():
        bank_import = (
            BankImport.objects.for_owner(owner)
            .select_for_update()
            .filter(token=token, expires_at__gt=timezone.now())
            .first()
        )
        if bank_import is None or bank_import.state != BankImport.State.PREVIEW:
            return bank_import  # none such, or confirmed already: its outcome stands
        credits = credits_of(bank_import)
        preview = bank_preview(owner=owner, bank_import=bank_import)
        if chosen is None:
            allocations = preview.proposed
        else:
            allocations = allocations_read(preview=preview, credits=credits, chosen=chosen)
        skipped = len(preview.recorded)
        background = len(credits) > settings.BANK_BACKGROUND_FROM_CREDITS
        if background:
            from invoices.bank.tasks import run_bank_import  # the task module imports this one

            BankImport.objects.filter(pk=bank_import.pk).update(
                state=BankImport.State.PENDING,
                allocations=[
                    [i, [[pk, str(amount)] for pk, amount in lines]]
                    for i, lines in sorted(allocations.items())
                ],
                total=len(allocations),
                result={"already": skipped},
            )
            enqueue_after_commit(run_bank_import, bank_import.pk)
        else:
            result = payments_record(
                owner=owner, bank_import=bank_import, credits=credits, allocations=allocations
            )
            BankImport.objects.filter(pk=bank_import.pk).update(
                state=BankImport.State.DONE,
                result={**result, "already": skipped},
                credits=[],
                finished_at=timezone.now(),
            )
    bank_import.refresh_from_db()
    return bank_import


def payments_record(
    *,
    owner: AbstractBaseUser,
    bank_import: BankImport,
    credits: Sequence[Credit],
    allocations: Mapping[int, Sequence[tuple[int, Decimal]]],
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """One payment per allocated invoice, dated the day the bank booked the money, and
    the credit kept under its key. Call inside a transaction: payment_record's checks
    (no over-payment, no date in the future) refuse the whole statement, not a part."""
    invoices = Invoice.objects.for_owner(owner).in_bulk(
        {pk for lines in allocations.values() for pk, _amount in lines}
    )
    keys = [data["key"] for data in bank_import.credits]
    payments = 0
    for done, index in enumerate(sorted(allocations), start=1):
        credit = credits[index]
        bank_credit = BankCredit(
            owner=owner,
            key=keys[index],
            source=bank_import.source,
            booked_on=credit.date,
            amount=credit.amount,
            currency=credit.currency,
            reference=credit.reference,
            counterparty=credit.counterparty,
        )
        bank_credit.full_clean(validate_unique=False)  # the unique index decides races
        bank_credit.save()
        note = " · ".join(filter(None, [credit.counterparty, credit.reference]))[:200]
        for pk, amount in allocations[index]:
            invoice = invoices.get(pk)
            if invoice is None:
                raise ValidationError(_("An invoice in this statement's matches was deleted."))
            try:
                payment = payment_record(
                    invoice=invoice, paid_on=credit.date, amount=amount, note=note
                )
            except ValidationError as error:
                raise ValidationError(
                    [
                        f"{_credit_label(index, credit)}, {invoice.number}: {m}"
                        for m in error.messages
                    ]
                ) from error
            bank_credit.payments.add(payment)
            payments += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    return {"credits": len(allocations), "payments": payments}


def progress_note(bank_import_pk: int, done: int) -> None:
    cache.set(progress_key(bank_import_pk), done, timeout=3600)


def progress_read(bank_import: BankImport) -> int:
    if bank_import.state != BankImport.State.RUNNING:
        return bank_import.done
    return int(cache.get(progress_key(bank_import.pk)) or 0)
