"""When the automatic mail goes out: the hour of the daily reminder run, and when a
freelancer's next reminder run and next digest are due.

Beat dispatches at the top of every UTC hour (clientwatch/settings.py); each freelancer's
reminders go once their local REMINDER_HOUR has come, their digest once their own digest
hour has. The two are independent: a digest set for 06:00 does not send clients
reminders at dawn, and one set for 20:00 does not hold them back all day.

Plain functions over datetimes and zones: no database.
"""

from datetime import date, datetime, timedelta, tzinfo

# Local time, on the freelancer's clock: the start of a working morning, when a client
# reads a reminder beside the rest of their mail rather than overnight.
REMINDER_HOUR = 9


def part_due(local: datetime, hour: int, done_on: date | None) -> bool:
    """Whether a daily part (the reminders, the digest) is to run at `local`: its hour has
    come, and it has not run for that local day yet."""
    return local.hour >= hour and (done_on is None or done_on < local.date())


def next_run(now: datetime, zone: tzinfo, hour: int, done_on: date | None) -> datetime:
    """The dispatch (top of a UTC hour, from `now` on) at which that part next runs."""
    moment = now.replace(minute=0, second=0, microsecond=0)
    if moment < now:
        moment += timedelta(hours=1)
    for _hours in range(24 * 3):  # within two local days, whatever the zone's offset
        if part_due(moment.astimezone(zone), hour, done_on):
            return moment
        moment += timedelta(hours=1)
    raise ValueError(f"no hour {hour} within three days")  # an hour above 23
