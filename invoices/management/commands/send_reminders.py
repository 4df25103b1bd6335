from datetime import date
from functools import partial

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients.models import Profile
from clientwatch.dates import zone_active
from invoices import reminders
from redflags.assess import today_for


class Command(BaseCommand):
    help = "Send the payment reminders that are due, now (the daily job, for cron users)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", type=date.fromisoformat, help="judge as on this day (YYYY-MM-DD)"
        )
        parser.add_argument("--user", help="only this freelancer (username)")
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would go out, send nothing"
        )

    def handle(self, *args, as_of, user, dry_run, **options):
        users = (
            get_user_model().objects.filter(pk__in=Profile.objects.values("user_id")).order_by("pk")
        )
        if user:
            users = users.filter(username=user)
            if not users.exists():
                raise CommandError(f"No freelancer with username {user!r}.")
        totals: dict[str, int] = {}
        failed: list[str] = []
        # Read up front, not through a cursor: a connection lost during one freelancer's run
        # is replaced, and the next freelancers still follow.
        for owner in list(users):
            day = as_of or today_for(owner)
            if dry_run:
                for due in reminders.reminders_due(owner=owner, as_of=day):
                    invoice = due.invoice
                    self.stdout.write(
                        f"{owner.username}: {invoice.client.name} <{invoice.client.email}> "
                        f"invoice {invoice.number}, {due.days_overdue} days overdue: "
                        f"{due.stage.label}"
                    )
                continue
            # One freelancer's broken data or a lost connection stops only their run.
            with zone_active(owner):
                counts = reminders.freelancer_run_alone(
                    owner=owner,
                    part="reminders",
                    run=partial(reminders.freelancer_reminders_run, owner=owner, as_of=day),
                )
            if counts is None:
                failed.append(owner.username)
                continue
            reminders.daily_run_failure_clear(owner=owner, parts=["reminders"])
            for key, count in counts.items():
                totals[key] = totals.get(key, 0) + count
        if not dry_run:
            summary = (
                ", ".join(f"{key}: {count}" for key, count in sorted(totals.items()))
                or "nothing due"
            )
            self.stdout.write(self.style.SUCCESS(f"Reminders: {summary}"))
            if failed:
                # Reported, not raised: the others' reminders went out, and cron should not
                # mail a traceback every day for one freelancer's data.
                self.stdout.write(
                    self.style.WARNING(f"Stopped by an error, noted for them: {', '.join(failed)}")
                )
