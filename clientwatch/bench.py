"""`make bench`: the figures the issues ask for, printed as a small report.

Runs against the database in DATABASE_URL (the Makefile points it at a throwaway one),
creating its own data with bulk inserts. Nothing here is asserted: the numbers go to
BENCHMARKS.md by hand, with the machine they were measured on.
"""

import os
import platform
import statistics
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientwatch.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from clients.models import Client, Profile, VerifiedEmail, WorkLog  # noqa: E402
from invoices.models import Invoice, Payment  # noqa: E402
from redflags.assess import scores_refresh  # noqa: E402
from redflags.models import Incident  # noqa: E402

TODAY = timezone.localdate()
CATEGORIES = ("unresponsive", "scope_change", "micromanaging", "invoice_dispute", "other")


def make_freelancer(username: str, clients: int, invoices: int, incidents: int, work_logs: int):
    """One freelancer with `clients` clients, each with monthly invoices (paid, some late),
    incidents and work logs, written with bulk inserts."""
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "bench-password-1"
    )
    Profile.objects.create(user=user, target_hourly_rate=Decimal("60"))
    rows = Client.objects.bulk_create(
        Client(
            owner=user,
            ref=f"c{n}",
            name=f"Client {n:04d}",
            email=f"c{n}@example.com",
            started_on=TODAY - timedelta(days=31 * invoices + 30),
        )
        for n in range(clients)
    )
    invoice_rows = []
    for client in rows:
        for i in range(invoices):
            issued = TODAY - timedelta(days=31 * (invoices - i) + 14)
            invoice_rows.append(
                Invoice(
                    owner=user,
                    client=client,
                    number=f"{client.ref}-{i}",
                    issued_on=issued,
                    due_on=issued + timedelta(days=14),
                    amount=Decimal("1000.00"),
                    currency="EUR",
                )
            )
    Invoice.objects.bulk_create(invoice_rows, batch_size=2000)
    Payment.objects.bulk_create(
        (
            Payment(
                invoice=inv,
                paid_on=inv.due_on + timedelta(days=(inv.pk or 0) % 9),
                amount=inv.amount,
            )
            for inv in invoice_rows
            if inv.due_on + timedelta(days=9) < TODAY
        ),
        batch_size=2000,
    )
    Incident.objects.bulk_create(
        (
            Incident(
                client=client,
                occurred_on=TODAY - timedelta(days=17 * k + client.pk % 7),
                category=CATEGORIES[k % len(CATEGORIES)],
                severity=1 + k % 5,
                description="bench",
            )
            for client in rows
            for k in range(incidents)
        ),
        batch_size=2000,
    )
    WorkLog.objects.bulk_create(
        (
            WorkLog(
                client=client,
                worked_on=TODAY - timedelta(days=3 * k),
                hours=Decimal("2.5"),
                description="bench",
                billable=k % 4 != 0,
            )
            for client in rows
            for k in range(work_logs)
        ),
        batch_size=5000,
    )
    return user


