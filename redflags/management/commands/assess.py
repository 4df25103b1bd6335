"""Print the assessment of every client of one freelancer, worst first."""

import json
import re
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients.models import Client
from redflags.assess import assess_clients, today_for
from redflags.rules import Assessment, Verdict

# Worst first: the verdict, then immediate red flags (no relationship survives them, whatever
# the score), then the score.
VERDICT_ORDER = {Verdict.FIRE: 0, Verdict.WATCH: 1, Verdict.KEEP: 2}


class Command(BaseCommand):
    help = (
        "Score every client of a freelancer (keep, watch or fire) with the reasons, worst "
        "first. Read-only: stored scores are not touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="the freelancer's username")
        parser.add_argument(
            "--as-of", metavar="YYYY-MM-DD", help="judge as on this day (default: their today)"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print JSON instead of a table"
        )

    def handle(self, *args, user, as_of, as_json, **options):
        User = get_user_model()
        try:
            owner = User.objects.get(**{User.USERNAME_FIELD: user})
        except User.DoesNotExist:
            raise CommandError(f"No freelancer with username {user!r}.") from None
        day = parse_day(as_of) if as_of is not None else today_for(owner)

        results = assess_clients(owner, as_of=day)
        clients = sorted(
            Client.objects.for_owner(owner).filter(pk__in=list(results)),
            key=lambda client: worst_first(results[client.pk], client),
        )
        if as_json:
            self.stdout.write(json_report(clients, results))
        else:
            self.stdout.write(table_report(clients, results, user, day))


def parse_day(value: str) -> date:
    # Parsed here, not by argparse, so a bad date is a CommandError in every caller.
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CommandError(f"--as-of {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-31.")


def worst_first(result: Assessment, client: Client) -> tuple:
    return (
        VERDICT_ORDER[result.verdict],
        not result.red_flag,
        result.score,
        client.name.casefold(),
        client.ref,
    )


def json_report(clients: list[Client], results: dict[int, Assessment]) -> str:
    rows = [
        {"ref": client.ref, "name": client.name, "status": client.status}
        | results[client.pk].to_dict()
        | {"red_flag": results[client.pk].red_flag}
        for client in clients
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def table_report(
    clients: list[Client], results: dict[int, Assessment], user: str, day: date
) -> str:
    if not clients:
        return f"{user} has no clients."
    header = ("VERDICT", "SCORE", "REF", "NAME", "TOP REASON")
    rows = []
    for client in clients:
        result = results[client.pk]
        top = result.top_reason
        reason = "" if top is None else f"{top.title} (-{top.points})"
        if result.red_flag:
            reason = f"RED FLAG: {reason}"
        rows.append((result.verdict.value, str(result.score), client.ref, client.name, reason))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = [f"Assessment of {user}'s {len(clients)} clients as of {day}, worst first:", ""]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)
