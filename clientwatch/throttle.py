"""Rate limits for the forms anyone can post: logging in, signing up, password resets.

Logging in has two guards. django-axes locks a username from one address after a few wrong
passwords. Across addresses, `throttle_logins` counts a username's failures wherever they
come from and, past a free allowance, makes each next try wait a growing delay (capped at
a few minutes): a guesser spread over many addresses slows to a crawl, while nobody can
lock the real owner out for longer than that cap. Every 429 says when to come back
(Retry-After).

Signing up and password resets are not login attempts, but each POST makes an account or
sends an email, so each client address gets a small budget of POSTs per window, counted in
Django's cache.
"""

import hashlib
import math
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

WINDOW_SECONDS = 10 * 60


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's own, or with TRUSTED_PROXY_COUNT proxies in
    front, the one the outermost proxy saw (each proxy appends to X-Forwarded-For, so the
    entries a client wrote itself come before the trusted ones and are never read)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _count_post(scope: str, address: str, window_start: int) -> int:
    key = f"throttle:{scope}:{address}:{window_start}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def throttle_posts(scope: str, *, limit: int) -> Callable:
    """Allow `limit` POSTs per client address every ten minutes; past that, answer 429."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def throttled(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                now = int(time.time())
                window_start = now - now % WINDOW_SECONDS
                if _count_post(scope, client_ip(request), window_start) > limit:
                    return _too_many(request, window_start + WINDOW_SECONDS - now)
            return view(request, *args, **kwargs)

        return throttled

    return decorator


# Logging in: a username's failures from any address

LOGIN_FREE_FAILURES = 10  # wrong passwords for one username, from anywhere, before any delay
LOGIN_MAX_DELAY_SECONDS = 5 * 60
LOGIN_FAILURES_FORGOTTEN_AFTER = 24 * 60 * 60


def login_delay_seconds(failures: int) -> int:
    """1, 2, 4 ... seconds after each failure past the free allowance, capped."""
    if failures < LOGIN_FREE_FAILURES:
        return 0
    return min(2 ** (failures - LOGIN_FREE_FAILURES), LOGIN_MAX_DELAY_SECONDS)


def _too_many(request: HttpRequest, wait_seconds: float, *, login: bool = False) -> HttpResponse:
    wait = max(1, math.ceil(wait_seconds))
    context = {"minutes": max(1, round(wait / 60)), "login": login}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def throttle_logins(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def throttled(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = (
            request.POST.get("username", "").strip().lower() if request.method == "POST" else ""
        )
        if not username:
            return view(request, *args, **kwargs)
        key = "login-failures:" + hashlib.sha256(username.encode()).hexdigest()
        failures, last_failure = cache.get(key, (0, 0.0))
        wait = last_failure + login_delay_seconds(failures) - time.time()
        if wait > 0:
            return _too_many(request, wait, login=True)
        response = view(request, *args, **kwargs)
        if request.user.is_authenticated:
            cache.delete(key)
        elif response.status_code == 200:  # the form again: a wrong username or password
            cache.set(key, (failures + 1, time.time()), timeout=LOGIN_FAILURES_FORGOTTEN_AFTER)
        return response

    return throttled


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes' lock of one username from one address, with the time to wait."""
    from axes.helpers import get_cool_off, get_failure_limit  # axes loads after settings

    cool_off = get_cool_off(request)
    response = render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"failure_limit": get_failure_limit(request, credentials), "cooloff_timedelta": cool_off},
        status=429,
    )
    # Each try while locked starts the cool-off again, so the whole of it is what is left.
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
