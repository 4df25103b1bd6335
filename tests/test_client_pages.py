"""The dashboard, the client page and the client / work log / managed account forms."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import AccountItem, Client, WorkLog

HTMX = {"HTTP_HX_REQUEST": "true"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# Elements whose end tag HTML lets you leave out; our templates close them anyway.
OPTIONAL_END = {"p", "li", "dt", "dd", "option", "tr", "td", "th", "thead", "tbody"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.labelled: set[str] = set()
        self.controls: list[tuple[str, dict]] = []
        self.described: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        if tag in {"input", "select", "textarea"}:
            self.controls.append((tag, attrs))
        if attrs.get("aria-describedby"):
            self.described.extend(attrs["aria-describedby"].split())
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problems.append(f"end tag for void element </{tag}>")
            return
        while self.stack and self.stack[-1] != tag and self.stack[-1] in OPTIONAL_END:
            self.stack.pop()
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
            return
        self.stack.pop()


def html_problems(html: str, *, fragment: bool = False) -> list[str]:
    """What is wrong with a page's markup: unbalanced tags, duplicate ids, unlabelled
    controls, aria-describedby pointing nowhere. Not a full validator, but it catches
    what template edits usually break."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    problems = list(checker.problems)
    if not fragment and not html.lstrip().lower().startswith("<!doctype html>"):
        problems.append("no doctype")
    leftover = [t for t in checker.stack if t not in OPTIONAL_END]
    if leftover:
        problems.append(f"unclosed: {leftover}")
    seen: set[str] = set()
    for id_ in checker.ids:
        if id_ in seen:
            problems.append(f"duplicate id {id_!r}")
        seen.add(id_)
    for tag, attrs in checker.controls:
        if attrs.get("type") in {"hidden", "submit", "button"}:
            continue
        if attrs.get("id") not in checker.labelled and "aria-label" not in attrs:
            problems.append(f"unlabelled <{tag} name={attrs.get('name')!r}>")
    problems += [f"aria-describedby {d!r} missing" for d in checker.described if d not in seen]
    return problems


def page(response, *, fragment: bool = False) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert html_problems(html, fragment=fragment) == []
    return html


# Dashboard


def test_a_new_freelancer_sees_what_to_do_first(alice_client):
    html = page(alice_client.get(reverse("dashboard")))
    assert "Add your first client" in html
    assert reverse("client_create") in html
    assert reverse("csv_import") in html


def test_the_dashboard_lists_active_clients_and_hides_dropped_ones(alice_client, alice, factories):
    factories.client(owner=alice, name="Kept Ltd")
    factories.client(owner=alice, name="Gone Ltd", status=Client.Status.DROPPED)
    html = page(alice_client.get(reverse("dashboard")))
    assert "Kept Ltd" in html
    assert "Gone Ltd" not in html

    html = page(alice_client.get(reverse("dashboard"), {"dropped": "1"}))
    assert "Gone Ltd" in html


def test_the_dashboard_shows_nobody_elses_clients(alice_client, bob, factories):
    factories.client(owner=bob, name="Bob's Bakery")
    assert "Bob&#x27;s Bakery" not in page(alice_client.get(reverse("dashboard")))


def test_overdue_money_is_summed_per_currency_never_across(alice_client, alice, factories):
    acme = factories.client(owner=alice, name="Acme", currency="EUR")
    long_ago = timezone.localdate() - timedelta(days=60)
    for amount, currency in [("100.00", "EUR"), ("50.00", "EUR"), ("70.00", "USD")]:
        factories.invoice(
            client=acme, amount=Decimal(amount), currency=currency, issued_on=long_ago
        )
    partly = factories.invoice(client=acme, amount=Decimal("40.00"), issued_on=long_ago)
    factories.payment(invoice=partly, amount=Decimal("15.00"))
    # Not overdue: disputed (at risk, but shown apart), draft, not yet due, fully paid.
    factories.invoice(
        client=acme, amount=Decimal("555.00"), disputed=True, dispute_reason="x", issued_on=long_ago
    )
    factories.invoice(client=acme, amount=Decimal("999.00"), state="draft", issued_on=long_ago)
    factories.invoice(
        client=acme, amount=Decimal("999.00"), due_on=timezone.localdate() + timedelta(days=3)
    )
    paid = factories.invoice(client=acme, amount=Decimal("999.00"), issued_on=long_ago)
    factories.payment(invoice=paid)

    html = page(alice_client.get(reverse("dashboard")))
    assert "€175.00" in html  # 100 + 50 + (40 - 15)
    assert "$70.00" in html
    assert "999" not in html
    assert "€555.00</span>" in html.split("in dispute", 1)[0]
    assert "€730.00" not in html  # never added to the overdue


