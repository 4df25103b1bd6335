"""What the browser tests share: a small backup document, logging in, reading the dashboard."""

import json
import re
from datetime import date, timedelta

from django.utils import timezone

from tests.e2e.browser import expect

PASSWORD = "correct horse battery staple"  # the factories' password
DASHBOARD = re.compile(r"^https?://[^/]+/$")


def backup_document(today: date | None = None) -> dict:
    """A small backup as docs/data-format.md describes it: one client to keep, one to watch,
    one to fire. Dates are relative to today, as the rules weigh recent events most."""
    today = today or timezone.localdate()

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    return {
        "version": 1,
        "settings": {"currency": "EUR", "business_name": "Maria Design", "time_zone": "UTC"},
        "clients": [
            {
                "ref": "north-bakery",
                "name": "Nora North",
                "company": "North Bakery",
                "email": "nora@north-bakery.example",
                "language": "en",
                "currency": "EUR",
                "billing": "hourly",
                "rate": "80.00",
                "payment_terms_days": 14,
                "started_on": ago(300),
                "boundaries": "Changes after sign-off are quoted first.",
                "invoices": [
                    {
                        "number": "NB-1",
                        "issued_on": ago(60),
                        "due_on": ago(46),
                        "amount": "800.00",
                        "payments": [{"paid_on": ago(47), "amount": "800.00"}],
                    },
                    {
                        # Open and not yet due: something to pay and to remind about.
                        "number": "NB-2",
                        "issued_on": ago(5),
                        "due_on": (today + timedelta(days=9)).isoformat(),
                        "amount": "1200.00",
                    },
                ],
                "work_logs": [
                    {"date": ago(10), "hours": "6.00", "description": "Menu redesign"},
                ],
                "accounts": [{"name": "Instagram business account"}],
            },
            {
                "ref": "fjord-media",
                "name": "Frida Fjord",
                "company": "Fjord Media",
                "email": "frida@fjord-media.example",
                "language": "en",
                "currency": "EUR",
                "billing": "fixed",
                "rate": "3000.00",
                "payment_terms_days": 30,
                "started_on": ago(200),
                "accounts": [{"name": "Google Ads account"}],
                "incidents": [
                    {
                        "category": "verbal_abuse",
                        "occurred_on": ago(4),
                        "severity": 3,
                        "note": "Called the draft garbage in front of the whole team.",
                    }
                ],
                "steps": [
                    {
                        "kind": "asked_deposit",
                        "taken_on": ago(20),
                        "note": "Half up front for the next campaign.",
                    }
                ],
            },
            {
                "ref": "harbour-legal",
                "name": "Hugo Harbour",
                "company": "Harbour Legal",
                "email": "hugo@harbour-legal.example",
                "language": "en",
                "currency": "EUR",
                "billing": "retainer",
                "rate": "1500.00",
                "payment_terms_days": 14,
                "started_on": ago(400),
                "incidents": [
                    {
                        "category": "lying",
                        "occurred_on": ago(8),
                        "severity": 4,
                        "note": "Claimed the invoice never arrived; it was opened twice.",
                    }
                ],
            },
        ],
    }


WORST_FIRST = ["Hugo Harbour", "Frida Fjord", "Nora North"]


def backup_file(document: dict | None = None) -> dict:
    """The document as a file for `set_input_files`."""
    payload = json.dumps(document or backup_document(), indent=2).encode()
    return {"name": "clientwatch-backup.json", "mimeType": "application/json", "buffer": payload}


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(DASHBOARD)


def dashboard_rows(page) -> list[tuple[str, str]]:
    """(client name, verdict) per row of the dashboard's table, top to bottom."""
    rows = page.locator("#client-list tbody tr")
    return [
        (
            row.locator("th[scope=row] a").inner_text().strip(),
            row.locator(".badge[class*=verdict-]").inner_text().strip(),
        )
        for row in rows.all()
    ]
