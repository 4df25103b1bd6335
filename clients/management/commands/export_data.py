"""Export everything of one freelancer as JSON (the format of docs/data-format.md)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients.backup import backup_dumps, backup_export


class Command(BaseCommand):
    help = (
        "Write all of a freelancer's clients, invoices, payments, incidents, work logs, "
        "accounts and settings as JSON: a backup that import_data reads back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="the freelancer's username")
        parser.add_argument(
            "--out", default="-", help="the file to write (default: standard output)"
        )

    def handle(self, *args, user, out, **options):
        User = get_user_model()
        try:
            owner = User.objects.get(**{User.USERNAME_FIELD: user})
        except User.DoesNotExist:
            raise CommandError(f"No freelancer with username {user!r}.") from None

        document = backup_export(owner=owner)
        text = backup_dumps(document) + "\n"
        if out == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror or error}") from error
        # A note, not an error: stderr keeps stdout clean for pipes, unstyled.
        self.stderr.write(
            f"Exported {len(document['clients'])} clients of {user} to {out}.",
            style_func=lambda message: message,
        )