def test_the_dashboard_sorts_by_overdue_with_the_longest_waiting_first(
    alice_client, alice, factories
):
    today = timezone.localdate()
    on_time = factories.client(owner=alice, name="A on time")
    recent = factories.client(owner=alice, name="B recent")
    oldest = factories.client(owner=alice, name="C oldest")
    factories.invoice(client=recent, issued_on=today - timedelta(days=20))
    factories.invoice(client=oldest, issued_on=today - timedelta(days=90))

    html = page(alice_client.get(reverse("dashboard"), {"sort": "overdue"}))
    assert html.index(oldest.name) < html.index(recent.name) < html.index(on_time.name)
    html = page(alice_client.get(reverse("dashboard"), {"sort": "name"}))
    assert html.index(on_time.name) < html.index(recent.name) < html.index(oldest.name)


def test_the_dashboard_sorts_by_status_active_first(alice_client, alice, factories):
    factories.client(owner=alice, name="A paused", status=Client.Status.PAUSED)
    factories.client(owner=alice, name="B active")
    html = page(alice_client.get(reverse("dashboard"), {"sort": "status"}))
    assert html.index("B active") < html.index("A paused")


def test_an_unknown_sort_falls_back_to_worst_first(alice_client, alice, factories):
    factories.client(owner=alice, name="Zed")
    factories.client(owner=alice, name="Abe")
    html = page(alice_client.get(reverse("dashboard"), {"sort": "1; DROP TABLE", "page": "x"}))
    assert html.index("Abe") < html.index("Zed")


def test_the_dashboard_counts_recent_incidents_and_shows_last_activity(
    alice_client, alice, factories
):
    acme = factories.client(owner=alice, name="Acme")
    today = timezone.localdate()
    factories.incident(client=acme, occurred_on=today - timedelta(days=5))
    factories.incident(client=acme, occurred_on=today - timedelta(days=10))
    factories.incident(client=acme, occurred_on=today - timedelta(days=400))
    factories.work_log(client=acme, worked_on=today - timedelta(days=1))

    html = page(alice_client.get(reverse("dashboard")))
    assert '<span class="badge flag">2</span>' in html
    assert f'datetime="{(today - timedelta(days=1)).isoformat()}"' in html


def test_the_dashboard_pages_fifty_clients_at_a_time(alice_client, alice, factories):
    for n in range(51):
        factories.client(owner=alice, name=f"Client {n:02d}")
    html = page(alice_client.get(reverse("dashboard")))
    assert "Client 49" in html
    assert "Client 50" not in html
    assert "Page 1 of 2" in html
    html = page(alice_client.get(reverse("dashboard"), {"page": "2"}))
    assert "Client 50" in html


