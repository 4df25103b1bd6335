"""Letting a client go, professionally (DOMAIN.md): when, with what words, what is handed back."""

import calendar
from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import AccountItem, Client, Profile
from clients.wording import FAREWELL_KINDS, wording_text
from clientwatch.formatting import active_locale, format_day
from redflags.assess import client_score_refresh
from redflags.rules.wording import farewell_reason

LETTER_MAX = 10_000


class Tone(models.TextChoices):
    VAGUE = "vague", gettext_lazy("Vague: I can no longer keep up with your account")
    DIRECT = "direct", gettext_lazy("Direct: this crossed a line")


class When(models.TextChoices):
    NOW = "now", gettext_lazy("Immediately")
    END_OF_MONTH = "end_of_month", gettext_lazy("At the end of this month")
    END_OF_NEXT_MONTH = "end_of_next_month", gettext_lazy("At the end of next month (won't renew)")
    DATE = "date", gettext_lazy("On a date")


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def exit_date(when: When, *, today: date, on: date | None = None) -> date:
    if when == When.NOW:
        return today
    if when == When.END_OF_MONTH:
        return _month_end(today)
    if when == When.END_OF_NEXT_MONTH:
        return _month_end(_month_end(today) + timedelta(days=1))
    if on is None:
        raise ValidationError({"end_on": _("Pick the last day of working together.")})
    return on


def _on_page(day: date) -> str:
    """A day in an error on the freelancer's page, in the page's language."""
    return format_day(day, active_locale(), "medium")


def farewell_reasons(rules: Iterable[str]) -> list[str]:
    """What the letter tells the client about these reasons (rule ids), in the active
    language: each said once, in the order given; reasons it has no words for are left out."""
    sentences: list[str] = []
    for rule in rules:
        msgid = farewell_reason(rule)
        if msgid is not None and (sentence := _(msgid)) not in sentences:
            sentences.append(sentence)
    return sentences


def farewell_draft(
    *, client: Client, profile: Profile, tone: Tone, reasons: Iterable[str], end_on: date
) -> str:
    """A first draft of the farewell letter, in the client's language where one exists.

    `reasons` are rule ids: the letter lists what it says to the client about each, never
    the dashboard's titles."""
    context = {
        "client": client,
        "end_on": format_day(end_on, client.language),
        "freelancer_name": profile.signature,
        # In place of the tone's closing sentence; only a text in the client's language.
        "own_words": wording_text(
            owner_id=profile.user_id, kind=FAREWELL_KINDS[tone], language=client.language
        ),
    }
    with translation.override(client.language):
        context["reasons"] = farewell_reasons(reasons)
        text = render_to_string(f"clients/exit/letter_{tone}.txt", context)
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


@transaction.atomic
def client_drop(
    *,
    client: Client,
    reason: str,
    end_on: date,
    letter: str,
    handed_over: Iterable[int] = (),
    keep_reminders_for_owed: bool = True,
    today: date,
) -> Client:
    """End the relationship: dated, with the reason and the letter kept, accounts ticked off."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    errors: dict[str, str] = {}
    if client.status == Client.Status.DROPPED:
        raise ValidationError(
            _("This client was already dropped on %(day)s.") % {"day": _on_page(client.dropped_on)}
        )
    last_invoice = client.invoices.aggregate(last=Max("issued_on"))["last"]
    if end_on < client.started_on:
        errors["end_on"] = _("The end cannot be before the relationship started (%(day)s).") % {
            "day": _on_page(client.started_on)
        }
    elif end_on < today and last_invoice and end_on < last_invoice:
        errors["end_on"] = _(
            "That date is in the past and before the last invoice (%(day)s); pick a later one."
        ) % {"day": _on_page(last_invoice)}
    if not letter.strip():
        errors["letter"] = _("Write the farewell letter (or keep the draft).")
    elif len(letter) > LETTER_MAX:
        errors["letter"] = _("Keep the letter under %(max)s characters.") % {
            "max": f"{LETTER_MAX:,}"
        }
    if len(reason) > 4000:
        errors["reason"] = _("Keep the reason under 4,000 characters.")
    if errors:
        raise ValidationError(errors)

    ids = list(handed_over)
    AccountItem.objects.filter(client=client, pk__in=ids, handed_over=False).update(
        handed_over=True, handed_over_on=today
    )
    client.status = Client.Status.DROPPED
    client.ended_on = end_on
    client.dropped_on = today
    client.drop_reason = reason.strip()
    client.farewell_letter = letter.strip()
    if not keep_reminders_for_owed:
        client.reminders_enabled = False
    client.full_clean()
    client.save()
    client_score_refresh(client)
    return client
