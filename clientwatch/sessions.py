"""Login sessions an account can see and end: "sign out everywhere".

Sessions stay in the database (Django's default engine), in a table of our own
(clients.AccountSession) that also records whose session it is, the browser and address it
was last used from, and when. Listing an account's sessions is then one indexed query, and
ending one is deleting its row: the next request with that cookie loads no session and is
anonymous. The row is already read on every request, so "last seen" costs nothing to know;
it is written at most once a minute.
"""

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from clientwatch.throttle import client_ip

LAST_SEEN_EVERY = timedelta(minutes=1)


class SessionStore(DBStore):
    """Django's database store, on clients.AccountSession, remembering whose session it is."""

    last_seen: datetime | None = None

    @classmethod
    def get_model_class(cls):
        return apps.get_model("clients", "AccountSession")

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self.last_seen = row.last_seen if row is not None else None
        return row

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        row.user_id = int(user_id) if user_id and str(user_id).isdigit() else None
        return row

    def cycle_key(self):
        super().cycle_key()
        self.last_seen = None  # a new row: SessionSeenMiddleware records it on this response

    def save(self, must_create=False):
        if self.session_key is None or must_create:
            return super().save(must_create=must_create)
        # An update rewrites only the session's own columns, keeping what the middleware
        # recorded (browser, address, last seen) and when the row was made.
        row = self.create_model_instance(self._get_session())
        updated = (
            self.get_model_class()
            .objects.filter(session_key=row.session_key)
            .update(session_data=row.session_data, expire_date=row.expire_date, user=row.user_id)
        )
        if not updated:  # ended (signed out from elsewhere) during this request
            raise UpdateError


def session_id(session_key: str) -> str:
    """What pages and forms call a session: a hash, so the key itself never leaves its
    cookie."""
    return hashlib.sha256(f"session:{session_key}".encode()).hexdigest()[:32]


class SessionSeenMiddleware:
    """Records the browser, address and time of a logged-in session's use, at most once a
    minute (one UPDATE), so the Security page can show where each session was last seen."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if not isinstance(session, SessionStore) or user is None or not user.is_authenticated:
            return response
        if session.session_key and (
            session.last_seen is None or timezone.now() - session.last_seen >= LAST_SEEN_EVERY
        ):
            session_seen_record(request, user=user)
        return response


def _address(request: HttpRequest) -> str | None:
    """The client's address if it is one: a proxy's header could say anything, and the
    column (inet on PostgreSQL) takes only addresses."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def session_seen_record(request: HttpRequest, *, user) -> None:
    """Write down where and when this session was used (one UPDATE); at login too, so the
    list shows a new session's browser at once."""
    session = request.session
    if not isinstance(session, SessionStore) or not session.session_key:
        return
    now = timezone.now()
    SessionStore.get_model_class().objects.filter(session_key=session.session_key).update(
        user_id=user.pk,
        last_seen=now,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        address=_address(request),
    )
    session.last_seen = now


@dataclass(frozen=True)
class SessionRow:
    id: str
    device: str
    address: str
    last_seen: datetime | None
    current: bool


_BROWSERS = [  # order matters: Edge and Opera also say "Chrome", Chrome also says "Safari"
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
]
_SYSTEMS = [
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
]


def device_name(user_agent: str) -> str:
    """ "Firefox on Windows" from a User-Agent header; the header itself when unknown."""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or user_agent[:60]


def sessions_of(request: HttpRequest) -> list[SessionRow]:
    """This account's live sessions, most recently used first, the current one marked
    (one query)."""
    model = SessionStore.get_model_class()
    rows = model.objects.filter(user=request.user, expire_date__gt=timezone.now()).order_by(
        "-last_seen"
    )
    current = request.session.session_key
    return [
        SessionRow(
            id=session_id(row.session_key),
            device=device_name(row.user_agent),
            address=row.address or "",
            last_seen=row.last_seen,
            current=row.session_key == current,
        )
        for row in rows.only("session_key", "user_agent", "address", "last_seen")
    ]


def session_end(*, request: HttpRequest, session: str) -> bool:
    """Sign out one of this account's other sessions, named by its `session_id`."""
    model = SessionStore.get_model_class()
    keys = model.objects.filter(user=request.user).values_list("session_key", flat=True)
    for key in keys:
        if session_id(key) == session and key != request.session.session_key:
            return model.objects.filter(user=request.user, session_key=key).delete()[0] > 0
    return False


def sessions_end_others(*, request: HttpRequest) -> int:
    """Sign out everywhere but here."""
    model = SessionStore.get_model_class()
    others = model.objects.filter(user=request.user).exclude(
        session_key=request.session.session_key
    )
    return others.delete()[0]
