"""Our date formats per language, over Django's (settings.FORMAT_MODULE_PATH).

Pages write a day as `|date:"SHORT_DATE_FORMAT"`, never a fixed pattern: "j M Y" took the
month from Django's three-letter abbreviations, and Finnish abbreviates marraskuu
(November) as "mar", so 20 November read "20 Mar 2026". Each language here writes the day
as Babel's medium date does for it (20 Nov 2026, 20.11.2026), and DATE_FORMAT as its long
date (November 20, 2026, 20. marraskuuta 2026).
"""

from django.utils.translation import gettext_noop

# Django's own three-letter month names (the "M" and "b" of a date format), where its
# catalogues differ from Babel's and from how the language abbreviates: Finnish "mar" was
# November. Our catalogues, which Django reads first, give them; listed here so that
# makemessages keeps them.
MONTH_ABBREVIATIONS = (
    gettext_noop("jan"),
    gettext_noop("feb"),
    gettext_noop("mar"),
    gettext_noop("apr"),
    gettext_noop("may"),
    gettext_noop("jun"),
    gettext_noop("jul"),
    gettext_noop("aug"),
    gettext_noop("sep"),
    gettext_noop("oct"),
    gettext_noop("nov"),
    gettext_noop("dec"),
)
# And the months in full ("F"), which Django has no Frisian for.
MONTH_NAMES = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
