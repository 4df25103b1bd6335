from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.models import Profile
from clientwatch.dates import zone_active
from invoices.bank.credits import StatementInvalid
from invoices.bank.formats import NAMES, plain_csv, statement_open, statement_read
from invoices.bank.models import BankImport
from invoices.bank.services import bank_import_confirm, bank_import_create, bank_preview


class Command(BaseCommand):
    help = (
        "Read a bank statement (CAMT.053, OFX, MT940, CSV, Stripe, PayPal) for a freelancer "
        "and record its proposed matches as payments; --dry-run lists them only."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", required=True, help="the freelancer's username")
        parser.add_argument("--dry-run", action="store_true", help="list the matches, save nothing")
        parser.add_argument(
            "--date-format", default="", choices=["", "iso", "dmy_dot", "dmy_slash", "mdy_slash"]
        )
        parser.add_argument(
            "--columns",
            help="a plain CSV's columns by header name: date,amount,description[,currency]",
        )

    def handle(self, *args, path, user, dry_run, date_format, columns, **options):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No freelancer with username {user!r}.")
        profile = Profile.objects.for_user(owner)
        try:
            opened = statement_open(path.read_bytes())
            mapping = None
            if opened.format == plain_csv.FORMAT:
                mapping = self.mapping(opened.table, columns)
            statement = statement_read(
                opened, default_currency=profile.currency, date_format=date_format, mapping=mapping
            )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except StatementInvalid as invalid:
            raise CommandError(
                "\n".join(["The file was not imported:", *invalid.problems])
            ) from invalid
        with zone_active(owner):
            bank_import = bank_import_create(
                owner=owner, filename=path.name, source=opened.format, statement=statement
            )
            preview = bank_preview(owner=owner, bank_import=bank_import)
            proposed = preview.proposed
            self.stdout.write(
                f"{NAMES[opened.format]}: {len(statement.credits)} credits, "
                f"{statement.debits} debits left out, {len(preview.recorded)} recorded before, "
                f"{len(proposed)} matched."
            )
            for index, lines in sorted(proposed.items()):
                credit = preview.matched[index].credit
                paid = ", ".join(f"{preview.invoices[pk].number} {amount}" for pk, amount in lines)
                self.stdout.write(f"  {credit.date} {credit.amount} {credit.currency}: {paid}")
            if dry_run:
                BankImport.objects.filter(pk=bank_import.pk).delete()
                self.stdout.write("Dry run: nothing saved.")
                return
            try:
                done = bank_import_confirm(owner=owner, token=bank_import.token, chosen=None)
            except ValidationError as invalid:
                raise CommandError(
                    "\n".join(["Nothing was recorded:", *invalid.messages])
                ) from invalid
        if done is not None and done.state == BankImport.State.PENDING:
            self.stdout.write(f"Queued for a worker ({done.total} credits).")
        elif done is not None:
            self.stdout.write(f"Recorded {done.result.get('payments', 0)} payments.")

    def mapping(self, table, columns: str | None) -> plain_csv.Mapping:
        guess = plain_csv.mapping_guess(table)
        if columns:
            names = [name.strip() for name in columns.split(",")]
            roles = ["date", "amount", "description", "currency"][: len(names)]
            guess = {role: table.column(name) for role, name in zip(roles, names, strict=False)}
            guess.setdefault("counterparty", None)
            guess.setdefault("currency", None)
        missing = [role for role in plain_csv.REQUIRED_ROLES if guess.get(role) is None]
        if missing:
            raise CommandError(
                f"Say which columns hold the {', '.join(missing)} with --columns "
                f"(the file's columns: {', '.join(table.header)})."
            )
        return plain_csv.Mapping(**guess)
