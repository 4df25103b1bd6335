"""Account-level pages: signing up, the freelancer's settings, the development mailbox."""

from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.services import profile_for, profile_update
from clientwatch.forms import ProfileForm, RuleSettingsForm, SignupForm
from invoices.reminders import daily_run_failure_for
from redflags.assess import rule_settings_for


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                profile_for(user)
        except IntegrityError:
            # The same username or email signed up a moment ago: the form's checks, run
            # again now, name which (the database's unique indexes decided the race).
            form = SignupForm(request.POST)
            form.is_valid()
            if not form.errors:
                form.add_error(None, _("This account was just created. Log in instead."))
            return render(request, "registration/signup.html", {"form": form}, status=422)
        # Several auth backends (django-axes first): name the one that knows this user.
        login(request, user, backend="clientwatch.middleware.ProfileBackend")
        messages.success(request, _("Welcome to ClientWatch. Start by adding your first client."))
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile_settings(request: HttpRequest) -> HttpResponse:
    profile = profile_for(request.user)
    rules_form = RuleSettingsForm(current=rule_settings_for(profile))
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(profile=profile, fields=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("profile_settings")
    context = {"form": form, "rules_form": rules_form}
    context["run_failure"] = daily_run_failure_for(request.user)
    return render(request, "clientwatch/settings.html", context)


@login_required
@require_POST
def rule_settings(request: HttpRequest) -> HttpResponse:
    """The rules' weights and thresholds; "restore defaults" clears every override."""
    profile = profile_for(request.user)
    if "restore_defaults" in request.POST:
        profile_update(profile=profile, fields={"rule_overrides": {}})
        messages.success(request, _("Rule weights restored to their defaults."))
        return redirect("profile_settings")
    rules_form = RuleSettingsForm(request.POST, current=rule_settings_for(profile))
    if rules_form.is_valid():
        profile_update(profile=profile, fields={"rule_overrides": rules_form.overrides()})
        messages.success(request, _("Rule weights saved; every client was scored again."))
        return redirect("profile_settings")
    form = ProfileForm(instance=profile)
    return render(
        request, "clientwatch/settings.html", {"form": form, "rules_form": rules_form}, status=422
    )


def _mail_files() -> list[Path]:
    folder = Path(settings.MAIL_DIR)
    return sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)


def _addresses(msg) -> set[str]:
    """Every address the message is to, or asks replies to, compared whole: "ce@example.test"
    must not read the mail of "alice@example.test"."""
    headers = [str(value) for h in ("To", "Cc", "Reply-To", "Bcc") for value in msg.get_all(h, [])]
    return {address.lower() for _name, address in getaddresses(headers) if address}


def _mails_for(email: str) -> list[dict]:
    """Messages the file backend wrote that this freelancer sent (Reply-To) or received."""
    parser = BytesParser(policy=policy.default)
    found = []
    for path in _mail_files()[:500]:
        # The file backend appends messages to one file per connection, each followed by
        # a line of 79 dashes.
        for index, raw in enumerate(path.read_bytes().split(b"-" * 79)):
            if not raw.strip():
                continue
            msg = parser.parsebytes(raw.strip())
            if email and email.lower() in _addresses(msg):
                found.append(
                    {
                        "file": path.name,
                        "index": index,
                        "message": msg,
                        "subject": msg["subject"],
                        "to": msg["to"],
                        "date": msg["date"],
                    }
                )
    return found


def _dev_mail_enabled() -> None:
    if not settings.DEBUG or "filebased" not in settings.EMAIL_BACKEND:
        raise Http404


@login_required
@require_GET
def dev_mail(request: HttpRequest) -> HttpResponse:
    """Development only: the mail written to var/mail that concerns you, newest first."""
    _dev_mail_enabled()
    return render(request, "clientwatch/dev_mail.html", {"mails": _mails_for(request.user.email)})


@login_required
@require_GET
def dev_mail_message(request: HttpRequest, name: str, index: int) -> HttpResponse:
    _dev_mail_enabled()
    for mail in _mails_for(request.user.email):
        if mail["file"] == name and mail["index"] == index:
            return HttpResponse(
                mail["message"].as_bytes(), content_type="text/plain; charset=utf-8"
            )
    raise Http404
