"""Import clients and their history from a JSON backup (docs/data-format.md) or from another
tool's CSV export (Toggl Track, Clockify, Harvest, Kimai, Invoice Ninja, FreshBooks, Zoho
Invoice, Wave, Invoice2go, Invoicely), with the same preview and checks as the pages."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients.backup import BackupInvalid, backup_import, backup_parse
from clients.import_previews import tool_context, tool_document
from clients.imports import mapping, text
from clients.imports.reading import TOOLS, FileInvalid, read_file
from clientwatch.dates import zone_active

FORMATS = ("auto", "backup", *TOOLS)
CHOICE_WORDS = {"new": mapping.NEW, "skip": mapping.SKIP}


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, answer = value.rpartition("=")
        if not sep or not name:
            raise CommandError(f'{option} takes "name in the file=answer", not {value!r}')
        pairs[name] = answer
    return pairs


class Command(BaseCommand):
    help = (
        "Import into one freelancer's account: a JSON backup, or the CSV export of another "
        "tool (recognised from its header, or named with --format). The whole file is checked "
        "first: any problem and nothing is written. Importing the same file twice changes "
        "nothing. --dry-run prints what the import would do."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file, or - for standard input")
        parser.add_argument("--user", required=True, help="the freelancer's username")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="auto",
            help="the file's format; by default a JSON backup or a tool recognised by its header",
        )
        tools = parser.add_argument_group("another tool's export")
        tools.add_argument(
            "--client",
            action="append",
            default=[],
            metavar="NAME=REF|new|skip",
            help="which of your clients (by ref) a name in the file is, or a new client, or "
            "skip its rows; by default the client of that name, else a new one",
        )
        tools.add_argument(
            "--email",
            action="append",
            default=[],
            metavar="NAME=EMAIL",
            help="the email address of a new client",
        )
        tools.add_argument(
            "--date-order", choices=(text.DMY, text.MDY), help="dates day first or month first"
        )
        tools.add_argument("--currency", help="for invoices the file gives no currency for")
        tools.add_argument(
            "--due-days",
            type=int,
            help="days from issue to due for invoices without a due date (default: each "
            "client's payment terms)",
        )
        tools.add_argument(
            "--paid-on",
            choices=(mapping.PAID_ON_DUE, mapping.PAID_ON_ISSUED, mapping.PAID_ON_NONE),
            default=mapping.PAID_ON_DUE,
            help="when paid invoices without a payment date were paid (default: due)",
        )

    def handle(self, *args, file, user, dry_run, **options):
        User = get_user_model()
        try:
            owner = User.objects.get(**{User.USERNAME_FIELD: user})
        except User.DoesNotExist:
            raise CommandError(f"No freelancer with username {user!r}.") from None
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from error

        kind = options["format"]
        if kind == "auto":
            kind = "backup" if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else None
        # Dates are judged ("not in the future") on the freelancer's calendar, not UTC's.
        self.origins: dict[str, int] = {}
        with zone_active(owner):
            if kind == "backup":
                document = self.parse(lambda: backup_parse(raw), file)
            else:
                document = self.tool_document(owner, raw, file, kind, options)
            result = self.parse(
                lambda: backup_import(owner=owner, document=document, dry_run=dry_run), file
            )

        if dry_run:
            self.stdout.write(f"Dry run: {file} is valid; importing it for {user} would give:")
        elif result.changed:
            self.stdout.write(self.style.SUCCESS(f"Imported {file} for {user}:"))
        else:
            self.stdout.write(f"Nothing to change: everything in {file} is already there.")
        for kind_name, tally in result.tallies().items():
            self.stdout.write(f"  {kind_name.replace('_', ' ')}: {tally}")

    def parse(self, read, file):
        try:
            return read()
        except (BackupInvalid, FileInvalid) as invalid:
            # An export's problems found by the import checks, named by the file's rows.
            self.refuse(file, mapping.explain(invalid.problems, self.origins))

    def refuse(self, file, problems):
        count = len(problems)
        raise CommandError(
            f"Nothing was imported: {count} problem{'s' if count != 1 else ''} in {file}:\n"
            + "\n".join(problems)
        ) from None

    def tool_document(self, owner, raw, file, tool, options):
        source = self.parse(lambda: read_file(raw, filename=file, tool=tool), file)
        names, _known, defaults = tool_context(owner)
        choices = mapping.default_choices(source, names, defaults["currency"])
        for name, answer in _pairs(options["client"], "--client").items():
            if name not in choices.clients:
                raise CommandError(f"--client: no client {name!r} in {file}")
            answer = CHOICE_WORDS.get(answer, answer)
            if answer not in (mapping.NEW, mapping.SKIP) and answer not in names:
                raise CommandError(f"--client: you have no client with ref {answer!r}")
            choices.clients[name] = answer
        choices.emails |= _pairs(options["email"], "--email")
        if options["date_order"]:
            choices.date_order = options["date_order"]
        if options["currency"]:
            choices.currency = options["currency"].upper()
        choices.due_days = options["due_days"]
        choices.paid_on = options["paid_on"]
        built = tool_document(owner=owner, source=source, choices=choices)
        if built.problems:
            self.refuse(file, [f"{p} (see --help)" for p in built.problems])
        self.stdout.write(f"{file}: {source.label}, {source.rows} rows.")
        for name in source.names():
            choice = choices.clients[name]
            if choice == mapping.SKIP:
                self.stdout.write(f"  {name!r}: skipped")
            elif choice == mapping.NEW:
                self.stdout.write(f"  {name!r}: new client {built.new_refs[name]!r}")
            else:
                self.stdout.write(f"  {name!r}: your client {choice!r}")
        for row, reason, params in built.skipped:
            self.stdout.write(f"  row {row} left out: {mapping.why(reason, params)}")
        self.origins = built.origins
        return built.document
