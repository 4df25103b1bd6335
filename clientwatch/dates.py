"""Which day it is for a freelancer, and in which zone their times read.

The server keeps UTC (settings.TIME_ZONE); a freelancer's day is their own: in
Kiritimati it is already tomorrow at noon UTC, in Pago Pago still yesterday. Every
"today" (what is overdue, what a form defaults to, the date on a report) and every time
shown to them comes from here or from the zone activated with it:

- in a request, FreelancerZoneMiddleware activates the logged-in freelancer's zone, so
  `timezone.localdate()`, model defaults and `{{ value|date }}` are theirs;
- outside one (tasks, commands), code for a freelancer takes `today_for(...)` and passes
  it down as `as_of`/`today`, and renders what they read under `zone_active(...)`.

Imports no app: a profile is anything with a `time_zone`, an owner a user with a
`profile` relation.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

UTC = ZoneInfo("UTC")


def zone_named(name: str | None) -> ZoneInfo:
    """The zone of that name; a name that is empty or unknown here (a typo kept from an
    import, a zone the system's tz database lacks) falls back to UTC rather than breaking
    every page."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return UTC


def _zone_name(owner_or_profile: Any) -> str | None:
    if owner_or_profile is None:
        return None
    if hasattr(owner_or_profile, "time_zone"):
        return owner_or_profile.time_zone
    # A user: the zone as stored now. Not `user.profile`, which may be a copy cached on
    # the user from before a change (the one that created the profile keeps it).
    profiles = owner_or_profile._meta.get_field("profile").related_model._default_manager
    return profiles.filter(user=owner_or_profile).values_list("time_zone", flat=True).first()


def zone_for(owner_or_profile: Any) -> ZoneInfo:
    """The freelancer's zone, from their profile (or, one query, their user's); none
    saved yet is the default, UTC."""
    return zone_named(_zone_name(owner_or_profile))


def local_now(zone: tzinfo, now: datetime | None = None) -> datetime:
    """`now` (by default this moment) as the clock on the wall in `zone` shows it."""
    return (now or timezone.now()).astimezone(zone)


def today_for(owner_or_profile: Any, *, now: datetime | None = None) -> date:
    """The freelancer's date at `now` (by default this moment), in their own zone."""
    return local_now(zone_for(owner_or_profile), now).date()


@contextmanager
def zone_active(owner_or_profile: Any) -> Iterator[ZoneInfo]:
    """Make the freelancer's zone the current one for the block: what a task renders or
    validates for them (times in an email or a PDF, "not in the future" checks, date
    defaults) then reads as their pages do. Also usable as a decorator."""
    zone = owner_or_profile if isinstance(owner_or_profile, tzinfo) else zone_for(owner_or_profile)
    with timezone.override(zone):
        yield zone