def test_sorting_with_htmx_returns_only_the_client_list(alice_client, alice, factories):
    factories.client(owner=alice, name="Acme")
    response = alice_client.get(reverse("dashboard"), {"sort": "status"}, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="client-list"')
    assert "<html" not in html


def test_the_dashboard_ranks_clients_worst_first_with_verdict_and_top_reason(
    alice_client, alice, factories
):
    calm = factories.client(owner=alice, name="Calm Co")
    rude = factories.client(owner=alice, name="Rude Ltd")
    liar = factories.client(owner=alice, name="Fibber Inc")
    factories.incident(client=rude, category="verbal_abuse")
    factories.incident(client=liar, category="lying")
    html = page(alice_client.get(reverse("dashboard")))
    assert html.index("Fibber Inc") < html.index("Rude Ltd") < html.index("Calm Co")
    assert '<span class="badge verdict-fire">Fire</span>' in html
    assert '<span class="badge verdict-watch">Watch</span>' in html
    assert calm.score.score == 100


def test_the_dashboard_filters_by_verdict(alice_client, alice, factories):
    factories.client(owner=alice, name="Calm Co")
    factories.incident(client=factories.client(owner=alice, name="Fibber Inc"), category="lying")
    html = page(alice_client.get(reverse("dashboard"), {"verdict": "fire"}))
    assert "Fibber Inc" in html and "Calm Co" not in html
    html = page(alice_client.get(reverse("dashboard"), {"verdict": "nonsense"}))
    assert "Fibber Inc" in html and "Calm Co" in html


@pytest.mark.parametrize("clients", [2, 20])
def test_the_dashboard_costs_the_same_queries_for_2_or_20_clients(
    alice_client, alice, factories, django_assert_num_queries, clients
):
    long_ago = timezone.localdate() - timedelta(days=60)
    for n in range(clients):
        client = factories.client(owner=alice, currency="EUR" if n % 2 else "USD")
        invoice = factories.invoice(client=client, issued_on=long_ago)
        factories.invoice(client=client, issued_on=long_ago, currency="MYR")
        factories.invoice(client=client, issued_on=long_ago, disputed=True, dispute_reason="Scope")
        factories.payment(invoice=invoice, amount=Decimal("10.00"))
        factories.incident(client=client)
        factories.work_log(client=client)
        factories.invoice(  # fell overdue two days ago: the header counts it
            client=client,
            issued_on=timezone.localdate() - timedelta(days=16),
            due_on=timezone.localdate() - timedelta(days=2),
        )
    alice_client.get(reverse("dashboard"))  # first visit of the day scores everyone
    # session, user, profile, freshness check, count, the page's ids, its rows, overdue;
    # the header: verdicts and money at risk, newly overdue, reminders due (invoices and
    # their reminders)
    with django_assert_num_queries(12):
        response = alice_client.get(reverse("dashboard"))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.newly_overdue == clients
    assert overview.reminders_due >= clients
    assert sum(overview.verdicts.values()) == clients
    # Where the problem is, from the stored row: the overdue money shows, no query more.
    assert 'class="areas"' in response.content.decode()


# Client page


def test_the_client_page_shows_details_boundaries_and_status(alice_client, acme):
    acme.boundaries = "No calls after 18:00."
    acme.save()
    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    assert "<h1>Acme Studio" in html
    assert "No calls after 18:00." in html
    assert "status-active" in html


def test_the_timeline_merges_everything_newest_first(alice_client, acme, factories):
    today = timezone.localdate()
    invoice = factories.invoice(client=acme, number="INV-OLD", issued_on=today - timedelta(days=40))
    factories.payment(invoice=invoice, paid_on=today - timedelta(days=20), note="bank transfer")
    factories.incident(client=acme, occurred_on=today - timedelta(days=10), description="Shouted")
    factories.work_log(client=acme, worked_on=today - timedelta(days=1), description="Homepage")

    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    timeline = html[html.index('id="timeline"') :]
    order = ["Homepage", "Shouted", "bank transfer", "entry-invoice"]
    positions = [timeline.index(s) for s in order]
    assert positions == sorted(positions)
    assert "status-paid" in timeline


def test_the_timeline_shows_each_invoices_status_today(alice_client, acme, factories):
    today = timezone.localdate()
    factories.invoice(client=acme, number="LATE-1", issued_on=today - timedelta(days=60))
    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    assert "status-overdue" in html


def test_the_timeline_is_capped_and_shows_more_with_htmx(alice_client, acme, factories):
    for n in range(30):
        factories.work_log(
            client=acme,
            description=f"Task {n:02d}",
            worked_on=timezone.localdate() - timedelta(days=n),
        )
    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    assert "Task 24" in html
    assert "Task 25" not in html
    more = reverse("client_timeline", args=[acme.pk]) + "?page=2"
    assert f'hx-get="{more}"' in html

    rows = page(alice_client.get(more, **HTMX), fragment=True)
    assert rows.lstrip().startswith("<li")
    assert "Task 25" in rows and "Task 29" in rows
    assert "Task 24" not in rows
    assert "Show older entries" not in rows


def test_without_javascript_show_more_is_a_page_of_the_client_page(alice_client, acme, factories):
    for n in range(30):
        factories.work_log(
            client=acme,
            description=f"Task {n:02d}",
            worked_on=timezone.localdate() - timedelta(days=n),
        )
    response = alice_client.get(reverse("client_timeline", args=[acme.pk]), {"page": "2"})
    assert response.status_code == 302
    html = page(alice_client.get(response.url))
    assert "Task 29" in html
    assert "Back to the newest entries" in html


def test_the_timeline_partial_renders_alone(alice_client, acme, factories):
    factories.work_log(client=acme, description="Logo sketches")
    html = page(alice_client.get(reverse("client_timeline", args=[acme.pk]), **HTMX), fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "Logo sketches" in html


def test_the_client_page_totals_hours_and_money_per_currency(alice_client, acme, factories):
    factories.work_log(client=acme, hours=Decimal("3.00"), billable=True)
    factories.work_log(client=acme, hours=Decimal("1.50"), billable=False)
    invoice = factories.invoice(client=acme, amount=Decimal("900.00"))
    factories.payment(invoice=invoice, amount=Decimal("450.00"))
    factories.invoice(client=acme, amount=Decimal("5.00"), currency="USD")
    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    totals = html[
        html.index('id="client-totals"') : html.index(
            "</section>", html.index('id="client-totals"')
        )
    ]
    assert "<dd>3</dd>" in totals
    assert "<dd>1.50</dd>" in totals
    assert "€900.00" in totals and "€450.00" in totals
    assert "$5.00" in totals


def test_the_client_page_lists_managed_accounts_with_handed_back_state(
    alice_client, acme, factories
):
    factories.account_item(client=acme, name="Instagram", handed_over=True)
    factories.account_item(client=acme, name="Google Ads", handed_over=False)
    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    assert "Instagram" in html and "handed back" in html
    assert "Google Ads" in html and "still with you" in html


def test_the_payment_form_offers_only_this_clients_open_invoices(
    alice_client, alice, bob, acme, factories
):
    factories.invoice(client=acme, number="OPEN-1")
    paid = factories.invoice(client=acme, number="PAID-1")
    factories.payment(invoice=paid)
    factories.invoice(client=factories.client(owner=alice), number="OTHER-CLIENT")
    factories.invoice(client=factories.client(owner=bob), number="BOBS-1")
    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    form = html[
        html.index('id="add-payment"') : html.index("</details>", html.index('id="add-payment"'))
    ]
    assert "OPEN-1" in form
    assert "PAID-1" not in form
    assert "OTHER-CLIENT" not in form
    assert "BOBS-1" not in form


def test_the_client_page_shows_the_assessment_with_reasons_advice_and_evidence(
    alice_client, acme, factories
):
    from datetime import timedelta

    from django.utils import timezone

    from redflags.assess import client_score_refresh

    incident = factories.incident(
        client=acme, category="verbal_abuse", occurred_on=timezone.localdate() - timedelta(days=4)
    )
    client_score_refresh(acme)
    html = alice_client.get(reverse("client_detail", args=[acme.pk])).content.decode()
    assert "badge verdict-watch" in html
    assert "Verbal abuse" in html
    assert "not acceptable" in html  # the advice
    assert reverse("incident_edit", args=[incident.pk]) in html  # evidence links to it
    assert 'class="chart chart-score"' in html and 'class="chart-data"' in html


def test_logging_an_incident_updates_the_verdict_without_a_reload(alice_client, acme):
    from django.utils import timezone

    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]),
        {
            "occurred_on": timezone.localdate().isoformat(),
            "category": "physical_abuse",
            "severity": "5",
            "description": "Threw a laptop charger across the room.",
        },
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="assessment"' in html and 'hx-swap-oob="true"' in html
    assert "badge verdict-fire" in html


