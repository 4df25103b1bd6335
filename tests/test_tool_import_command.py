"""`import_data` with another tool's export: --format, the choices as options, --dry-run."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clients.models import Client, WorkLog
from invoices.models import Invoice, Payment

DATA = Path(__file__).parent / "data" / "imports"


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_data", *args, "--user", "alice", stdout=out)
    return out.getvalue()


@pytest.fixture
def acme(factories, alice):
    return factories.client(owner=alice, ref="acme", name="Acme Studio")


def test_dry_run_prints_the_preview_and_writes_nothing(acme):
    out = run(
        str(DATA / "toggl.csv"), "--dry-run", "--email", "Nordlicht GmbH=info@nordlicht.example"
    )
    assert "toggl.csv: Toggl Track, 5 rows." in out
    assert "'ACME studio!': your client 'acme'" in out
    assert "'Nordlicht GmbH': new client 'nordlicht-gmbh'" in out
    assert "row 6 left out: shorter than a minute" in out
    assert "work logs: 4 created, 0 updated, 0 unchanged" in out
    assert WorkLog.objects.count() == 0 and Client.objects.count() == 1


def test_import_then_again_changes_nothing(acme):
    args = (str(DATA / "toggl.csv"), "--client", "Nordlicht GmbH=skip")
    assert "Imported" in run(*args)
    assert WorkLog.objects.count() == 3
    assert "Nothing to change" in run(*args)
    assert WorkLog.objects.count() == 3


def test_open_questions_are_refused_naming_what_to_give(acme):
    with pytest.raises(CommandError) as refused:
        run(str(DATA / "clockify.csv"))
    message = str(refused.value)
    assert "Nothing was imported: 2 problems" in message
    assert "the dates could be day first or month first: choose which (see --help)" in message
    assert '"Nordlicht GmbH": a new client needs an email address' in message


def test_answers_on_the_command_line(acme):
    run(
        str(DATA / "invoiceninja_en.csv"),
        "--client",
        "Nordlicht GmbH=new",
        "--email",
        "Nordlicht GmbH=buchhaltung@nordlicht.example",
        "--paid-on",
        "issued",
    )
    assert set(Invoice.objects.values_list("number", flat=True)) == {
        "IN-0001",
        "IN-0002",
        "IN-0003",
    }
    partial = Payment.objects.get(invoice__number="IN-0002")
    assert (str(partial.amount), str(partial.paid_on)) == ("500.00", "2026-02-05")


def test_a_format_named_that_the_file_is_not_is_refused(alice):
    with pytest.raises(CommandError, match="not a Harvest export; missing columns"):
        run(str(DATA / "toggl.csv"), "--format", "harvest")


def test_a_bad_file_lists_its_problems_by_row(alice):
    with pytest.raises(CommandError) as refused:
        run(str(DATA / "toggl_bad.csv"))
    assert "5 problems" in str(refused.value)
    assert "row 3, Start date: not a date" in str(refused.value)
    assert WorkLog.objects.count() == 0


def test_a_client_ref_that_is_not_the_freelancers_is_refused(acme, factories, bob):
    factories.client(owner=bob, ref="bobs")
    with pytest.raises(CommandError, match="you have no client with ref 'bobs'"):
        run(str(DATA / "kimai.csv"), "--client", "Acme Studio=bobs")


def test_a_json_backup_is_still_recognised(tmp_path, alice):
    path = tmp_path / "backup.json"
    path.write_text('{"version": 1, "clients": []}')
    assert "Nothing to change" in run(str(path))
