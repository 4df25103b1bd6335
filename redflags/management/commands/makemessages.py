"""makemessages that also finds the rules engine's msgids (redflags/rules/wording.py).

The engine imports nothing from Django, so it marks its texts with plain functions of its
own: `gettext_noop` (a name xgettext already knows), `fill` for a sentence with {gaps},
and `ngettext_noop` for a sentence with a singular and a plural.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [
        *makemessages.Command.xgettext_options,
        "--keyword=fill",
        "--keyword=ngettext_noop:1,2",
    ]
