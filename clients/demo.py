"""The demo freelancer: a year with twelve clients, built through the services.

`demo_seed` creates a freelancer whose clients show every pattern in docs/domain.md: two healthy
clients, the three classic problem clients, the signs that it is time to let one go, a
client who simply drains time, and a big client whose friction calls for a plan first. The
freelancer keeps exchange rates, so clients billed in other currencies compare too.
`demo_plan` works out every row first, as plain data and without the database; `demo_seed`
then writes them through the same services the views use.

All dates are relative to `as_of` (today by default), so the demo always looks current, and
nothing is random: the same `as_of` always gives the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify

from clients.models import AccountItem, Client, Profile, VerifiedEmail, Wording, WorkLog
from clients.services import (
    account_item_add,
    client_create,
    exchange_rates_import,
    profile_for,
    profile_update,
    work_log_add,
)
from clients.wording import wording_save
from clientwatch.dates import local_now, zone_active, zone_named
from clientwatch.formatting import format_day, format_money
from invoices.models import Invoice, Payment
from invoices.services import invoice_create, payment_record
from redflags.assess import scores_refresh
from redflags.models import ClientScore, Incident, Step, StepKind
from redflags.services import incident_log, step_log

DEFAULT_USERNAME = "demo"
DEFAULT_PASSWORD = "demo-password-2026"  # noqa: S105 (a published demo login, not a secret)

INVOICE_COUNT = 12  # a year of monthly invoices
PERIOD_DAYS = 30  # one invoice covers this many days of work
CENTS = Decimal("0.01")

PROFILE = {
    "business_name": "Lytse Studio",
    "business_details": (
        "Lytse Studio: design and social media (demo account)\n"
        "Nieuwestad 1, 8911 CJ Leeuwarden, Netherlands\n"
        "VAT NL000000000B00"
    ),
    "currency": "EUR",
    "target_hourly_rate": Decimal("75.00"),
    "default_payment_terms_days": 14,
    "time_zone": "Europe/Amsterdam",
    "signature_name": "Sanne de Vries",
    "reply_to_email": "sanne@lytse-studio.example",
    "language": "fy",
}

# In each client language: a client reads them only in their own (clients.wording).
DEMO_IBAN = "IBAN NL00 DEMO 0000 0000 00 (Lytse Studio)"
PAYMENT_INSTRUCTIONS = {
    "en": f"Bank transfer to {DEMO_IBAN}, quoting the invoice number.",
    "ms": f"Pindahan bank ke {DEMO_IBAN}, dengan menyebut nombor invois.",
    "id": f"Transfer bank ke {DEMO_IBAN}, dengan mencantumkan nomor faktur.",
    "fi": f"Tilisiirto tilille {DEMO_IBAN}, viestiksi laskun numero.",
    "fy": f"Oermeitsje nei {DEMO_IBAN}, mei it faktuernûmer derby.",
}


# Euro reference rates the freelancer keeps, one a month for the last 13 months (as an
# imported ECB file would give them): 1 EUR in each currency the demo clients are billed in.
DEMO_RATES = {"USD": Decimal("1.0850"), "MYR": Decimal("5.0400"), "IDR": Decimal("17150.00")}


def demo_rates(as_of: date) -> list[tuple[str, str, date, Decimal]]:
    """A rate on the first of each month, moving a little and always the same way."""
    rows = []
    for month in range(13):
        day = (as_of.replace(day=1) - timedelta(days=31 * month)).replace(day=1)
        drift = Decimal(1) + Decimal(month % 4 - 1) / 200  # within half a percent either side
        for code, rate in DEMO_RATES.items():
            rows.append(("EUR", code, day, (rate * drift).quantize(Decimal("0.0001"))))
    return rows


def demo_logo() -> ContentFile:
    """Lytse Studio's logo, drawn here (a PNG) so the demo's letters show one."""
    from io import BytesIO

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 116, 116), radius=24, fill="#1f6f78")
    font = ImageFont.load_default(size=44)
    draw.text((60, 60), "LS", fill="white", font=font, anchor="mm")
    draw.text(
        (136, 60), "Lytse Studio", fill="#1f2933", font=ImageFont.load_default(size=34), anchor="lm"
    )
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="logo.png")


class DemoRefused(Exception):
    """The demo cannot be seeded as asked; the message says why."""


# --- What each demo client is like -------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """A weekly habit of work: on `weekday` (0 = Monday) every `every` weeks, optionally only
    in the last `within_weeks` weeks. Tasks and hours are taken in turn."""

    tasks: tuple[str, ...]
    hours: tuple[str, ...]
    billable: bool = True
    every: int = 1
    within_weeks: int | None = None
    weekday: int = 1


@dataclass(frozen=True)
class Happened:
    """An incident, `days_ago` days before as_of; `warned`: they were told that day, in
    writing, that it has to stop (a warned step about it)."""

    days_ago: int
    category: str
    severity: int
    description: str
    evidence: str = ""
    warned: bool = False


@dataclass(frozen=True)
class Dispute:
    """A disputed invoice: the client's stated reason and what they paid of it, if anything."""

    reason: str
    paid: Decimal | None = None


