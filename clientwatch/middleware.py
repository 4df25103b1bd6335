"""Each request in the logged-in freelancer's own time zone, at no extra query.

Two halves: the login backend loads the freelancer's profile in the same query as the
user (a join), and the middleware activates the zone stored there. Reading the zone
from the database on each request keeps it right at once when it changes anywhere (the
settings page, an import in a worker, the admin), which a copy in the session would not.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from clientwatch.dates import zone_for


class ProfileBackend(ModelBackend):
    """Django's username and password login; a logged-in user comes with their profile."""

    def get_user(self, user_id: Any) -> Any:
        user = (
            get_user_model()._default_manager.select_related("profile").filter(pk=user_id).first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None


class FreelancerZoneMiddleware:
    """After AuthenticationMiddleware: `timezone.localdate()`, `localtime()`, date defaults
    and `{{ value|date }}` / `{% now %}` read in the freelancer's zone for the whole request;
    anonymous pages stay in UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            try:
                profile = user.profile  # loaded with the user by ProfileBackend: no query
            except ObjectDoesNotExist:
                profile = None  # no settings saved yet: UTC
            timezone.activate(zone_for(profile))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # a worker thread's next request starts from UTC
