"""Import clients and their history from a JSON file (the format of docs/data-format.md)."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients.backup import BackupInvalid, backup_import, backup_parse
from clientwatch.dates import zone_active


class Command(BaseCommand):
    help = (
        "Import clients, invoices, payments, incidents, work logs and accounts from a JSON "
        "file into one freelancer's account. The whole file is checked first: any problem and "
        "nothing is written. Importing the same file twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSON file, or - for standard input")
        parser.add_argument("--user", required=True, help="the freelancer's username")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
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

        try:
            # Dates are judged ("not in the future") on the freelancer's calendar, not UTC's.
            with zone_active(owner):
                result = backup_import(owner=owner, document=backup_parse(raw), dry_run=dry_run)
        except BackupInvalid as invalid:
            count = len(invalid.problems)
            raise CommandError(
                f"Nothing was imported: {count} problem{'s' if count != 1 else ''} in {file}:\n"
                + "\n".join(invalid.problems)
            ) from None

        if dry_run:
            self.stdout.write(f"Dry run: {file} is valid; importing it for {user} would give:")
        elif result.changed:
            self.stdout.write(self.style.SUCCESS(f"Imported {file} for {user}:"))
        else:
            self.stdout.write(f"Nothing to change: everything in {file} is already there.")
        for kind, tally in result.tallies().items():
            self.stdout.write(f"  {kind.replace('_', ' ')}: {tally}")
