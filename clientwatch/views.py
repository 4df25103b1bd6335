"""Account-level pages: signing up, the freelancer's settings, the development mailbox."""

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path, PurePath
from typing import Any

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import Profile
from clients.rate_forms import ExchangeRateForm, RateFileForm
from clients.selectors import exchange_rate_pairs, exchange_rates_recent
from clients.services import profile_for, profile_update
from clients.wording import Kind, payment_instructions_missing, wording_save
from clientwatch import security
from clientwatch.forms import OnboardingForm, ProfileForm, RuleSettingsForm, SignupForm
from invoices.late_fees import flat_fee_gaps
from invoices.reminders import daily_run_failure_for
from invoices.schedule import REMINDER_HOUR
from invoices.selectors import next_mail_for
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
        security.verification_mail(request, user)
        return redirect("onboarding")
    return render(request, "registration/signup.html", {"form": form})


def _settings_context(request: HttpRequest, form, rules_form, **rates) -> dict:
    return {
        "form": form,
        "rules_form": rules_form,
        # The exchange rates kept (clients.rate_views answers their forms).
        "rate_pairs": exchange_rate_pairs(owner=request.user),
        "recent_rates": exchange_rates_recent(owner=request.user),
        "rate_form": rates.get("rate_form") or ExchangeRateForm(),
        "rate_file_form": rates.get("rate_file_form") or RateFileForm(),
        "rate_problems": rates.get("rate_problems", []),
        # Client languages whose emails will go out without payment instructions.
        "payment_missing": [
            (code, translation.get_language_info(code)["name_translated"])
            for code in payment_instructions_missing(owner=request.user)
        ],
        # Currencies billed in that have no flat late fee of their own.
        "flat_fee_gaps": flat_fee_gaps(owner=request.user, profile=form.instance),
        # The last daily run that failed for this freelancer, until one goes through.
        "run_failure": daily_run_failure_for(request.user),
        "next_mail": next_mail_for(form.instance),
        "reminder_hour": f"{REMINDER_HOUR:02d}:00",
    }


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Show the next pages in the freelancer's language, as the language menu would."""
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _profile_save(profile: Profile, fields: dict, *, logo_before: str) -> None:
    """Write through the service; a logo replaced or cleared leaves storage once the
    change has committed (files are no part of the transaction)."""
    profile_update(profile=profile, fields=fields)
    if logo_before and profile.logo.name != logo_before:
        storage = profile.logo.storage
        transaction.on_commit(lambda: storage.delete(logo_before))


@transaction.atomic
def _onboarding_save(profile: Profile, form: OnboardingForm, *, logo_before: str) -> None:
    _profile_save(profile, form.profile_fields(), logo_before=logo_before)
    # Blank is "not now", not "delete the ones I have".
    if text := form.cleaned_data["payment_instructions"]:
        wording_save(
            owner=profile.user,
            kind=Kind.PAYMENT_INSTRUCTIONS,
            language=profile.language,
            text=text,
        )


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    """Right after sign-up: who the clients hear from, and how they pay. "Later" skips it;
    everything is in the settings too."""
    profile = profile_for(request.user)
    welcome = _("Welcome to ClientWatch. Start by adding your first client.")
    if request.method == "POST" and "later" in request.POST:
        messages.success(request, welcome)
        return redirect("dashboard")
    language = translation.get_language() or settings.LANGUAGE_CODE
    form = OnboardingForm(
        request.POST or None, request.FILES or None, instance=profile, language=language
    )
    if request.method == "POST":
        logo_before = profile.logo.name  # validating the form sets the upload on the profile
        if form.is_valid():
            try:
                _onboarding_save(profile, form, logo_before=logo_before)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, welcome)
                return _remember_language(redirect("dashboard"), profile.language)
        return render(request, "registration/onboarding.html", {"form": form}, status=422)
    return render(request, "registration/onboarding.html", {"form": form})


def settings_page(request: HttpRequest, *, status: int = 200, **rates) -> HttpResponse:
    """The settings page as it stands, with a rate form that did not go through."""
    profile = profile_for(request.user)
    context = _settings_context(
        request,
        ProfileForm(instance=profile),
        RuleSettingsForm(current=rule_settings_for(profile)),
        **rates,
    )
    return render(request, "clientwatch/settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile_settings(request: HttpRequest) -> HttpResponse:
    profile = profile_for(request.user)
    rules_form = RuleSettingsForm(current=rule_settings_for(profile))
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    # Validating the form sets its values on the profile: note what they were.
    language_before, logo_before = profile.language, profile.logo.name
    if request.method == "POST" and form.is_valid():
        try:
            _profile_save(profile, form.profile_fields(), logo_before=logo_before)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Settings saved."))
            response = redirect("profile_settings")
            if profile.language != language_before:
                _remember_language(response, profile.language)
            return response
    return render(
        request, "clientwatch/settings.html", _settings_context(request, form, rules_form)
    )


_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg"}


@login_required
@require_GET
def profile_logo(request: HttpRequest) -> FileResponse:
    """The logged-in freelancer's own logo (the settings page shows it); there is no way
    to ask for anyone else's."""
    logo = profile_for(request.user).logo
    if not logo:
        raise Http404("No logo.")
    try:
        handle = logo.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The logo is missing from storage.") from exc
    # Only PNG and JPEG are ever stored (checked by content on upload).
    content_type = _LOGO_TYPES.get(PurePath(logo.name).suffix, "application/octet-stream")
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-cache"
    return response


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
        request,
        "clientwatch/settings.html",
        _settings_context(request, form, rules_form),
        status=422,
    )


