"""Create the demo freelancer with a year of realistic clients (see clients/demo.py)."""

import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from clients.demo import DEFAULT_PASSWORD, DEFAULT_USERNAME, DemoRefused, demo_seed


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-03-31") from error


class Command(BaseCommand):
    help = (
        "Create a demo freelancer with twelve clients and a year of invoices, payments, "
        "incidents and work, dated relative to today. Leaves an existing demo user alone "
        "unless --reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEFAULT_USERNAME)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--as-of",
            type=iso_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="Date the demo data is relative to (default: today).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo user and all their data first, then create them again.",
        )

    def handle(self, *args, username, password, as_of, reset, **options):
        try:
            result = demo_seed(username=username, password=password, as_of=as_of, reset=reset)
        except DemoRefused as error:
            raise CommandError(str(error)) from error

        if not result.created:
            self.stdout.write(
                f'Demo user "{username}" already exists; nothing changed. '
                "Run with --reset to delete and recreate it."
            )
            self.stdout.write(f'Login: username "{username}" (password unchanged).')
            return

        if result.reset:
            self.stdout.write(
                self.style.WARNING(f'Reset: deleted demo user "{username}" and all their data.')
            )
        counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f'Created demo user "{username}" as of {result.as_of}: {counts}.')
        )
        for client, spec in result.clients:
            self.stdout.write(
                f"  {spec.verdict:<5}  {client.name} ({client.company}): {spec.shows}"
            )
        self.stdout.write(f'Login: username "{username}", password "{password}".')
