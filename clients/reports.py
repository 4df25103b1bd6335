"""The exit reports: a client handover report and the freelancer's internal record.

`report_context` gathers everything in a fixed number of queries; `html_to_pdf` is a pure
function from HTML to PDF bytes (WeasyPrint), so rendering can run in a task or a request.
"""

import base64
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation

from clients.models import Client, Profile, Report
from clients.wording import Kind, wording_text
from clientwatch.celery import enqueue_after_commit
from clientwatch.dates import today_for, zone_active
from invoices.late_fees import fee_label
from invoices.models import Invoice, Payment, Reminder
from invoices.statement import Statement, statement_for
from redflags.assess import client_facts, lateness_bars, score_history
from redflags.models import Incident, Step

STATIC = Path(settings.BASE_DIR) / "static"
_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg"}


def letterhead_logo(profile: Profile) -> str:
    """The freelancer's logo as a data: URL, or "" without one. Inlined so rendering reads
    nothing from storage (it may be a private bucket) and stays a function of its HTML."""
    if not profile.logo:
        return ""
    mimetype = _LOGO_TYPES.get(Path(profile.logo.name).suffix)
    if mimetype is None:
        return ""
    try:
        with profile.logo.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return ""  # a letter without its logo beats no letter
    return f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True, slots=True)
class Month:
    first_day: date  # the template names it the reader's way (`|month`)
    hours: Decimal
    billable: Decimal


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """The statement's bottom line in one currency: what was billed, what was paid, the
    late fees still owed, and what is due now (open balances and those fees)."""

    currency: str
    billed: Decimal
    paid: Decimal
    fees: Decimal
    due: Decimal


def _months(work_logs) -> list[Month]:
    totals: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for log in work_logs:
        month = log.worked_on.replace(day=1)
        totals[month][0] += log.hours
        if log.billable:
            totals[month][1] += log.hours
    return [Month(m, h, b) for m, (h, b) in sorted(totals.items())]


def _currency_totals(invoices: list[Invoice], statement: Statement) -> list[CurrencyTotals]:
    """Billed and paid add up the invoice rows above them (written-off ones too, as they
    are listed); due is what the statement asks for, so the two documents agree."""
    billed: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        billed[invoice.currency] += invoice.amount
        paid[invoice.currency] += invoice.paid_total
    owed = {total.currency: total for total in statement.totals}
    return [
        CurrencyTotals(
            currency=currency,
            billed=billed[currency],
            paid=paid[currency],
            fees=owed[currency].fees if currency in owed else Decimal("0"),
            due=owed[currency].owed if currency in owed else Decimal("0"),
        )
        for currency in sorted(billed.keys() | owed.keys())
    ]


def _deliverables(work_logs, limit: int = 10) -> list[tuple[str, Decimal]]:
    """The main pieces of work: descriptions with the most billable hours."""
    hours: dict[str, Decimal] = defaultdict(Decimal)
    for log in work_logs:
        if log.billable:
            hours[log.description.strip()] += log.hours
    return sorted(hours.items(), key=lambda item: (-item[1], item[0]))[:limit]


