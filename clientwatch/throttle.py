"""Rate limits for the forms anyone can post: signing up and asking for a password reset.

Logging in is throttled by django-axes (wrong passwords per username and address). These
two forms are not login attempts, but each POST makes an account or sends an email, so each
client address gets a small budget of POSTs per window, counted in Django's cache.
"""

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
                    wait = window_start + WINDOW_SECONDS - now
                    response = render(
                        request, "429.html", {"minutes": max(1, round(wait / 60))}, status=429
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return throttled

    return decorator
