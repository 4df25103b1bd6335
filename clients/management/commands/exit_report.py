from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients.models import Client
from clients.reports import report_pdf


class Command(BaseCommand):
    help = "Render a client's exit report as PDF (a preview, whether the client is dropped or not)."

    def add_arguments(self, parser):
        parser.add_argument("client_ref", help="the client's reference")
        parser.add_argument("--user", required=True, help="the freelancer's username")
        parser.add_argument("--out", required=True, type=Path, help="where to write the PDF")
        parser.add_argument(
            "--internal", action="store_true", help="the internal record, with the incident log"
        )

    def handle(self, *args, client_ref, user, out, internal, **options):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No freelancer with username {user!r}.")
        client = Client.objects.for_owner(owner).filter(ref=client_ref).first()
        if client is None:
            raise CommandError(f"{user} has no client with reference {client_ref!r}.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        data = report_pdf(client, internal=internal)
        out.write_bytes(data)
        kind = "internal record" if internal else "handover report"
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote the {kind} for {client.name} to {out} ({len(data):,} bytes)."
            )
        )
