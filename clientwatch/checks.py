"""Whether a language we offer has its catalogue: told at start-up, and on the pages that
preview what a client will read, rather than finding out from an English email.

`language_translated` is the one test the preview pages use; `catalogues_check` is the
system check (`manage.py check`) for settings.LANGUAGES.
"""

import gettext
from functools import cache

from django.conf import settings
from django.core import checks
from django.utils import translation


@cache
def has_catalogue(language: str) -> bool:
    """A compiled catalogue (django.mo) for `language` in LOCALE_PATHS. English, the
    language of the source, needs none."""
    if language.split("-")[0] == "en":
        return True
    locale = translation.to_locale(language)
    return any(
        gettext.find("django", str(path), [locale]) is not None for path in settings.LOCALE_PATHS
    )


def language_translated(language: str, msgid: str | None = None) -> bool:
    """Whether a client reading `language` gets our words in it: its catalogue exists and,
    given a msgid of the text in question, translates that too."""
    if not has_catalogue(language):
        return False
    if msgid is None or language.split("-")[0] == "en":
        return True
    with translation.override(language):
        return translation.gettext(msgid) != msgid


@checks.register(checks.Tags.translation)
def catalogues_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A warning for each language in settings.LANGUAGES without a compiled catalogue:
    its clients would get everything in English."""
    has_catalogue.cache_clear()  # the check runs after makemessages/compilemessages too
    return [
        checks.Warning(
            f"No compiled translation catalogue for {code!r} ({name}): its clients will "
            "read English.",
            hint="Add locale/<language>/LC_MESSAGES/django.po, translate it and run "
            "`make messages` (see docs/translations.md).",
            id="clientwatch.W001",
        )
        for code, name in settings.LANGUAGES
        if not has_catalogue(code)
    ]