class QueryCounter:
    """Counts queries through a wrapper: Django clears connection.queries at every
    request start, so CaptureQueriesContext sees nothing across a test-client request."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def count_queries(fn) -> int:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        fn()
    return counter.count


def timed(fn, repeat: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def bench_dashboard() -> None:
    print("\n## Dashboard (GET /, 40 invoices, 10 incidents, 100 work logs per client)")
    results = {}
    for clients in (10, 1000):
        start = time.perf_counter()
        user = make_freelancer(f"dash{clients}", clients, 40, 10, 100)
        scores_refresh(user)
        setup = time.perf_counter() - start
        browser = Browser()
        browser.force_login(user)
        url = reverse("dashboard")
        assert browser.get(url).status_code == 200  # nosec B101  # benchmark self-check
        queries = count_queries(lambda b=browser, u=url: b.get(u))
        median, _ = timed(lambda b=browser, u=url: b.get(u), 15)
        results[clients] = median
        print(
            f"- {clients:>5} clients: median {median * 1000:7.1f} ms, {queries} queries "
            f"(data set-up and first scoring {setup:.1f} s)"
        )
    print(f"- ratio 1000/10: {results[1000] / results[10]:.2f}x (target < 5x)")


def bench_engine() -> None:
    from redflags.rules.bench import engine_throughput

    print("\n## Rules engine (40 invoices, 10 incidents, 100 work logs per client, one core)")
    rate = max(engine_throughput() for _ in range(3))
    print(f"- {rate:,.0f} client assessments per second (target > 20,000)")


def bench_reminders() -> None:
    print("\n## send_reminders (10,000 overdue invoices across 1,000 freelancers, locmem mail)")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"rem{n}", email=f"rem{n}@example.com") for n in range(1000)
    )
    Profile.objects.bulk_create(Profile(user=u) for u in users)
    # Verified accounts: an unverified one mails no client (clientwatch.sending).
    VerifiedEmail.objects.bulk_create(VerifiedEmail(user=u, email=u.email) for u in users)
    clients = Client.objects.bulk_create(
        Client(owner=u, ref=f"r{n}", name=f"Client {n}", email=f"r{n}@example.com")
        for u in users
        for n in range(2)
    )
    Invoice.objects.bulk_create(
        (
            Invoice(
                owner_id=c.owner_id,
                client=c,
                number=f"{c.owner_id}-{c.ref}-{i}",
                issued_on=TODAY - timedelta(days=40),
                due_on=TODAY - timedelta(days=2 + i),
                amount=Decimal("500.00"),
                currency="EUR",
            )
            for c in clients
            for i in range(5)
        ),
        batch_size=2000,
    )
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        call_command("send_reminders", "--as-of", TODAY.isoformat(), stdout=StringIO())
        elapsed = time.perf_counter() - start
    from django.core import mail

    sent = len(getattr(mail, "outbox", []))
    print(
        f"- {elapsed:.1f} s for {sent:,} emails, {counter.count:,} queries "
        f"({(counter.count - 2 * sent) / 1000:.0f} per freelancer and 2 per email: each is "
        "claimed and saved on its own)"
    )


def bench_report() -> None:
    from clients.reports import html_to_pdf, report_context, report_html, report_pdf

    print("\n## Exit report (two years of weekly work logs, 100 invoices)")
    user = make_freelancer("report", 1, 0, 10, 0)
    client = Client.objects.get(owner=user)
    WorkLog.objects.bulk_create(
        WorkLog(
            client=client,
            worked_on=TODAY - timedelta(days=7 * week),
            hours=Decimal("6"),
            description=f"Sprint {week % 12}",
        )
        for week in range(104)
    )
    Invoice.objects.bulk_create(
        Invoice(
            owner=user,
            client=client,
            number=f"R-{n:03d}",
            currency="EUR",
            issued_on=TODAY - timedelta(days=7 * n + 14),
            due_on=TODAY - timedelta(days=7 * n),
            amount=Decimal("480.00"),
        )
        for n in range(100)
    )
    for internal in (False, True):
        html = report_html(report_context(client, internal=internal))
        html_to_pdf(html)  # fonts and stylesheets load once per process
        app_runs, alone_runs = [], []
        for _ in range(7):  # interleaved, so a busy moment of the machine hits both alike
            app_runs.append(timed(lambda i=internal: report_pdf(client, internal=i), 1)[0])
            alone_runs.append(timed(lambda h=html: html_to_pdf(h), 1)[0])
        app, alone = statistics.median(app_runs), statistics.median(alone_runs)
        kind = "internal record" if internal else "handover report"
        print(
            f"- {kind}: {app * 1000:.0f} ms in the app, {alone * 1000:.0f} ms WeasyPrint alone "
            f"on the same HTML: the app adds {(app / alone - 1) * 100:+.1f}% (target < 10%)"
        )


def bench_time_import() -> None:
    from clients.backup import backup_import
    from clients.import_previews import tool_document
    from clients.imports import mapping
    from clients.imports.reading import read_file

    print("\n## Import of a Toggl Track export (read, match, check and write, as the worker does)")
    header = "Client,Project,Description,Billable,Start date,Start time,Duration\n"
    for rows in (1000, 10_000):
        user = get_user_model().objects.create(username=f"toggl{rows}")
        Profile.objects.create(user=user)
        Client.objects.bulk_create(
            Client(owner=user, ref=f"c{n}", name=f"Client {n}", email=f"c{n}@example.com")
            for n in range(20)
        )
        raw = (
            header
            + "".join(
                f"Client {n % 20},Web,Entry {n},Yes,{TODAY - timedelta(days=n % 300)},"
                f"09:00:00,01:{n % 60:02d}:00\n"
                for n in range(rows)
            )
        ).encode()

        def run(raw=raw, user=user):
            source = read_file(raw, filename="toggl.csv")
            choices = mapping.default_choices(source, {}, "EUR")
            choices.clients = {f"Client {n}": f"c{n}" for n in range(20)}
            built = tool_document(owner=user, source=source, choices=choices)
            return backup_import(owner=user, document=built.document)

        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - start
        assert result.work_logs.created == rows  # nosec B101  # benchmark self-check
        print(
            f"- {rows:>6,} rows for 20 clients: {elapsed:.1f} s, {counter.count} queries "
            "(constant but for the bulk inserts' batches, which the database's limit on "
            "parameters sizes)"
        )


def bench_bank() -> None:
    from invoices.bank.formats import statement_open, statement_read
    from invoices.bank.models import BankImport
    from invoices.bank.services import bank_import_confirm, bank_import_create, bank_preview

    print("\n## Bank statement (CAMT.053, one credit per open invoice, 10 invoices per client)")
    settings.BANK_BACKGROUND_FROM_CREDITS = 10**6  # recorded here, not by a worker
    for lines in (200, 2000):
        user = make_freelancer(f"bank{lines}", lines // 10, 0, 0, 0)
        clients = list(Client.objects.filter(owner=user))
        Invoice.objects.bulk_create(
            Invoice(
                owner=user,
                client=c,
                number=f"B{lines}-{c.ref}-{i}",
                currency="EUR",
                issued_on=TODAY - timedelta(days=40),
                due_on=TODAY - timedelta(days=26),
                amount=Decimal("250.00") + i,
            )
            for c in clients
            for i in range(10)
        )
        entries = "".join(
            f'<Ntry><Amt Ccy="EUR">{250 + i}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<BookgDt><Dt>{TODAY - timedelta(days=3)}</Dt></BookgDt>"
            f"<AcctSvcrRef>{lines}-{c.ref}-{i}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties>"
            f"<Dbtr><Nm>{c.name}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>Invoice "
            f"B{lines}-{c.ref}-{i}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
            for c in clients
            for i in range(10)
        )
        raw = (
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            f"<Stmt>{entries}</Stmt></BkToCstmrStmt></Document>"
        ).encode()
        start = time.perf_counter()
        statement = statement_read(statement_open(raw), default_currency="EUR")
        bank_import = bank_import_create(
            owner=user, filename="bench.xml", source="camt053", statement=statement
        )
        read = time.perf_counter() - start
        start = time.perf_counter()
        preview_queries = count_queries(
            lambda u=user, b=bank_import: bank_preview(owner=u, bank_import=b)
        )
        matched = len(bank_preview(owner=user, bank_import=bank_import).proposed)
        match = (time.perf_counter() - start) / 2
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            bank_import_confirm(owner=user, token=bank_import.token, chosen=None)
            record = time.perf_counter() - start
        assert BankImport.objects.get(pk=bank_import.pk).state == "done"  # nosec B101
        print(
            f"- {lines:>5} lines: read {read:.2f} s, match {match:.2f} s ({matched} proposed, "
            f"{preview_queries} queries), record {record:.1f} s, {counter.count:,} queries "
            f"({counter.count / lines:.1f} per line)"
        )


def main() -> None:
    print("# ClientWatch benchmarks")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, database {connection.vendor}"
    )
    settings.DEBUG = False
    bench_engine()
    bench_dashboard()
    bench_reminders()
    bench_report()
    bench_time_import()
    bench_bank()


if __name__ == "__main__":
    main()