def report_context(client: Client, *, internal: bool, as_of: date | None = None) -> dict:
    owner = client.owner
    profile = Profile.objects.for_user(owner)
    as_of = as_of or today_for(profile)
    language = client.language
    work_logs = list(client.work_logs.order_by("worked_on", "id"))
    invoices = list(
        Invoice.objects.filter(client=client)
        .with_paid()
        .exclude(state=Invoice.State.DRAFT)
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("paid_on", "id")))
        .order_by("issued_on", "id")
    )
    for invoice in invoices:
        invoice.status_now = invoice.status(as_of)
    # What is still owed: open invoices and the late fees not waived or paid.
    statement = statement_for(client, as_of=as_of)
    text_language = settings.LANGUAGE_CODE if internal else language
    context = {
        "client": client,
        "profile": profile,
        "freelancer_name": profile.signature,
        "letterhead_name": profile.letterhead_name,
        "logo": letterhead_logo(profile),
        "payment_instructions": wording_text(
            owner_id=owner.pk, kind=Kind.PAYMENT_INSTRUCTIONS, language=text_language
        ),
        "internal": internal,
        "as_of": as_of,
        "generated_at": timezone.now(),
        "paper_size": "letter" if profile.paper_size == Profile.PaperSize.LETTER else "A4",
        "language": language,
        "work_logs": work_logs,
        "period": (work_logs[0].worked_on, work_logs[-1].worked_on) if work_logs else None,
        "total_hours": sum((w.hours for w in work_logs), Decimal("0")),
        "billable_hours": sum((w.hours for w in work_logs if w.billable), Decimal("0")),
        "months": _months(work_logs),
        "deliverables": _deliverables(work_logs),
        "accounts": list(client.account_items.order_by("name", "id")),
        "invoices": invoices,
        "fees": [
            {
                "invoice_number": fee.invoice_number,
                "description": fee_label(fee, text_language),
                "charged_on": fee.charged_on,
                "amount": fee.amount,
                "currency": fee.currency,
            }
            for fee in statement.fees
        ],
        "totals": _currency_totals(invoices, statement),
        "owed": statement.owed,
    }
    if internal:
        facts = client_facts(owner, [client.pk])[client.pk]
        incidents = list(Incident.objects.filter(client=client).order_by("occurred_on", "id"))
        context |= {
            "incidents": incidents,
            # Each piece of evidence with its date: what the freelancer can show if the
            # ending is disputed (a file by the name it is stored under).
            "evidence": [
                {
                    "incident": incident,
                    "file": PurePosixPath(incident.evidence_file.name).name,
                }
                for incident in incidents
                if incident.evidence or incident.evidence_file
            ],
            "steps": list(Step.objects.filter(client=client).order_by("taken_on", "id")),
            "reminders": list(
                Reminder.objects.filter(invoice__client=client, state=Reminder.State.SENT)
                .select_related("invoice")
                .order_by("sent_at")
            ),
            "lateness_days": lateness_bars(facts, as_of),
            "history": score_history(owner, client, as_of=as_of),
        }
    return context


def report_html(context: dict) -> str:
    """The handover report in the client's language; the internal record in the
    freelancer's (`ui_language`, else the default). Times (when it was made, when reminders
    went out) on the freelancer's clock, also when a worker renders it."""
    ui_language = context.get("ui_language") or None
    language = ui_language if context["internal"] else context["language"]
    with translation.override(language), zone_active(context["profile"]):
        return render_to_string("clients/exit/report.html", context)


def html_to_pdf(html: str) -> bytes:
    """Pure: the same HTML gives the same document. Stylesheets resolve from static/."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(STATIC)).write_pdf()


def report_pdf(
    client: Client, *, internal: bool, as_of: date | None = None, ui_language: str = ""
) -> bytes:
    context = report_context(client, internal=internal, as_of=as_of)
    return html_to_pdf(report_html(context | {"ui_language": ui_language}))


# Above this many rows the PDF renders in the background; below, in the request.
RENDER_INLINE_MAX_ROWS = 600


def report_rows(client: Client) -> int:
    return client.work_logs.count() + client.invoices.count() + client.incidents.count()


@transaction.atomic
def report_request(*, client: Client, kind: str, language: str = "") -> Report:
    """Start a report: small histories render now, long ones in a Celery task. `language`
    is the freelancer's, for the internal record."""
    report = Report(client=client, kind=kind, language=language)
    report.full_clean()
    report.save()
    if report_rows(client) <= RENDER_INLINE_MAX_ROWS:
        report_render(report_id=report.pk)
        report.refresh_from_db()
    else:
        from clients.tasks import render_report  # tasks import this module

        enqueue_after_commit(render_report, report.pk)
    return report


def report_render(*, report_id: int) -> None:
    """Render and store one report; safe to call twice (a ready report is left alone)."""
    report = Report.objects.select_related("client__owner").filter(pk=report_id).first()
    if report is None or report.state == Report.State.READY:
        return
    as_of = today_for(report.client.owner)  # one date for the document and its name
    try:
        data = report_pdf(
            report.client,
            internal=report.kind == Report.Kind.INTERNAL,
            as_of=as_of,
            ui_language=report.language,
        )
    except Exception as exc:  # a broken render must show on the page, not spin for ever
        Report.objects.filter(pk=report_id).update(state=Report.State.FAILED, error=str(exc)[:500])
        raise
    name = f"{report.client.ref}-{report.kind}-{as_of.isoformat()}.pdf"
    report.pdf.save(name, ContentFile(data), save=False)
    report.state = Report.State.READY
    report.finished_at = timezone.now()
    report.save(update_fields=["pdf", "state", "finished_at"])
