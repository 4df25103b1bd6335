"""The Wording page: the freelancer's own texts, one language at a time, each with a preview
of the email or letter a client of that language receives (rendered by the real functions)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from clients.exit import Tone, farewell_draft
from clients.models import Client, Profile
from clients.services import profile_for
from clients.wording import (
    LANGUAGES,
    WORDING_PREFETCH,
    Kind,
    payment_instructions_missing,
    wording_book_for,
    wording_limit,
    wording_reset,
    wording_save,
)
from clients.wording_forms import WordingForm
from clientwatch.checks import language_translated
from invoices.models import Invoice, Stage
from invoices.reminders import reminder_render

# Where each kind goes, for the freelancer deciding what to write.
HELP = {
    Kind.PAYMENT_INSTRUCTIONS: gettext_lazy(
        "How clients pay you: printed under “How to pay” on reminders, reminder letters, "
        "statements and handover reports. Without it, clients of this language see none."
    ),
    Kind.REMINDER_NUDGE: gettext_lazy("Replaces the main paragraph of the nudge."),
    Kind.REMINDER_PAUSED: gettext_lazy("Replaces the main paragraph of “work paused”."),
    Kind.REMINDER_FINAL: gettext_lazy("Replaces the main paragraph of the final notice."),
    Kind.FAREWELL_DIRECT: gettext_lazy(
        "Replaces the sentence “This has crossed a line …” in the draft of the direct letter."
    ),
    Kind.FAREWELL_VAGUE: gettext_lazy(
        "Replaces the good wishes at the end of the draft of the vague letter."
    ),
}
STAGE_OF = {
    Kind.PAYMENT_INSTRUCTIONS: Stage.NUDGE,
    Kind.REMINDER_NUDGE: Stage.NUDGE,
    Kind.REMINDER_PAUSED: Stage.PAUSED,
    Kind.REMINDER_FINAL: Stage.FINAL,
}
TONE_OF = {Kind.FAREWELL_DIRECT: Tone.DIRECT, Kind.FAREWELL_VAGUE: Tone.VAGUE}


@dataclass(frozen=True)
class Section:
    kind: Kind
    help: str
    form: WordingForm
    saved: bool
    limit: int
    preview: str


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise Http404
    return value


def _kind(value: str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise Http404 from None


def _sample_invoice(profile: Profile, language: str) -> Invoice:
    """An unsaved invoice to an unsaved client of this language: a preview shows no real
    client's data and needs no queries of its own."""
    today = timezone.localdate()
    with translation.override(language):
        name = _("Sample Client")  # read inside an email in that language
    client = Client(
        owner=profile.user,
        name=name,
        email="client@example.com",
        language=language,
        currency=profile.currency,
    )
    invoice = Invoice(
        owner=profile.user,
        client=client,
        number="2026-042",
        issued_on=today - timedelta(days=44),
        due_on=today - timedelta(days=30),
        amount=Decimal("1200.00"),
        currency=profile.currency,
    )
    invoice.paid_total = Decimal("0")
    invoice.charged_fees = []  # no late fees in the sample
    invoice.sent_reminders = []  # nor earlier reminders, for the final notice to mention
    return invoice


def _preview(profile: Profile, kind: Kind, language: str) -> str:
    invoice = _sample_invoice(profile, language)
    if kind in TONE_OF:
        return farewell_draft(
            client=invoice.client,
            profile=profile,
            tone=TONE_OF[kind],
            reasons=[],
            end_on=invoice.issued_on + timedelta(days=75),
        )
    email = reminder_render(invoice, STAGE_OF[kind], profile)
    return f"{email.subject}\n\n{email.text}"


def _page(
    request: HttpRequest,
    language: str,
    posted: tuple[Kind, WordingForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    # The texts come with the profile: every preview on the page reads them from there.
    query = Profile.objects.select_related("user").prefetch_related(WORDING_PREFETCH)
    profile = query.filter(user=request.user).first()
    if profile is None:  # made at sign-up: only an account made another way has none yet
        profile = query.get(pk=profile_for(request.user).pk)
    book = wording_book_for(profile)
    sections = []
    for kind in Kind:
        text = book.text(kind, language)
        if posted and posted[0] == kind:
            form = posted[1]
        else:
            form = WordingForm(kind=kind, initial={"text": text}, prefix=kind)
        sections.append(
            Section(
                kind=kind,
                help=HELP[kind],
                form=form,
                saved=bool(text),
                limit=wording_limit(kind),
                preview=_preview(profile, kind, language),
            )
        )
    return render(
        request,
        "clients/wording_edit.html",
        {
            "language": language,
            "language_name": translation.get_language_info(language)["name_translated"],
            "languages": [
                (code, translation.get_language_info(code)["name_translated"]) for code in LANGUAGES
            ],
            "sections": sections,
            # Without a catalogue the previews, and what the clients get, are English.
            "translated": language_translated(language),
            "payment_missing": payment_instructions_missing(
                owner=request.user, languages=[language]
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def wording_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _post(request)
    language = request.GET.get("language", LANGUAGES[0])
    return _page(request, language if language in LANGUAGES else LANGUAGES[0])


def _back(language: str, kind: Kind) -> HttpResponse:
    return redirect(f"{reverse('wording')}?language={language}#{kind.value}")


def _post(request: HttpRequest) -> HttpResponse:
    """Save the text of one kind in one language, or with `reset`, go back to the default.
    Everything is the signed-in freelancer's own: no id to check."""
    language = _language(request.POST.get("language", ""))
    kind = _kind(request.POST.get("kind", ""))
    name = translation.get_language_info(language)["name_translated"]
    reset_message = _("%(kind)s in %(language)s: back to the default.") % {
        "kind": kind.label,
        "language": name,
    }
    if "reset" in request.POST:
        wording_reset(owner=request.user, kind=kind, language=language)
        messages.success(request, reset_message)
        return _back(language, kind)
    form = WordingForm(request.POST, kind=kind, prefix=kind)
    if form.is_valid():
        try:
            saved = wording_save(
                owner=request.user, kind=kind, language=language, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            form.add_error("text", exc.message_dict.get("text", exc.messages))
        else:
            messages.success(
                request,
                reset_message
                if saved is None
                else _("%(kind)s in %(language)s saved.") % {"kind": kind.label, "language": name},
            )
            return _back(language, kind)
    return _page(request, language, posted=(kind, form), status=422)
