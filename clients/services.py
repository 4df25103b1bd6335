"""Writes for clients, their work logs and managed accounts. Views call these, never .save()."""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from clients.models import AccountItem, Client, ExchangeRate, Profile, WorkLog
from clientwatch.services import model_save, stored_files_delete
from redflags.assess import client_score_refresh, scores_refresh
from redflags.models import Incident


def profile_for(user: AbstractBaseUser) -> Profile:
    return Profile.objects.for_user(user)


@transaction.atomic
def profile_update(*, profile: Profile, fields: Mapping[str, Any]) -> Profile:
    model_save(profile, fields)
    # The target rate and rule tuning change every client's score.
    scores_refresh(profile.user)
    return profile


def client_ref_suggest(*, owner: AbstractBaseUser, name: str) -> str:
    """A free `ref` derived from the name: acme, acme-2, acme-3 ..."""
    base = slugify(name)[:34] or "client"
    taken = set(
        Client.objects.for_owner(owner).filter(ref__startswith=base).values_list("ref", flat=True)
    )
    ref, n = base, 1
    while ref in taken:
        n += 1
        ref = f"{base}-{n}"
    return ref


@transaction.atomic
def client_create(*, owner: AbstractBaseUser, fields: Mapping[str, Any]) -> Client:
    fields = dict(fields)
    if not fields.get("ref"):
        fields["ref"] = client_ref_suggest(owner=owner, name=fields.get("name", ""))
    client = model_save(Client(owner=owner), fields)
    client_score_refresh(client)
    return client


@transaction.atomic
def client_update(*, client: Client, fields: Mapping[str, Any]) -> Client:
    model_save(client, fields)
    client_score_refresh(client)
    return client


@transaction.atomic
def client_delete(*, client: Client) -> None:
    stored_files_delete(
        [
            *Incident.objects.filter(client=client)
            .exclude(evidence_file="")
            .values_list("evidence_file", flat=True),
            *client.reports.exclude(pdf="").values_list("pdf", flat=True),
        ]
    )
    client.delete()


@transaction.atomic
def work_log_add(*, client: Client, fields: Mapping[str, Any]) -> WorkLog:
    work_log = model_save(WorkLog(client=client), fields)
    client_score_refresh(client)
    return work_log


@transaction.atomic
def work_log_update(*, work_log: WorkLog, fields: Mapping[str, Any]) -> WorkLog:
    model_save(work_log, fields)
    client_score_refresh(work_log.client)
    return work_log


@transaction.atomic
def work_log_delete(*, work_log: WorkLog) -> None:
    client = work_log.client
    work_log.delete()
    client_score_refresh(client)


@transaction.atomic
def account_item_add(*, client: Client, fields: Mapping[str, Any]) -> AccountItem:
    return account_item_update(account_item=AccountItem(client=client), fields=fields)


@transaction.atomic
def account_item_update(*, account_item: AccountItem, fields: Mapping[str, Any]) -> AccountItem:
    fields = dict(fields)
    # Remember when access went back, the exit report dates it.
    if fields.get("handed_over") and not account_item.handed_over_on:
        fields["handed_over_on"] = timezone.localdate()
    elif fields.get("handed_over") is False:
        fields["handed_over_on"] = None
    return model_save(account_item, fields)


@transaction.atomic
def account_item_delete(*, account_item: AccountItem) -> None:
    account_item.delete()


@transaction.atomic
def exchange_rate_add(*, owner: AbstractBaseUser, fields: Mapping[str, Any]) -> ExchangeRate:
    """One rate by hand. A rate for the same two currencies the other way round on the same
    day would contradict it: the freelancer keeps one of the two."""
    rate = ExchangeRate(owner=owner)
    for name, value in fields.items():
        setattr(rate, name, value)
    rate.full_clean()
    if (
        ExchangeRate.objects.for_owner(owner)
        .filter(base=rate.quote, quote=rate.base, on=rate.on)
        .exists()
    ):
        raise ValidationError(
            _(
                "You already have a rate from %(quote)s to %(base)s on this day, which says "
                "the same the other way round: delete it first."
            )
            % {"quote": rate.quote, "base": rate.base},
            code="inverse_exists",
        )
    rate.save()
    scores_refresh(owner)  # shares of income and effort compare through the rates
    return rate


@transaction.atomic
def exchange_rate_delete(*, rate: ExchangeRate) -> None:
    owner = rate.owner
    rate.delete()
    scores_refresh(owner)


@transaction.atomic
def exchange_rates_delete_pair(*, owner: AbstractBaseUser, base: str, quote: str) -> int:
    deleted, _count = ExchangeRate.objects.for_owner(owner).filter(base=base, quote=quote).delete()
    scores_refresh(owner)
    return deleted


@transaction.atomic
def exchange_rates_import(
    *, owner: AbstractBaseUser, rows: Iterable[tuple[str, str, date, Decimal]]
) -> int:
    """Rates from a reference-rate file, all at once: a day already stored for a pair takes
    the file's rate, so importing the same file twice changes nothing."""
    batch = [
        ExchangeRate(owner=owner, base=base, quote=quote, on=on, rate=rate)
        for base, quote, on, rate in rows
    ]
    ExchangeRate.objects.bulk_create(
        batch,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["owner", "base", "quote", "on"],
        update_fields=["rate"],
    )
    scores_refresh(owner)
    return len(batch)