def _fill_client(client, rows: int, factories) -> None:
    for _ in range(rows):
        invoice = factories.invoice(client=client)
        factories.payment(invoice=invoice, amount=Decimal("100.00"))
        factories.incident(client=client)
        factories.step(client=client)
        factories.work_log(client=client)
        factories.account_item(client=client)


@pytest.mark.parametrize("rows", [2, 20])
def test_the_client_page_costs_the_same_queries_for_2_or_20_rows(
    alice_client, acme, factories, django_assert_num_queries, rows
):
    _fill_client(acme, rows, factories)
    # session, user, client, 6 timeline kinds, 3 totals, accounts, and the open
    # invoices three times: any at all? then the <select> (Django reads its choices twice)
    # 16 for the page (6 timeline kinds), 8 for the assessment: score, profile, six fact tables,
    # whether the payment form offers a receipt (the freelancer's switch), and how many
    # late fees were waived for the client.
    with django_assert_num_queries(26):
        response = alice_client.get(reverse("client_detail", args=[acme.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [2, 20])
def test_the_timeline_partial_costs_the_same_queries_for_2_or_20_rows(
    alice_client, acme, factories, django_assert_num_queries, rows
):
    _fill_client(acme, rows, factories)
    with django_assert_num_queries(9):  # session, user, client, 6 timeline kinds
        response = alice_client.get(reverse("client_timeline", args=[acme.pk]), **HTMX)
    assert response.status_code == 200


# Clients: create, edit, delete


CLIENT_POST = {
    "name": "Blue Fox",
    "ref": "",
    "company": "Blue Fox Oy",
    "email": "hello@bluefox.example",
    "language": "fi",
    "currency": "EUR",
    "billing_mode": "hourly",
    "rate": "75",
    "payment_terms_days": "14",
    "status": "active",
    "started_on": "2024-01-15",
    "reminders_enabled": "on",
}


def test_the_new_client_form_renders(alice_client):
    html = page(alice_client.get(reverse("client_create")))
    assert 'name="currency"' in html
    assert 'type="date"' in html


def test_adding_a_client_suggests_a_ref_and_redirects_to_its_page(alice_client, alice):
    response = alice_client.post(reverse("client_create"), CLIENT_POST)
    client = Client.objects.get(owner=alice)
    assert response.status_code == 302
    assert response.url == reverse("client_detail", args=[client.pk])
    assert client.ref == "blue-fox"
    html = page(alice_client.get(response.url))
    assert "Blue Fox added." in html


def test_adding_a_client_with_htmx_redirects_on_the_client_side(alice_client, alice):
    response = alice_client.post(reverse("client_create"), CLIENT_POST, **HTMX)
    client = Client.objects.get(owner=alice)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("client_detail", args=[client.pk])


def test_a_rejected_client_form_with_htmx_returns_the_form_with_errors(alice_client, alice):
    response = alice_client.post(reverse("client_create"), CLIENT_POST | {"name": ""}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html_problems(html, fragment=True) == []
    assert html.lstrip().startswith('<form id="client-form"')
    assert "This field is required." in html
    assert not Client.objects.exists()


def test_editing_a_client_saves_and_redirects(alice_client, acme):
    html = page(alice_client.get(reverse("client_edit", args=[acme.pk])))
    assert 'value="Acme Studio"' in html
    post = CLIENT_POST | {"name": "Acme Studio AB", "ref": "acme", "status": "paused"}
    response = alice_client.post(reverse("client_edit", args=[acme.pk]), post)
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.name == "Acme Studio AB"
    assert acme.status == Client.Status.PAUSED


def test_editing_a_client_with_htmx_redirects_on_the_client_side(alice_client, acme):
    post = CLIENT_POST | {"name": "Acme Two", "ref": "acme"}
    response = alice_client.post(reverse("client_edit", args=[acme.pk]), post, **HTMX)
    assert response["HX-Redirect"] == reverse("client_detail", args=[acme.pk])
    acme.refresh_from_db()
    assert acme.name == "Acme Two"


def test_a_rejected_edit_keeps_the_saved_name_in_the_heading(alice_client, acme):
    post = CLIENT_POST | {"name": "New name", "ref": "acme", "email": "nope"}
    html = page(alice_client.post(reverse("client_edit", args=[acme.pk]), post))
    assert "<h1>Edit Acme Studio</h1>" in html
    acme.refresh_from_db()
    assert acme.name == "Acme Studio"


def test_deleting_a_client_asks_first_then_deletes_on_post(alice_client, acme):
    html = page(alice_client.get(reverse("client_delete", args=[acme.pk])))
    assert "Delete Acme Studio?" in html
    assert Client.objects.filter(pk=acme.pk).exists()
    response = alice_client.post(reverse("client_delete", args=[acme.pk]))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert not Client.objects.filter(pk=acme.pk).exists()


def test_deleting_a_client_with_htmx_redirects_to_the_dashboard(alice_client, acme):
    response = alice_client.post(reverse("client_delete", args=[acme.pk]), **HTMX)
    assert response["HX-Redirect"] == reverse("dashboard")
    assert not Client.objects.filter(pk=acme.pk).exists()


# Work logs


WORK_POST = {
    "worked_on": "2024-03-01",
    "hours": "2.5",
    "description": "Wireframes",
    "billable": "on",
}


def test_logging_work_without_javascript_redirects_to_the_client_page(alice_client, acme):
    response = alice_client.post(reverse("work_log_create", args=[acme.pk]), WORK_POST)
    assert response.status_code == 302
    assert response.url == reverse("client_detail", args=[acme.pk])
    assert WorkLog.objects.get(client=acme).hours == Decimal("2.50")


def test_logging_work_with_htmx_returns_the_updated_timeline(alice_client, acme):
    response = alice_client.post(reverse("work_log_create", args=[acme.pk]), WORK_POST, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "Wireframes" in html
    assert (
        'id="client-totals" class="card totals" aria-labelledby="totals-heading" hx-swap-oob="true"'
        in html
    )
    assert 'id="add-work" class="add-box" open hx-swap-oob="true"' in html
    assert "Work logged." in html


def test_a_rejected_work_log_with_htmx_rerenders_the_form_in_place(alice_client, acme):
    post = WORK_POST | {"hours": "0"}
    response = alice_client.post(reverse("work_log_create", args=[acme.pk]), post, **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#add-work"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html_problems(html, fragment=True) == []
    assert html.lstrip().startswith('<details id="add-work"')
    assert 'aria-invalid="true"' in html
    assert not WorkLog.objects.exists()


def test_the_work_log_page_renders(alice_client, acme):
    page(alice_client.get(reverse("work_log_create", args=[acme.pk])))


def test_editing_a_work_log(alice_client, acme, factories):
    work = factories.work_log(client=acme)
    page(alice_client.get(reverse("work_log_edit", args=[work.pk])))
    post = WORK_POST | {"hours": "4", "billable": ""}
    response = alice_client.post(reverse("work_log_edit", args=[work.pk]), post)
    assert response.status_code == 302
    work.refresh_from_db()
    assert work.hours == Decimal("4.00")
    assert work.billable is False


def test_editing_a_work_log_with_htmx(alice_client, acme, factories):
    work = factories.work_log(client=acme)
    url = reverse("work_log_edit", args=[work.pk])
    response = alice_client.post(url, WORK_POST | {"hours": "25"}, **HTMX)
    assert response.status_code == 422
    assert response.content.decode().lstrip().startswith('<form id="work-log-form"')
    response = alice_client.post(url, WORK_POST | {"hours": "3"}, **HTMX)
    assert response["HX-Redirect"] == reverse("client_detail", args=[acme.pk])
    work.refresh_from_db()
    assert work.hours == Decimal("3.00")


def test_deleting_a_work_log_asks_first(alice_client, acme, factories):
    work = factories.work_log(client=acme)
    page(alice_client.get(reverse("work_log_delete", args=[work.pk])))
    assert WorkLog.objects.filter(pk=work.pk).exists()
    response = alice_client.post(reverse("work_log_delete", args=[work.pk]))
    assert response.url == reverse("client_detail", args=[acme.pk])
    assert not WorkLog.objects.filter(pk=work.pk).exists()


def test_deleting_a_work_log_with_htmx_returns_the_timeline(alice_client, acme, factories):
    work = factories.work_log(client=acme, description="Mistake")
    response = alice_client.post(
        reverse("work_log_delete", args=[work.pk]), HTTP_HX_TARGET="timeline", **HTMX
    )
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "Mistake" not in html
    assert not WorkLog.objects.filter(pk=work.pk).exists()


# Managed accounts


def test_adding_an_account_without_javascript(alice_client, acme):
    page(alice_client.get(reverse("account_item_create", args=[acme.pk])))
    response = alice_client.post(
        reverse("account_item_create", args=[acme.pk]), {"name": "Facebook page", "notes": ""}
    )
    assert response.url == reverse("client_detail", args=[acme.pk])
    assert AccountItem.objects.get(client=acme).name == "Facebook page"


def test_adding_an_account_with_htmx_returns_the_account_list(alice_client, acme):
    response = alice_client.post(
        reverse("account_item_create", args=[acme.pk]), {"name": "Facebook page"}, **HTMX
    )
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="accounts"')
    assert "Facebook page" in html


def test_a_rejected_account_with_htmx_shows_the_error_in_the_list(alice_client, acme):
    response = alice_client.post(
        reverse("account_item_create", args=[acme.pk]), {"name": ""}, **HTMX
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not AccountItem.objects.exists()


def test_handing_an_account_back_dates_it(alice_client, acme, factories):
    item = factories.account_item(client=acme)
    page(alice_client.get(reverse("account_item_edit", args=[item.pk])))
    response = alice_client.post(
        reverse("account_item_edit", args=[item.pk]),
        {"name": item.name, "notes": "", "handed_over": "on"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.handed_over_on == timezone.localdate()


def test_removing_an_account_asks_first_and_works_with_htmx(alice_client, acme, factories):
    item = factories.account_item(client=acme, name="Old Twitter")
    page(alice_client.get(reverse("account_item_delete", args=[item.pk])))
    response = alice_client.post(reverse("account_item_delete", args=[item.pk]), **HTMX)
    html = page(response, fragment=True)
    assert "Old Twitter" not in html.split('id="messages"')[0]
    assert not AccountItem.objects.filter(pk=item.pk).exists()


# Ownership


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("client_detail", "get"),
        ("client_timeline", "get"),
        ("client_edit", "get"),
        ("client_edit", "post"),
        ("client_delete", "get"),
        ("client_delete", "post"),
        ("work_log_create", "get"),
        ("work_log_create", "post"),
        ("account_item_create", "get"),
        ("account_item_create", "post"),
    ],
)
def test_bob_gets_404_for_alices_client(client, bob, acme, name, method):
    client.force_login(bob)
    response = getattr(client, method)(reverse(name, args=[acme.pk]), WORK_POST)
    assert response.status_code == 404
    assert Client.objects.filter(pk=acme.pk).exists()
    assert not WorkLog.objects.exists()


@pytest.mark.parametrize("name", ["work_log_edit", "work_log_delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_bob_gets_404_for_alices_work_logs(client, bob, acme, factories, name, method):
    work = factories.work_log(client=acme)
    client.force_login(bob)
    response = getattr(client, method)(reverse(name, args=[work.pk]), WORK_POST)
    assert response.status_code == 404
    assert WorkLog.objects.get(pk=work.pk).hours == work.hours


@pytest.mark.parametrize("name", ["account_item_edit", "account_item_delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_bob_gets_404_for_alices_managed_accounts(client, bob, acme, factories, name, method):
    item = factories.account_item(client=acme)
    client.force_login(bob)
    response = getattr(client, method)(reverse(name, args=[item.pk]), {"name": "Bob's"})
    assert response.status_code == 404
    assert AccountItem.objects.get(pk=item.pk).name == item.name


def test_pages_need_a_login(client, acme):
    response = client.get(reverse("client_detail", args=[acme.pk]))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_deletes_refuse_other_methods(alice_client, acme):
    assert alice_client.put(reverse("client_delete", args=[acme.pk])).status_code == 405
    assert alice_client.post(reverse("client_detail", args=[acme.pk])).status_code == 405


def test_the_dashboard_shows_the_money_at_risk_per_currency(alice_client, alice, factories):
    long_ago = timezone.localdate() - timedelta(days=60)
    for currency, amount in (("EUR", "100.00"), ("EUR", "50.00"), ("USD", "70.00")):
        client = factories.client(owner=alice, currency=currency)
        factories.invoice(client=client, issued_on=long_ago, amount=Decimal(amount))
    factories.invoice(client=factories.client(owner=factories.user()), issued_on=long_ago)
    html = page(alice_client.get(reverse("dashboard")))
    assert "Money at risk" in html
    assert "€150.00" in html and "$70.00" in html


def test_more_work_for_a_client_at_fire_comes_with_a_warning(alice_client, acme, factories):
    from redflags.assess import client_score_refresh

    form_page = reverse("work_log_create", args=[acme.pk])
    assert "Think twice" not in page(alice_client.get(form_page))
    factories.incident(client=acme, category="lying")
    client_score_refresh(acme)
    assert "Think twice" in page(alice_client.get(form_page))
    assert "Think twice" in page(alice_client.get(reverse("invoice_create", args=[acme.pk])))
    detail = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    assert "Lied to you" in detail and "Think twice" in detail


def test_the_client_page_links_the_statement_and_counts_waived_fees(
    alice_client, alice, acme, factories
):
    from invoices.late_fees import fee_waive
    from invoices.models import LateFee

    invoice = factories.invoice(client=acme)
    page = alice_client.get(reverse("client_detail", args=[acme.pk]))
    assert reverse("client_statement", args=[acme.pk]) in page.text
    assert "waived" not in page.text
    for stage in ("nudge", "paused"):
        fee = LateFee.objects.create(
            invoice=invoice,
            kind="flat",
            stage=stage,
            amount=10,
            currency=invoice.currency,
            charged_on=invoice.due_on,
        )
        fee_waive(fee=fee, note="Goodwill")
    page = alice_client.get(reverse("client_detail", args=[acme.pk]))
    assert "You have waived 2 late fees for this client." in page.text


def test_money_at_risk_follows_payments_disputes_and_equals_the_invoices(alice, acme, factories):
    """Kept per client with the stored assessment, it must equal the sum over the
    invoices themselves after every kind of change."""
    from clients.selectors import money_at_risk
    from invoices.models import Invoice
    from invoices.services import invoice_update, payment_record
    from redflags.assess import scores_refresh

    today = timezone.localdate()
    long_ago = today - timedelta(days=60)
    late = factories.invoice(client=acme, issued_on=long_ago, amount=Decimal("300.00"))
    disputed = factories.invoice(client=acme, issued_on=long_ago, amount=Decimal("80.00"))
    factories.invoice(client=acme, issued_on=today, amount=Decimal("999.00"))  # not yet due
    scores_refresh(alice)
    assert money_at_risk(owner=alice) == [("EUR", Decimal("380.00"))]

    payment_record(invoice=late, paid_on=today, amount=Decimal("100.00"))
    invoice_update(invoice=disputed, fields={"disputed": True, "dispute_reason": "Scope"})
    expected = sum(
        (i.amount - i.paid_total for i in Invoice.objects.with_paid().overdue(today)),
        Decimal("0"),
    )
    assert money_at_risk(owner=alice) == [("EUR", expected)] == [("EUR", Decimal("200.00"))]


def test_disputed_money_is_money_at_risk_shown_apart_on_the_dashboard_and_client_page(
    alice_client, alice, factories
):
    today = timezone.localdate()
    haggler = factories.client(owner=alice, name="Haggle Ltd", currency="USD")
    for amount, days in (("4800.00", 20), ("900.00", 120)):
        factories.invoice(
            client=haggler,
            currency="USD",
            amount=Decimal(amount),
            issued_on=today - timedelta(days=days + 14),
            due_on=today - timedelta(days=days),
            disputed=True,
            dispute_reason="Says the work was not agreed",
        )
    late = factories.client(owner=alice, name="Late Ltd")
    factories.invoice(client=late, amount=Decimal("300.00"), issued_on=today - timedelta(60))
    factories.invoice(client=factories.client(owner=factories.user()), disputed=True,
                      dispute_reason="x", currency="USD", amount=Decimal("77.00"))  # fmt: skip

    html = page(alice_client.get(reverse("dashboard")))
    top = html.split('class="figure money-at-risk"', 1)[1].split("</div>", 1)[0]
    assert "€300.00" in top and "$5,700.00" in top and "in dispute" in top
    assert "$77.00" not in html
    row = html.split("Haggle Ltd", 2)[1].split("</tr>", 1)[0]
    assert "$5,700.00" in row and "in dispute" in row and "nothing" not in row

    detail = page(alice_client.get(reverse("client_detail", args=[haggler.pk])))
    risk = detail.split('class="money-at-risk"', 1)[1].split("</p>", 1)[0]
    assert "$5,700.00" in risk and "in dispute" in risk and "overdue" not in risk


def test_money_in_dispute_follows_payments_and_equals_the_invoices(alice, acme, factories):
    from clients.selectors import money_at_risk_with_disputes
    from invoices.models import Invoice
    from invoices.services import invoice_update, payment_record
    from redflags.assess import scores_refresh

    today = timezone.localdate()
    disputed = factories.invoice(
        client=acme, amount=Decimal("500.00"), disputed=True, dispute_reason="Scope"
    )  # not yet due, and still at risk
    other = factories.invoice(client=acme, amount=Decimal("80.00"), issued_on=today - timedelta(60))
    scores_refresh(alice)
    risk = money_at_risk_with_disputes(owner=alice)
    assert (risk.overdue, risk.in_dispute) == (
        [("EUR", Decimal("80.00"))],
        [("EUR", Decimal("500.00"))],
    )
    payment_record(invoice=disputed, paid_on=today, amount=Decimal("100.00"))
    invoice_update(invoice=other, fields={"disputed": True, "dispute_reason": "Haggling"})
    expected = sum(
        (
            i.amount - i.paid_total
            for i in Invoice.objects.with_paid().open().filter(disputed=True, client=acme)
        ),
        Decimal("0"),
    )
    risk = money_at_risk_with_disputes(owner=alice)
    assert risk.in_dispute == [("EUR", expected)] == [("EUR", Decimal("480.00"))]
    assert risk.overdue == []