@dataclass(frozen=True)
class DemoClient:
    shows: str  # what this client demonstrates in the demo
    verdict: str  # what the freelancer should conclude: keep, watch or fire
    fields: Mapping[str, Any]  # for client_create; started_on is added from started_days_ago
    started_days_ago: int
    accounts: tuple[tuple[str, str], ...]  # (name, notes) of the accounts managed for them
    work: tuple[Work, ...]
    # Days after the due date each invoice is paid, oldest invoice first, taken in turn;
    # None leaves it unpaid. A payment that would fall after as_of is not made (yet).
    pays: tuple[int | None, ...]
    invoice_lag_days: int  # the newest invoice was issued this many days before as_of
    incidents: tuple[Happened, ...] = ()
    disputes: Mapping[int, Dispute] = field(default_factory=dict)  # by invoice index, 0 = oldest


CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        shows="Healthy: pays before the due date, no incidents, earns well above the target rate.",
        verdict="keep",
        fields={
            "ref": "kettu-coffee",
            "name": "Aino Virtanen",
            "company": "Kettu Coffee Roasters Oy",
            "email": "aino.virtanen@example.com",
            "phone": "+358 40 000 0000",
            "postal_address": "Kahvikuja 1\n00100 Helsinki\nFinland",
            "tax_number": "FI00000000",
            "language": "fi",
            "currency": "EUR",
            "billing_mode": Client.Billing.RETAINER,
            "rate": Decimal("1800.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Monthly retainer: 16 social posts, one newsletter and a short ad report. "
                "Anything else is quoted first. One round of changes per post."
            ),
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 24,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=430,
        accounts=(
            ("Instagram business account", ""),
            ("Facebook page", ""),
            ("Mailchimp audience", "Newsletter list, 2,300 subscribers."),
        ),
        work=(
            Work(
                ("Content calendar and post design", "Product photos and captions"),
                ("3.5", "4", "3", "4.5"),
            ),
            Work(("Monthly newsletter",), ("2",), every=4, weekday=3),
            Work(("Monthly check-in call",), ("0.5",), billable=False, every=4, weekday=4),
        ),
        pays=(-3, -2, -4, -1),
        invoice_lag_days=25,
    ),
    DemoClient(
        shows="Healthy, with one minor incident a year ago that was talked through and resolved.",
        verdict="keep",
        fields={
            "ref": "batik-aisyah",
            "name": "Nurul Aisyah Rahman",
            "company": "Kedai Batik Aisyah Sdn Bhd",
            "email": "nurul.aisyah@example.com",
            "language": "ms",
            "currency": "MYR",
            "billing_mode": Client.Billing.HOURLY,
            "rate": Decimal("380.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Hourly, billed monthly. Feedback on drafts within 2 working days. "
                "Messages answered within one working day."
            ),
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 24,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=720,
        accounts=(
            ("Shopify store", "Staff account with full permissions."),
            ("Instagram business account", ""),
            ("Google Business Profile", ""),
        ),
        work=(
            Work(
                ("Product photo retouching", "Shop listings and descriptions", "Collection banner"),
                ("5", "4.5", "6", "4"),
            ),
        ),
        pays=(-2, 0, -5, -1, -3),
        invoice_lag_days=8,
        incidents=(
            Happened(
                362,
                "unresponsive",
                1,
                "Catalogue feedback came 9 days late (Hari Raya week). Talked it through on a "
                "call; answers have come within 2 days ever since. Resolved.",
            ),
        ),
    ),
    DemoClient(
        shows="The unresponsive client: feedback never comes, hours go into chasing it, "
        "and nobody has told him yet that the work waits on him. Billed in rupiah, compared "
        "with the target in euros through the freelancer's rates.",
        verdict="watch",
        fields={
            "ref": "sinar-rasa",
            "name": "Bayu Pratama",
            "company": "PT Sinar Rasa Kuliner",
            "email": "bayu.pratama@example.org",
            "language": "id",
            "currency": "IDR",
            "billing_mode": Client.Billing.RETAINER,
            "rate": Decimal("30000000.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Feedback on drafts within 2 working days, or the post moves to the next free "
                "slot. Work cannot move without timely answers; waiting delays your own launch."
            ),
            "business_hours": "Mon-Fri 9:00-17:00 (WIB)",
            "response_time_hours": 24,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=400,
        accounts=(
            ("Instagram business account", ""),
            ("TikTok account", ""),
            ("Google Business Profile", "Three outlets."),
            ("GoFood merchant listing", "Menu photos and descriptions only."),
        ),
        work=(
            Work(("Menu photo editing and posts", "Outlet stories and reels"), ("4", "3.5", "4.5")),
            Work(
                (
                    "Chasing feedback on the menu drafts",
                    "Chasing approval for the scheduled posts",
                    "Waiting on photo selection; follow-up emails and calls",
                ),
                ("1.5", "2.5", "2", "3"),
                billable=False,
                within_weeks=30,
                weekday=3,
            ),
            Work(
                ("Chasing feedback on drafts",),
                ("0.5", "1"),
                billable=False,
                every=2,
                weekday=4,
            ),
        ),
        pays=(-1, 0, 1, 0),
        invoice_lag_days=12,
        incidents=(
            Happened(
                251,
                "unresponsive",
                2,
                "No feedback on the Ramadan menu posts for 10 days despite 3 emails. The "
                "campaign started a week late.",
            ),
            Happened(
                152,
                "unresponsive",
                3,
                "Two weeks without an answer about the new outlet photos.",
            ),
            Happened(
                84,
                "unresponsive",
                3,
                "Drafts approved only after 4 reminders (email, WhatsApp, a call). "
                "6 scheduled posts missed their dates.",
            ),
            Happened(
                68,
                "unresponsive",
                2,
                "No photo selection for the anniversary reel after 8 days; shoot slot lost.",
            ),
            Happened(
                47,
                "unresponsive",
                3,
                'Asked "is that all you did this month?". The 11 hours spent chasing his '
                "feedback were not counted.",
                evidence="WhatsApp message, 19:42.",
            ),
            Happened(
                29,
                "unresponsive",
                3,
                "Three emails and a call about the new price list unanswered for 12 days.",
            ),
            Happened(
                11,
                "unresponsive",
                4,
                "No reply for 3 weeks on the anniversary campaign; launch date passed with "
                "nothing approved.",
            ),
        ),
    ),
    DemoClient(
        shows="The controlling client: approves every post, overrides best practice, "
        "and handed over only some of the channels; told in writing, and it went on.",
        verdict="fire",
        fields={
            "ref": "hoekstra-bou",
            "name": "Jouke Hoekstra",
            "company": "Hoekstra Bou BV",
            "email": "jouke.hoekstra@example.com",
            "phone": "+31 58 000 0000",
            "postal_address": "Grutte Pier 1\n8900 AA Ljouwert\nNetherlands",
            "tax_number": "NL000000000B01",
            "language": "fy",
            "currency": "EUR",
            "billing_mode": Client.Billing.RETAINER,
            "rate": Decimal("1500.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "The retainer covers Facebook, Instagram and LinkedIn. The monthly plan is "
                "approved once; one round of changes per post; a post not commented on within "
                "one working day goes out as planned."
            ),
            "business_hours": "Mon-Fri 8:30-16:30",
            "response_time_hours": 24,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=390,
        accounts=(
            ("Facebook page", "Editor access only: the client kept the admin role."),
            (
                "Instagram business account",
                "Never handed over, although the contract lists it. The client posts here himself.",
            ),
            ("LinkedIn company page", "Access promised in week 1; still pending after 3 requests."),
        ),
        work=(
            Work(
                ("Posts and stories from the monthly plan", "Project photos and captions"),
                ("3.5", "3", "4"),
            ),
            Work(
                (
                    "Waiting for approval of stories; rescheduling",
                    "Caption tweaks, round 4 (comma placement)",
                    "Re-cropping approved photos on request",
                ),
                ("1.5", "2.5", "2"),
                billable=False,
                within_weeks=26,
                weekday=2,
            ),
        ),
        pays=(-2, -1, 0, -3),
        invoice_lag_days=18,
        incidents=(
            Happened(
                231,
                "micromanaging",
                2,
                "Wants to approve every story before it goes out, not just the monthly plan. "
                "9 stories held for 2 days each.",
            ),
            Happened(
                168,
                "micromanaging",
                2,
                "Third request for Instagram access refused. Posts there himself, off-brand.",
            ),
            Happened(
                87,
                "micromanaging",
                3,
                "Overrode the posting times the analytics support; reach fell by a third and "
                "he asked what went wrong.",
            ),
            Happened(
                66,
                "micromanaging",
                3,
                "Six rounds of changes on one LinkedIn caption. Explained in writing that this "
                "makes the agreed work impossible.",
                warned=True,
            ),
            Happened(
                45,
                "micromanaging",
                3,
                "Cancelled an approved campaign an hour before launch to rewrite the headline "
                "himself.",
            ),
            Happened(
                23,
                "micromanaging",
                3,
                "Called four times in one afternoon about a single post, as if it were "
                "make-or-break.",
            ),
            Happened(
                7,
                "micromanaging",
                3,
                "Asked to see every reply to comments before it is posted.",
            ),
        ),
    ),
    DemoClient(
        shows='"Keep working, I\'ll pay you eventually": paid on time at first, then later every '
        "cycle; the last two invoices are unpaid and overdue.",
        verdict="fire",
        fields={
            "ref": "brightline-fitness",
            "name": "Marcus Reed",
            "company": "Brightline Fitness LLC",
            "email": "marcus.reed@example.com",
            "language": "en",
            "currency": "USD",
            "billing_mode": Client.Billing.HOURLY,
            "rate": Decimal("70.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Invoices monthly, due 14 days after the invoice date. Work pauses when an "
                "invoice is more than 7 days overdue and resumes once it is paid."
            ),
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 24,
            "payment_due_rule": "14 days after the invoice date",
        },
        started_days_ago=410,
        accounts=(
            ("Google Ads", "Manager access through our MCC."),
            ("Meta Ads Manager", ""),
            ("WordPress site admin", ""),
            ("DNS at registrar", "Registered in the client's name; we hold a delegate login."),
        ),
        work=(
            Work(
                (
                    "Landing page updates",
                    "Ad creatives for the class launches",
                    "Ad campaign review",
                ),
                ("5", "6", "4.5", "6.5"),
            ),
        ),
        # 0, 3, 8, 15, 25 ... days late, then nothing.
        pays=(-2, -1, 0, 3, 8, 15, 25, 33, 42, 52, None, None),
        invoice_lag_days=20,
    ),
    DemoClient(
        shows="Verbal abuse, warned, then repeated: a red flag that ends the relationship.",
        verdict="fire",
        fields={
            "ref": "hakim-motors",
            "name": "Rizal Hakim",
            "company": "Hakim Motors Sdn Bhd",
            "email": "rizal.hakim@example.com",
            "language": "ms",
            "currency": "MYR",
            "billing_mode": Client.Billing.HOURLY,
            "rate": Decimal("300.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Calls and messages in business hours only; urgent means the site is down. "
                "Insults towards me or my team end the conversation."
            ),
            "business_hours": "Mon-Fri 9:00-18:00",
            "response_time_hours": 24,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=380,
        accounts=(
            ("Facebook page", ""),
            ("Instagram business account", ""),
            ("Dealer listing on the car marketplace", "Photos and listings for 40 cars."),
        ),
        work=(Work(("Car listing photos and posts", "Promotion banners"), ("4", "5", "3.5")),),
        pays=(-1, 0, -2),
        invoice_lag_days=15,
        incidents=(
            Happened(
                128,
                "verbal_abuse",
                4,
                'On a video call, called me "a silly girl who should stick to pretty '
                'pictures". Told him the same day, in writing, that insults are not acceptable.',
                evidence="Follow-up email sent the same afternoon.",
                warned=True,
            ),
            Happened(
                74,
                "unreasonable_demand",
                2,
                "Phoned at 02:40 about a new banner idea. Nothing was broken.",
            ),
            Happened(
                9,
                "verbal_abuse",
                5,
                "Shouted at my assistant on the phone and mocked her accent. The second insult "
                "since the written warning.",
                evidence="Assistant's notes of the call.",
            ),
        ),
    ),
    DemoClient(
        shows="The haggler: two invoices disputed after the price was agreed up front.",
        verdict="fire",
        fields={
            "ref": "bennett-hale",
            "name": "Laura Bennett",
            "company": "Bennett & Hale Interiors Ltd",
            "email": "laura.bennett@example.org",
            "language": "en",
            "currency": "USD",
            "billing_mode": Client.Billing.RETAINER,
            "rate": Decimal("2400.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Retainer of USD 2,400 a month, agreed in writing: 16 posts, 4 Pinterest "
                "boards and one blog article. Invoices are not renegotiated afterwards."
            ),
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 24,
            "deposit_percent": 20,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=420,
        accounts=(
            ("Pinterest business account", ""),
            ("Houzz profile", ""),
            ("Squarespace site", "Contributor access."),
        ),
        work=(
            Work(
                ("Room photos and posts", "Pinterest boards", "Blog article"), ("5", "4.5", "5.5")
            ),
        ),
        pays=(-1, 0, -2),
        invoice_lag_days=10,
        disputes={
            7: Dispute(
                "Says last month was quiet and will pay USD 1,500, not the agreed 2,400.",
                paid=Decimal("1500.00"),
            ),
            10: Dispute("Asks a 40% loyalty discount on the retainer agreed in writing."),
        },
        incidents=(
            Happened(
                125,
                "invoice_dispute",
                3,
                "Disputed the retainer invoice after the work was delivered: offered USD 1,500 "
                "instead of the agreed 2,400. Replied that the agreed price stands.",
                warned=True,
            ),
            Happened(
                33,
                "invoice_dispute",
                4,
                "Second dispute: wants 40% off the retainer as a loyalty discount. Nothing "
                "paid so far.",
            ),
        ),
    ),
    DemoClient(
        shows="Keeps changing their mind on a fixed fee: every change is unpaid rework.",
        verdict="fire",
        fields={
            "ref": "revontuli-events",
            "name": "Eero Mäkinen",
            "company": "Revontuli Events Oy",
            "email": "eero.makinen@example.com",
            "language": "fi",
            "currency": "EUR",
            "billing_mode": Client.Billing.FIXED,
            "rate": Decimal("14400.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Fixed fee for the festival season: the website, 3 campaign visual sets and one "
                "round of changes per set, paid in 12 monthly instalments. Changes after "
                "sign-off are quoted separately."
            ),
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 24,
            "deposit_percent": 20,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=400,
        accounts=(
            ("Festival website (Webflow)", ""),
            ("Instagram business account", ""),
            ("Ticket shop widget", "Embed code only; the ticket account is the client's."),
        ),
        work=(
            Work(("Festival site build", "Campaign visuals", "Artist pages"), ("4", "3.5", "4.5")),
            Work(
                (
                    "Rework after sign-off: new colour scheme",
                    "Rework after sign-off: programme page layout",
                    "Rework after sign-off: logo swap on all visuals",
                ),
                ("2.5", "3", "2"),
                billable=False,
                within_weeks=36,
                weekday=3,
            ),
        ),
        pays=(-2, -1, 0),
        invoice_lag_days=6,
        incidents=(
            Happened(
                240,
                "scope_change",
                2,
                "Switched the festival colours from green to purple after the designs were "
                "signed off.",
            ),
            Happened(
                201,
                "scope_change",
                3,
                "New headliner: wants the whole programme page rebuilt around one artist.",
            ),
            Happened(
                160,
                "scope_change",
                2,
                "Replaced the logo after all campaign visuals were finished.",
                warned=True,
            ),
            Happened(
                118,
                "scope_change",
                3,
                "Moved the festival a week; every dated visual and page to be redone.",
            ),
            Happened(
                81,
                "scope_change",
                3,
                'Asked for a Swedish version of the site, "within the same fee".',
            ),
            Happened(
                52,
                "scope_change",
                3,
                "Changed ticketing provider; shop pages and widget rebuilt.",
            ),
            Happened(
                27,
                "scope_change",
                2,
                "Back to the green colour scheme rejected in spring.",
            ),
            Happened(
                6,
                "scope_change",
                3,
                'Wants a mobile app "as part of the website".',
            ),
        ),
    ),
    DemoClient(
        shows="Plays you against competitors, ignores your advice and then blames you for it.",
        # Once on agreed work is enough: collect what is owed, then let them go.
        verdict="fire",
        fields={
            "ref": "kartika-skincare",
            "name": "Dewi Kartika",
            "company": "PT Kartika Cantik Abadi",
            "email": "dewi.kartika@example.org",
            "language": "id",
            "currency": "USD",
            "billing_mode": Client.Billing.HOURLY,
            "rate": Decimal("60.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Hourly, billed monthly. Advice is given in writing; decisions against it are "
                "the client's own risk. Agreed prices are not renegotiated once work starts."
            ),
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 24,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=405,
        accounts=(
            ("Instagram business account", ""),
            ("Google Ads", ""),
            ("Online store page on the marketplace", ""),
            ("DNS at registrar", "Registrar login shared by the client."),
        ),
        work=(
            Work(
                ("Product launch posts", "Google Ads campaign management", "Shop redesign"),
                ("4.5", "5", "3.5", "6"),
            ),
        ),
        pays=(-1, 0, -3),
        invoice_lag_days=22,
        incidents=(
            Happened(
                152,
                "ignored_advice",
                3,
                "Bought 20,000 Instagram followers against my written advice. Reach collapsed; "
                "asked me to fix it at no charge.",
            ),
            Happened(
                96,
                "competitor_leverage",
                3,
                "Sent another agency's quote at half my rate and asked me to match it for work "
                "already delivered.",
            ),
            Happened(
                61,
                "ignored_advice",
                3,
                "Launched the Google Ads campaign without the negative keywords I recommended; "
                "USD 900 spent in a weekend, and I was to cover it.",
            ),
            Happened(
                33,
                "competitor_leverage",
                4,
                "Halfway through the agreed shop redesign: a competitor would finish it for "
                "less, so 30% off the rest. Declined; the agreed price stands.",
                warned=True,
            ),
            Happened(
                19,
                "ignored_advice",
                4,
                "Published the new shop without the checkout test I asked for; orders failed "
                "for two days and she blamed my design.",
            ),
        ),
    ),
    DemoClient(
        shows="Draining: pays on time, but calls, meetings and revisions push the effective "
        "hourly rate far below the target.",
        verdict="watch",
        fields={
            "ref": "dijkstra-fytsen",
            "name": "Sjoerd Dijkstra",
            "company": "Dijkstra Fytsen",
            "email": "sjoerd.dijkstra@example.com",
            "language": "fy",
            "currency": "EUR",
            "billing_mode": Client.Billing.RETAINER,
            "rate": Decimal("600.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Retainer covers website updates and 8 posts a month; one 30-minute call a week."
            ),
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 24,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=395,
        accounts=(
            ("Website (WordPress)", ""),
            ("Google Business Profile", ""),
            ("Facebook page", ""),
        ),
        work=(
            Work(("Website updates and posts", "Spring service offer page"), ("2", "2.5")),
            Work(("Weekly call (ran over an hour again)",), ("1.5",), billable=False, weekday=0),
            Work(
                ("Revisions on revisions of the same post", "Phone questions about the website"),
                ("2", "2.5", "1.5"),
                billable=False,
                weekday=3,
            ),
        ),
        pays=(-2, -1),
        invoice_lag_days=3,
    ),
    DemoClient(
        shows="A big client with ordinary friction: a third of the income, slow answers and "
        "advice overridden. Worth a plan (renegotiate, terms in writing, a deposit) before "
        "letting go.",
        verdict="watch",
        fields={
            "ref": "fjildwurk-reizen",
            "name": "Marrit Bosma",
            "company": "Fjildwurk Reizen BV",
            "email": "marrit.bosma@example.com",
            "language": "fy",
            "currency": "EUR",
            "billing_mode": Client.Billing.RETAINER,
            "rate": Decimal("7500.00"),
            "payment_terms_days": 14,
            "boundaries": (
                "Retainer covers the travel brochures, the website and 20 posts a month. "
                "Feedback within 3 working days, or the work moves to the next free slot."
            ),
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 48,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=900,
        accounts=(
            ("Website (WordPress)", "Admin account."),
            ("Instagram business account", ""),
            ("Newsletter list", "Travel newsletter, 8,400 subscribers."),
        ),
        work=(
            Work(
                ("Summer brochure pages", "Tour pages on the website", "Posts and stories"),
                ("6", "5.5", "7", "6.5"),
            ),
            Work(("Campaign planning",), ("4",), weekday=3),
            Work(
                ("Chasing feedback on the summer brochure",),
                ("1", "1.5"),
                billable=False,
                within_weeks=7,
                weekday=4,
            ),
        ),
        pays=(0, -1, 1, 0),
        invoice_lag_days=12,
        incidents=(
            *(
                Happened(
                    days,
                    "unresponsive",
                    3,
                    f"Feedback asked on the summer brochure ({part}); no answer within the "
                    "agreed 3 working days.",
                )
                for days, part in (
                    (38, "cover and contents"),
                    (31, "the Wadden tours"),
                    (24, "the city trips"),
                    (17, "the price tables"),
                    (10, "the booking conditions"),
                    (3, "the final proof"),
                )
            ),
            Happened(
                26,
                "ignored_advice",
                3,
                "Overrode the advice to keep the booking form short; asked why bookings fell.",
            ),
            Happened(
                8,
                "ignored_advice",
                3,
                "Had the brochure printed from an unapproved draft against advice; wants the "
                "errors fixed for free.",
            ),
        ),
    ),
    DemoClient(
        shows="Legal risk: the client wants unlawful health claims for an unregistered product.",
        verdict="fire",
        fields={
            "ref": "grantwell",
            "name": "Oliver Grant",
            "company": "Grantwell Nutrition Ltd",
            "email": "oliver.grant@example.com",
            "language": "en",
            "currency": "EUR",
            "billing_mode": Client.Billing.HOURLY,
            "rate": Decimal("90.00"),
            "payment_terms_days": 14,
            "boundaries": "Hourly, billed monthly. No health claims without the client's approval.",
            "business_hours": "Mon-Fri 9:00-17:00",
            "response_time_hours": 24,
            "payment_due_rule": "14 days net",
        },
        started_days_ago=385,
        accounts=(
            ("Google Ads", ""),
            ("Meta Ads Manager", ""),
            ("WooCommerce shop", ""),
            ("DNS at registrar", ""),
        ),
        work=(Work(("Product pages", "Ad campaigns for the capsules range"), ("4", "5", "3.5")),),
        pays=(-2, -1, -3),
        invoice_lag_days=20,
        incidents=(
            Happened(
                17,
                "legal_risk",
                5,
                'Asked for "cures diabetes" claims on the product pages. Learned the capsules '
                "ship without the required food-safety registration. Declined the claims.",
                evidence="Client's email with the requested copy.",
            ),
        ),
    ),
)


# --- The plan: every row, as plain data --------------------------------------------------


@dataclass
class InvoicePlan:
    client_index: int
    fields: dict[str, Any]
    payments: list[dict[str, Any]]


@dataclass
class ClientPlan:
    spec: DemoClient
    fields: dict[str, Any]
    accounts: list[dict[str, Any]]
    work_logs: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    invoices: list[InvoicePlan]


def demo_plan(as_of: date) -> list[ClientPlan]:
    """Every client, account, work log, incident, invoice and payment of the demo, as of a date."""
    plans = [_client_plan(index, spec, as_of) for index, spec in enumerate(CLIENTS)]
    # Number the invoices in issue order across clients: DEMO-2026-001, DEMO-2026-002 ...
    invoices = sorted(
        (invoice for plan in plans for invoice in plan.invoices),
        key=lambda invoice: (invoice.fields["issued_on"], invoice.client_index),
    )
    per_year: dict[int, int] = {}
    for invoice in invoices:
        year = invoice.fields["issued_on"].year
        per_year[year] = per_year.get(year, 0) + 1
        invoice.fields["number"] = f"DEMO-{year}-{per_year[year]:03d}"
    return plans


def _client_plan(index: int, spec: DemoClient, as_of: date) -> ClientPlan:
    started_on = as_of - timedelta(days=spec.started_days_ago)
    issue_dates = [
        as_of - timedelta(days=(INVOICE_COUNT - 1 - i) * PERIOD_DAYS + spec.invoice_lag_days)
        for i in range(INVOICE_COUNT)
    ]
    work_from = issue_dates[0] - timedelta(days=PERIOD_DAYS)
    assert started_on <= work_from, spec.fields["ref"]  # nosec B101  # demo data self-check
    work_logs = _work_logs(spec.work, since=work_from, as_of=as_of)
    return ClientPlan(
        spec=spec,
        fields={**spec.fields, "started_on": started_on},
        accounts=[{"name": name, "notes": notes} for name, notes in spec.accounts],
        work_logs=work_logs,
        incidents=[
            {
                "occurred_on": as_of - timedelta(days=happened.days_ago),
                "category": happened.category,
                "severity": happened.severity,
                "description": happened.description,
                "evidence": happened.evidence,
            }
            for happened in spec.incidents
        ],
        steps=[
            {
                "taken_on": as_of - timedelta(days=happened.days_ago),
                "kind": StepKind.WARNED,
                "addresses": happened.category,
            }
            for happened in spec.incidents
            if happened.warned
        ],
        invoices=[
            _invoice_plan(index, spec, i, issued_on, work_logs, as_of)
            for i, issued_on in enumerate(issue_dates)
        ],
    )


def _work_logs(habits: tuple[Work, ...], *, since: date, as_of: date) -> list[dict[str, Any]]:
    """Weekly work logs after `since` up to as_of, oldest first."""
    monday = as_of - timedelta(days=as_of.weekday())
    logs = []
    for weeks_ago in range((as_of - since).days // 7 + 1, -1, -1):
        for habit in habits:
            if weeks_ago % habit.every or (
                habit.within_weeks is not None and weeks_ago >= habit.within_weeks
            ):
                continue
            day = monday - timedelta(weeks=weeks_ago) + timedelta(days=habit.weekday)
            if not since < day <= as_of:
                continue
            logs.append(
                {
                    "worked_on": day,
                    "hours": Decimal(habit.hours[weeks_ago % len(habit.hours)]),
                    "description": habit.tasks[(weeks_ago // habit.every) % len(habit.tasks)],
                    "billable": habit.billable,
                }
            )
    return logs


def _invoice_plan(
    client_index: int,
    spec: DemoClient,
    i: int,
    issued_on: date,
    work_logs: list[dict[str, Any]],
    as_of: date,
) -> InvoicePlan:
    rate: Decimal = spec.fields["rate"]
    currency: str = spec.fields["currency"]
    period_start = issued_on - timedelta(days=PERIOD_DAYS)
    mode = spec.fields["billing_mode"]
    if mode == Client.Billing.HOURLY:
        hours = sum(
            (
                log["hours"]
                for log in work_logs
                if log["billable"] and period_start < log["worked_on"] <= issued_on
            ),
            Decimal("0"),
        )
        amount = (hours * rate).quantize(CENTS)
        notes = (
            f"{hours} billable hours at {format_money(rate, currency)}, "
            f"{format_day(period_start + timedelta(days=1))} to {format_day(issued_on)}."
        )
    elif mode == Client.Billing.FIXED:
        amount = (rate / INVOICE_COUNT).quantize(CENTS)
        notes = f"Instalment {i + 1} of {INVOICE_COUNT} of the fixed fee."
    else:
        amount = rate
        notes = f"Monthly retainer, {period_start + timedelta(days=1)} to {issued_on}."
    due_on = issued_on + timedelta(days=spec.fields["payment_terms_days"])
    fields: dict[str, Any] = {
        "issued_on": issued_on,
        "due_on": due_on,
        "amount": amount,
        "currency": currency,
        "notes": notes,
    }
    dispute = spec.disputes.get(i)
    if dispute:
        fields |= {"disputed": True, "dispute_reason": dispute.reason}
    days_late = spec.pays[i % len(spec.pays)]
    payments = []
    if days_late is not None and (dispute is None or dispute.paid):
        paid_on = due_on + timedelta(days=days_late)
        if paid_on <= as_of:
            payments.append(
                {
                    "paid_on": paid_on,
                    "amount": dispute.paid if dispute else amount,
                    "note": _payment_note(days_late, partial=dispute is not None),
                }
            )
    return InvoicePlan(client_index=client_index, fields=fields, payments=payments)


def _payment_note(days_late: int, *, partial: bool) -> str:
    if partial:
        return "Paid what they offered, not the invoiced amount."
    if days_late > 0:
        return f"Bank transfer, {days_late} days after the due date."
    return "Bank transfer."


# --- Writing it --------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    user: AbstractBaseUser
    created: bool  # False: the user already existed and nothing was changed
    reset: bool  # True: an existing demo user and all their data were deleted first
    as_of: date
    clients: tuple[tuple[Client, DemoClient], ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)


# The demo freelancer's day is Amsterdam's: "today", and the services' "not in the
# future" checks, go by it as their pages will.
DEMO_ZONE = zone_named(PROFILE["time_zone"])


@zone_active(DEMO_ZONE)
@transaction.atomic
def demo_seed(
    *,
    username: str = DEFAULT_USERNAME,
    password: str = DEFAULT_PASSWORD,
    as_of: date | None = None,
    reset: bool = False,
) -> SeedResult:
    """Create the demo freelancer and a year of their clients; leave an existing one alone.

    With `reset`, an existing user of that name is deleted with all their data first (only a
    plain demo account: not staff, not a superuser, an @example.com address).
    """
    today = local_now(DEMO_ZONE).date()
    as_of = as_of or today
    if as_of > today:
        raise DemoRefused(
            f"--as-of {as_of} is in the future: payments and incidents cannot be dated after today."
        )
    user_model = get_user_model()
    existing = user_model.objects.filter(username=username).first()
    if existing is not None and not reset:
        return SeedResult(user=existing, created=False, reset=False, as_of=as_of)

    email = f"{slugify(username) or 'demo'}@example.com"
    try:
        user_model.username_validator(username)
        password_validation.validate_password(password, user_model(username=username, email=email))
    except ValidationError as error:
        raise DemoRefused(" ".join(error.messages)) from error

    if existing is not None:
        if (
            existing.is_staff
            or existing.is_superuser
            or not existing.email.endswith("@example.com")
        ):
            raise DemoRefused(
                f'User "{username}" does not look like a demo account (staff, superuser or a '
                "real email address); not deleting it."
            )
        old_logo = Profile.objects.filter(user=existing).values_list("logo", flat=True).first()
        existing.delete()  # cascades to the profile, clients and everything under them
        if old_logo:  # files are no part of the transaction: only once the delete holds
            transaction.on_commit(lambda: default_storage.delete(old_logo))

    user = user_model.objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name="Sanne",
        last_name="de Vries",
    )
    profile_update(profile=profile_for(user), fields={**PROFILE, "logo": demo_logo()})
    for language, text in PAYMENT_INSTRUCTIONS.items():
        wording_save(
            owner=user, kind=Wording.Kind.PAYMENT_INSTRUCTIONS, language=language, text=text
        )
    VerifiedEmail.objects.create(user=user, email=email)  # the demo may send its reminders
    exchange_rates_import(owner=user, rows=demo_rates(as_of))

    clients: list[Client] = []
    for plan in demo_plan(as_of):
        client = client_create(owner=user, fields=plan.fields)
        clients.append(client)
        for account in plan.accounts:
            account_item_add(client=client, fields=account)
        for invoice_plan in plan.invoices:
            invoice = invoice_create(owner=user, client=client, fields=invoice_plan.fields)
            for payment in invoice_plan.payments:
                payment_record(invoice=invoice, **payment)
        for work_log in plan.work_logs:
            work_log_add(client=client, fields=work_log)
        for incident in plan.incidents:
            incident_log(client=client, fields=incident)
        for step in plan.steps:
            step_log(client=client, fields=step)
    _scores_restart(user, as_of)

    return SeedResult(
        user=user,
        created=True,
        reset=existing is not None,
        as_of=as_of,
        clients=tuple(zip(clients, CLIENTS, strict=True)),
        counts={
            "clients": len(clients),
            "invoices": Invoice.objects.for_owner(user).count(),
            "payments": Payment.objects.for_owner(user).count(),
            "incidents": Incident.objects.for_owner(user).count(),
            "steps": Step.objects.for_owner(user).count(),
            "work logs": WorkLog.objects.for_owner(user).count(),
            "account items": AccountItem.objects.for_owner(user).count(),
        },
    )


def _scores_restart(user: AbstractBaseUser, as_of: date) -> None:
    """Score the demo clients afresh. Every write above re-scored its client, so the stored
    scores remember verdicts the clients only had halfway through the seeding (an invoice
    written a moment before its payment looks overdue); those are no part of the story."""
    ClientScore.objects.for_owner(user).delete()
    scores_refresh(user, as_of=as_of)
