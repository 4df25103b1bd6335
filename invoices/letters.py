"""PDFs a client receives about money: the statement of account and the formal reminder letter.

Both are laid out with the exit reports' print stylesheet and rendered by the same pure
`html_to_pdf`; everything shown to the client is in the client's language, amounts and
dates formatted the client's way (`format_money`, `format_day`).
"""

from datetime import date

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import get_valid_filename

from clients.models import Client, Profile
from clients.reports import html_to_pdf, letterhead_logo
from clients.wording import Kind, wording_text
from clientwatch.formatting import format_day, format_money
from invoices.late_fees import fee_label
from invoices.models import Invoice, Stage
from invoices.reminders import reminder_context
from invoices.statement import BUCKETS, Statement, statement_for
from redflags.assess import today_for

PDF = "application/pdf"


def _paper_size(profile: Profile) -> str:
    return "letter" if profile.paper_size == Profile.PaperSize.LETTER else "A4"


# --- Statement of account -----------------------------------------------------------


def statement_document_context(statement: Statement, profile: Profile) -> dict:
    """The statement laid out for the client: every amount and date already in words."""
    client = statement.client
    language = client.language

    def money(amount, currency: str) -> str:
        return format_money(amount, currency, language)

    def day(value: date) -> str:
        """A table cell: the locale's medium form (20 Nov 2026, 20.11.2026)."""
        return format_day(value, language, "medium")

    return {
        "client": client,
        "profile": profile,
        "freelancer_name": profile.signature,
        "letterhead_name": profile.letterhead_name,
        "logo": letterhead_logo(profile),
        "payment_instructions": wording_text(
            owner_id=profile.user_id, kind=Kind.PAYMENT_INSTRUCTIONS, language=language
        ),
        "paper_size": _paper_size(profile),
        "language": language,
        "as_of": format_day(statement.as_of, language),  # the letter's date, in words
        "owed": statement.owed,
        "buckets": BUCKETS,
        "invoices": [
            {
                "number": row.number,
                "issued_on": day(row.issued_on),
                "due_on": day(row.due_on),
                "amount": money(row.amount, row.currency),
                "paid": money(row.paid, row.currency),
                "balance": money(row.balance, row.currency),
                "days_overdue": max(row.days_overdue, 0),
                "bucket": row.bucket,
                "disputed": row.disputed,
            }
            for row in statement.invoices
        ],
        "fees": [
            {
                "invoice_number": fee.invoice_number,
                "description": fee_label(fee, language),
                "charged_on": day(fee.charged_on),
                "amount": money(fee.amount, fee.currency),
            }
            for fee in statement.fees
        ],
        "payments": [
            {
                "invoice_number": payment.invoice_number,
                "paid_on": day(payment.paid_on),
                "amount": money(payment.amount, payment.currency),
            }
            for payment in statement.payments
        ],
        "totals": [
            {
                "currency": total.currency,
                "invoices": money(total.invoices, total.currency),
                "fees": money(total.fees, total.currency),
                "owed": money(total.owed, total.currency),
                "aging": [money(amount, total.currency) for _bucket, amount in total.aging],
            }
            for total in statement.totals
        ],
    }


def statement_html(statement: Statement, profile: Profile) -> str:
    context = statement_document_context(statement, profile)
    with translation.override(statement.client.language):
        return render_to_string("invoices/statement/document.html", context)


def statement_pdf(client: Client, *, as_of: date, profile: Profile | None = None) -> bytes:
    profile = profile or Profile.objects.for_user(client.owner)
    return html_to_pdf(statement_html(statement_for(client, as_of=as_of), profile))


def statement_filename(client: Client, as_of: date) -> str:
    return get_valid_filename(f"statement-{client.ref}-{as_of.isoformat()}.pdf")


# --- Reminder letters ---------------------------------------------------------------


def reminder_letter_html(
    invoice: Invoice, stage: Stage, profile: Profile, *, as_of: date | None = None
) -> str:
    """The reminder email of `stage` as a formal letter: the same context and wording."""
    language = invoice.client.language
    # As the email does: the fees a batch prefetched, else those the preview would show.
    context = reminder_context(invoice, stage, profile, getattr(invoice, "charged_fees", None))
    context |= {
        "profile": profile,
        "letterhead_name": profile.letterhead_name,
        "logo": letterhead_logo(profile),
        "paper_size": _paper_size(profile),
        "language": language,
        "letter_date": format_day(as_of or today_for(profile.user, profile), language),
    }
    with translation.override(language):
        subject = render_to_string(f"invoices/email/reminder_{stage}_subject.txt", context)
        context["subject"] = " ".join(subject.split())
        return render_to_string("invoices/letter/reminder.html", context)


def reminder_letter_pdf(
    invoice: Invoice, stage: Stage, profile: Profile, *, as_of: date | None = None
) -> bytes:
    return html_to_pdf(reminder_letter_html(invoice, stage, profile, as_of=as_of))


def letter_filename(invoice: Invoice, stage: Stage) -> str:
    return get_valid_filename(f"letter-{invoice.number}-{stage}.pdf")


def reminder_attachments(
    invoice: Invoice, stage: Stage, profile: Profile, *, as_of: date
) -> list[tuple[str, bytes, str]]:
    """The PDFs the freelancer chose to send with this stage: (file name, content, type)."""
    stage = Stage(stage)
    files = []
    if getattr(profile, f"letter_with_{stage}"):
        files.append(
            (
                letter_filename(invoice, stage),
                reminder_letter_pdf(invoice, stage, profile, as_of=as_of),
                PDF,
            )
        )
    if stage == Stage.FINAL and profile.statement_with_final:
        files.append(
            (
                statement_filename(invoice.client, as_of),
                statement_pdf(invoice.client, as_of=as_of, profile=profile),
                PDF,
            )
        )
    return files
