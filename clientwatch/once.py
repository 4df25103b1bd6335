"""Saving a form once, and the same ending for every create and edit view.

A create form carries a one-time token (a hidden field, made when the blank form is
rendered, signed for the freelancer who sees it). Saving the form stores the token in
the same transaction as the write, so a second submission of the same form (a double
click, two tabs, a request resent by a flaky connection) cannot write again: it finds
the token and is sent to what the first submission made. The database's unique index
on (owner, token) decides when both arrive at once.

`form_save` is the one place that runs a form's write: the token, the service call,
the service's ValidationError shown on the form, and a unique key taken a moment ago
by another request (an IntegrityError) shown as the form's own error, not a 500.

Core module: imports no app at import time (the token model lives in `clients`).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

FIELD = "once"
# A token older than this is refused, and stored tokens older than this are deleted:
# a form left open for a week is submitted again from a fresh copy.
KEPT_FOR = timedelta(days=7)
_SALT = "clientwatch.once"


def _token_model() -> Any:
    return apps.get_model("clients", "FormToken")


def token_make(*, owner: Any) -> str:
    """A fresh token for one rendering of a create form, good for `owner` only."""
    return signing.TimestampSigner(salt=_SALT).sign(f"{owner.pk}.{secrets.token_urlsafe(16)}")


def token_nonce(value: Any, *, owner: Any) -> str | None:
    """The token's random part if `value` is a token made for `owner` within the past
    week; None when it is missing, malformed, forged, expired or someone else's."""
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        payload = signing.TimestampSigner(salt=_SALT).unsign(
            value, max_age=KEPT_FOR.total_seconds()
        )
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    owner_pk, _dot, nonce = payload.partition(".")
    if owner_pk != str(owner.pk) or not nonce:
        return None
    return nonce


def token_for_form(form: Any, *, owner: Any) -> str:
    """The token a rendered form carries: a rejected submission keeps the one it was
    posted with (nothing was saved under it), anything else gets a fresh one."""
    if getattr(form, "is_bound", False):
        posted = form.data.get(FIELD)
        if token_nonce(posted, owner=owner):
            return posted
    return token_make(owner=owner)


def _first_result(owner: Any, nonce: str) -> str | None:
    row = _token_model().objects.for_owner(owner).filter(token=nonce).first()
    return None if row is None else row.result or "/"


def tokens_clean_up(*, owner: Any) -> None:
    """Forget this freelancer's tokens older than a week (no such token is accepted)."""
    _token_model().objects.for_owner(owner).filter(
        created_at__lt=timezone.now() - KEPT_FOR
    ).delete()


def service_error_show(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _go_to(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


@dataclass(frozen=True)
class Saved:
    """What `form_save` did: `ok` with the write's `value`; or `repeat`, the answer to a
    form already saved once; or neither, with the errors on the form (or in `error`
    when there is no form)."""

    ok: bool
    value: Any = None
    repeat: HttpResponse | None = None
    error: str | None = None


def already_saved(request: HttpRequest) -> HttpResponse | None:
    """The answer to a submission whose token was used already: a redirect to what the
    first one made. None for a token not used yet (or no valid token)."""
    nonce = token_nonce(request.POST.get(FIELD), owner=request.user)
    if nonce is not None and (first := _first_result(request.user, nonce)) is not None:
        return _repeat(request, first)
    return None


def form_save(
    request: HttpRequest,
    form: forms.BaseForm | None,
    write: Callable[[], Any],
    *,
    once: Callable[[Any], str] | None = None,
) -> Saved:
    """Validate `form` and run `write()` (a service call) if it is valid.

    With `once` (given what `write` returned, the URL of what it made), the form's
    one-time token is checked and stored with the write: a token already used answers
    with a redirect to the first result, and a missing or forged one is a form error.
    `form` is None for a confirm button that posts only its token.
    """
    owner = request.user
    nonce = None
    if once is not None:
        if (repeat := already_saved(request)) is not None:
            return Saved(ok=False, repeat=repeat)
        nonce = token_nonce(request.POST.get(FIELD), owner=owner)
    if form is not None and not form.is_valid():
        return Saved(ok=False)
    if once is not None and nonce is None:
        return _not_saved(
            form,
            _(
                "This form has expired or was not made for your account. "
                "Check it and submit it again."
            ),
        )
    try:
        with transaction.atomic():
            if nonce is not None:
                tokens_clean_up(owner=owner)
                # First, so a second submission of this form waits here for the first
                # to finish, then fails on the unique index without writing anything.
                token = _token_model().objects.create(owner=owner, token=nonce)
            value = write()
            if nonce is not None:
                token.result = once(value)
                token.save(update_fields=["result"])
    except ValidationError as exc:
        if form is None:
            return Saved(ok=False, error=" ".join(exc.messages))
        service_error_show(form, exc)
        return Saved(ok=False)
    except IntegrityError:
        if (repeat := already_saved(request)) is not None:
            return Saved(ok=False, repeat=repeat)
        # Another request took a unique key (a client ref, an invoice number) between
        # this form's checks and its insert: the checks, run again, now say which.
        if form is not None:
            form.full_clean()
        if form is None or form.is_valid():
            return _not_saved(
                form, _("Something here was saved a moment ago. Check it and submit again.")
            )
        return Saved(ok=False)
    return Saved(ok=True, value=value)


def _not_saved(form: forms.BaseForm | None, error: str) -> Saved:
    if form is not None:
        form.add_error(None, error)
    return Saved(ok=False, error=error)


def _repeat(request: HttpRequest, url: str) -> HttpResponse:
    messages.info(request, _("This was already saved."))
    return _go_to(request, url)
