"""Account-level pages: signing up, the freelancer's settings, the development mailbox."""

from email import policy
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clients.services import profile_for, profile_update
from clientwatch.forms import ProfileForm, SignupForm


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            profile_for(user)
        login(request, user)
        messages.success(request, _("Welcome to ClientWatch. Start by adding your first client."))
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile_settings(request: HttpRequest) -> HttpResponse:
    profile = profile_for(request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(profile=profile, fields=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("profile_settings")
    return render(request, "clientwatch/settings.html", {"form": form})


def _mail_files() -> list[Path]:
    folder = Path(settings.MAIL_DIR)
    return sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)


@login_required
@require_GET
def dev_mail(request: HttpRequest) -> HttpResponse:
    """Development only: the mail the file backend wrote, newest first."""
    if not settings.DEBUG or "filebased" not in settings.EMAIL_BACKEND:
        raise Http404
    parser = BytesParser(policy=policy.default)
    mails = []
    for path in _mail_files()[:200]:
        # The file backend appends several messages per file, separated by a line of dashes.
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                msg = parser.parsebytes(raw.strip())
                mails.append({"file": path.name, "subject": msg["subject"], "to": msg["to"],
                              "date": msg["date"]})
    return render(request, "clientwatch/dev_mail.html", {"mails": mails})


@login_required
@require_GET
def dev_mail_message(request: HttpRequest, name: str) -> HttpResponse:
    if not settings.DEBUG or "filebased" not in settings.EMAIL_BACKEND:
        raise Http404
    path = next((p for p in _mail_files() if p.name == name), None)
    if path is None:
        raise Http404
    return HttpResponse(path.read_bytes(), content_type="text/plain; charset=utf-8")
