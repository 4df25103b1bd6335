"""The freelancer's own wording, one text per kind and client language.

Kinds: the payment instructions printed on reminders, statements and reports; the own
words of each reminder stage (nudge, work paused, final notice), which replace the stage's
default paragraph; and the own words of each farewell-letter tone, which replace the tone's
closing sentence ("This has crossed a line ..." or "I wish you ... every success.").

Fallback (docs/domain.md: what a client receives is entirely in the client's language):
a text is used only in the language it was written in. When there is no text in the client's
language, own words fall back to the default wording, translated like the rest of the email
or letter; payment instructions fall back to none at all. Another language's text is never
put into a client's mail: an English IBAN paragraph inside a Malay reminder reads as a
mistake, and the freelancer cannot check wording in a language they may not read. Instead
the freelancer is told, on the reminder preview and on the settings page, which client
languages will get no payment instructions (`payment_instructions_missing`), with a link to
add them.

Reads cost one query per freelancer (`wording_book`); the daily reminder batch prefetches
the texts with the profiles (`WORDING_PREFETCH`), so a batch costs one query for them
whatever the number of reminders.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Prefetch

from clients.models import WORDING_LIMITS, Client, Profile, Wording

Kind = Wording.Kind
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# Reminder stages and farewell tones by their values ("nudge", "direct"): the invoices
# app and the exit workflow sit above this one, so their enums are not imported here.
REMINDER_KINDS = {
    "nudge": Kind.REMINDER_NUDGE,
    "paused": Kind.REMINDER_PAUSED,
    "final": Kind.REMINDER_FINAL,
}
FAREWELL_KINDS = {"direct": Kind.FAREWELL_DIRECT, "vague": Kind.FAREWELL_VAGUE}
# On the profiles of a batch: `profile.user.wording_rows`, read by `wording_book_for`.
WORDING_PREFETCH = Prefetch("user__wordings", to_attr="wording_rows")


def wording_limit(kind: str) -> int:
    return WORDING_LIMITS.get(kind, 2000)


@dataclass(frozen=True, slots=True)
class WordingBook:
    """One freelancer's texts, by (kind, language)."""

    texts: dict[tuple[str, str], str] = field(default_factory=dict)

    def text(self, kind: str, language: str) -> str:
        """The text in exactly this language, or "" (never another language's)."""
        return self.texts.get((kind, language), "")

    def languages(self, kind: str) -> set[str]:
        return {language for (k, language) in self.texts if k == kind}


def _book(rows: Iterable[Wording]) -> WordingBook:
    return WordingBook({(row.kind, row.language): row.text for row in rows})


def wording_book(owner_id: int) -> WordingBook:
    """All of one freelancer's texts: one query."""
    return _book(Wording.objects.filter(owner_id=owner_id))


def wording_book_for(profile: Profile) -> WordingBook:
    """The profile owner's texts, from `WORDING_PREFETCH` when the profile came with it."""
    if Profile.user.is_cached(profile):
        rows = getattr(profile.user, "wording_rows", None)
        if rows is not None:
            return _book(rows)
    return wording_book(profile.user_id)


def wording_text(*, owner_id: int, kind: str, language: str) -> str:
    """The text of this kind in exactly this language, or "": one query."""
    return (
        Wording.objects.filter(owner_id=owner_id, kind=kind, language=language)
        .values_list("text", flat=True)
        .first()
        or ""
    )


@transaction.atomic
def wording_save(*, owner: AbstractBaseUser, kind: str, language: str, text: str) -> Wording | None:
    """Store the text; an empty one resets to the default (deletes the row)."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        wording_reset(owner=owner, kind=kind, language=language)
        return None
    wording = Wording.objects.filter(owner=owner, kind=kind, language=language).first()
    if wording is None:
        wording = Wording(owner=owner, kind=kind, language=language)
    wording.text = text
    wording.full_clean()
    wording.save()
    return wording


@transaction.atomic
def wording_reset(*, owner: AbstractBaseUser, kind: str, language: str) -> None:
    """Back to the default wording (for payment instructions: none) in this language."""
    Wording.objects.filter(owner=owner, kind=kind, language=language).delete()


def payment_instructions_missing(
    *, owner: AbstractBaseUser, languages: Iterable[str] | None = None
) -> list[str]:
    """The client languages whose clients will get no payment instructions, in
    settings.LANGUAGES order: of `languages`, or else of the freelancer's active clients.

    Empty while the freelancer has none in any language: then nothing is missing in one
    language more than another, and the settings page does not nag. Two queries at most.
    """
    have = set(
        Wording.objects.filter(owner=owner, kind=Kind.PAYMENT_INSTRUCTIONS).values_list(
            "language", flat=True
        )
    )
    if not have:
        return []
    if languages is None:
        languages = (
            Client.objects.for_owner(owner)
            .active()
            .order_by()
            .values_list("language", flat=True)
            .distinct()
        )
    wanted = set(languages)
    return [code for code in LANGUAGES if code in wanted and code not in have]