def _mail_files() -> list[Path]:
    folder = Path(settings.MAIL_DIR)
    return sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)


def _addresses(msg) -> set[str]:
    """Every address the message is to, or asks replies to, compared whole: "ce@example.test"
    must not read the mail of "alice@example.test"."""
    headers = [str(value) for h in ("To", "Cc", "Reply-To", "Bcc") for value in msg.get_all(h, [])]
    return {address.lower() for _name, address in getaddresses(headers) if address}


def _mails_for(*emails: str) -> list[dict]:
    """Messages the file backend wrote that this freelancer sent (Reply-To) or received."""
    emails = tuple(email.lower() for email in emails if email)
    parser = BytesParser(policy=policy.default)
    found = []
    for path in _mail_files()[:500]:
        # The file backend appends messages to one file per connection, each followed by
        # a line of 79 dashes.
        for index, raw in enumerate(path.read_bytes().split(b"-" * 79)):
            if not raw.strip():
                continue
            msg = parser.parsebytes(raw.strip())
            if not _addresses(msg).isdisjoint(emails):
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
    mails = _mails_for(request.user.email, profile_for(request.user).reply_to_email)
    return render(request, "clientwatch/dev_mail.html", {"mails": mails})


def _dev_mail_found(request: HttpRequest, name: str, index: int) -> EmailMessage:
    """The message, if it is one of this freelancer's; else 404."""
    _dev_mail_enabled()
    for mail in _mails_for(request.user.email, profile_for(request.user).reply_to_email):
        if mail["file"] == name and mail["index"] == index:
            return mail["message"]
    raise Http404


def _mail_parts(msg: EmailMessage) -> dict[str, Any]:
    """What a reader looks at: the headers, the text and HTML bodies, the attachments."""
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    attachments = []
    for number, part in enumerate(msg.walk()):
        if part.is_multipart() or part in (text, html):
            continue
        if part.get_content_disposition() != "attachment" and not part.get_filename():
            continue
        payload = part.get_payload(decode=True) or b""
        attachments.append(
            {
                "number": number,
                "name": _attachment_name(part, number),
                "type": part.get_content_type(),
                "size": len(payload),
            }
        )
    return {
        "headers": [
            (header, str(msg[header]))
            for header in ("From", "To", "Cc", "Reply-To", "Subject", "Date")
            if msg[header] is not None
        ],
        "text": text.get_content() if text is not None else "",
        "has_html": html is not None,
        "attachments": attachments,
    }


def _attachment_name(part: EmailMessage, number: int) -> str:
    """The part's file name, reduced to a plain last path element: a name like
    "../../x" or one with control characters must not steer the download."""
    name = PurePath(str(part.get_filename() or "").replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable() and c not in '"/;').strip(" .")
    return name[:120] or f"part-{number}"


@login_required
@require_GET
@csp_update({"frame-src": [SELF]})  # the frame shows our own URL, nothing else
def dev_mail_message(request: HttpRequest, name: str, index: int) -> HttpResponse:
    """One message, read as a mail program shows it; the HTML body in a sandboxed frame."""
    msg = _dev_mail_found(request, name, index)
    context = {"name": name, "index": index, "subject": msg["subject"], **_mail_parts(msg)}
    return render(request, "clientwatch/dev_mail_message.html", context)


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace(
    {
        "script-src": [NONE],
        "style-src": [UNSAFE_INLINE],
        "img-src": ["data:"],
        "font-src": [NONE],
        "connect-src": [NONE],
        "form-action": [NONE],
        "frame-ancestors": [SELF],
        "sandbox": [True],
    }
)
def dev_mail_html(request: HttpRequest, name: str, index: int) -> HttpResponse:
    """The HTML body alone, for the frame: no script, no request anywhere (a mail's remote
    images and styles included), sandboxed even if opened on its own."""
    html = _dev_mail_found(request, name, index).get_body(preferencelist=("html",))
    if html is None:
        raise Http404
    return HttpResponse(html.get_content(), content_type="text/html; charset=utf-8")


@login_required
@require_GET
def dev_mail_part(request: HttpRequest, name: str, index: int, number: int) -> HttpResponse:
    """An attachment, as a download: never shown inline, whatever type it claims."""
    msg = _dev_mail_found(request, name, index)
    for at, part in enumerate(msg.walk()):
        if at == number and not part.is_multipart():
            response = HttpResponse(
                part.get_payload(decode=True) or b"", content_type="application/octet-stream"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="{_attachment_name(part, number)}"'
            )
            return response
    raise Http404


@login_required
@require_GET
def dev_mail_raw(request: HttpRequest, name: str, index: int) -> HttpResponse:
    """The message as it would go over the wire, headers and MIME parts as they are."""
    msg = _dev_mail_found(request, name, index)
    return HttpResponse(msg.as_bytes(), content_type="text/plain; charset=utf-8")
