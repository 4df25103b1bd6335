"""manage.py assess: every client's score, verdict and reasons, worst first."""

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from redflags.models import ClientScore

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def assess(*args: str) -> str:
    out = StringIO()
    call_command("assess", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def cast(alice, bob, factories):
    """Alice's three clients (one to keep, one to watch, one to fire) and one of bob's."""
    factories.client(owner=alice, ref="kettu", name="Kettu Coffee")
    rude = factories.client(owner=alice, ref="rude", name="Rude Ltd")
    factories.incident(
        client=rude, category="verbal_abuse", severity=3, occurred_on=TODAY - timedelta(days=2)
    )
    brute = factories.client(owner=alice, ref="brute", name="Brute Corp")
    factories.incident(
        client=brute, category="physical_abuse", severity=5, occurred_on=TODAY - timedelta(days=10)
    )
    late = factories.invoice(
        client=brute,
        number="B-1",
        issued_on=TODAY - timedelta(days=60),
        due_on=TODAY - timedelta(days=46),
        amount=Decimal("500.00"),
    )
    factories.payment(invoice=late, paid_on=TODAY - timedelta(days=20), amount=Decimal("500.00"))
    factories.client(owner=bob, ref="bobs-client", name="Bob's Client")
    return alice


def test_assess_json_lists_every_client_worst_first_with_reasons(cast):
    rows = json.loads(assess("--user", "alice", "--json"))

    assert [row["ref"] for row in rows] == ["brute", "rude", "kettu"]
    assert [row["verdict"] for row in rows] == ["fire", "watch", "keep"]
    assert rows[0]["name"] == "Brute Corp"
    assert rows[-1]["score"] == 100 and rows[-1]["reasons"] == []
    assert rows[0]["score"] <= rows[1]["score"]
    for row in rows:
        assert {"ref", "name", "score", "verdict", "reasons"} <= row.keys()
        for reason in row["reasons"]:
            assert {"rule", "points", "evidence", "advice"} <= reason.keys()
            assert isinstance(reason["points"], int)
            assert all(
                {"kind", "on", "label"} <= evidence.keys() for evidence in reason["evidence"]
            )
    top = rows[0]["reasons"][0]
    assert (top["rule"], top["red_flag"]) == ("physical_abuse", True)
    assert top["evidence"][0]["on"] == (TODAY - timedelta(days=10)).isoformat()
    assert "late_payment" in {reason["rule"] for reason in rows[0]["reasons"]}


def test_assess_prints_a_table_worst_first(cast):
    lines = assess("--user", "alice").splitlines()

    assert lines[0] == f"Assessment of alice's 3 clients as of {TODAY}, worst first:"
    assert lines[2].split() == ["VERDICT", "SCORE", "REF", "NAME", "TOP", "REASON"]
    assert [line.split()[0] for line in lines[3:]] == ["fire", "watch", "keep"]
    assert "brute" in lines[3] and "RED FLAG: Physical abuse" in lines[3]
    assert lines[5].split()[:3] == ["keep", "100", "kettu"]


def test_assess_as_of_judges_the_clients_as_on_that_day(cast):
    before_the_abuse = (TODAY - timedelta(days=11)).isoformat()

    rows = json.loads(assess("--user", "alice", "--as-of", before_the_abuse, "--json"))

    by_ref = {row["ref"]: row for row in rows}
    assert by_ref["brute"]["verdict"] != "fire"
    assert "physical_abuse" not in {reason["rule"] for reason in by_ref["brute"]["reasons"]}
    assert by_ref["rude"]["verdict"] == "keep"  # the abuse had not happened yet either


def test_assess_shows_only_the_freelancers_own_clients_and_stores_nothing(cast):
    output = assess("--user", "alice", "--json")
    assert "bobs-client" not in output
    assert ClientScore.objects.count() == 0
    assert json.loads(assess("--user", "bob", "--json"))[0]["ref"] == "bobs-client"


def test_assess_of_a_freelancer_without_clients(alice):
    assert json.loads(assess("--user", "alice", "--json")) == []
    assert assess("--user", "alice").strip() == "alice has no clients."


def test_assess_unknown_user_is_a_clear_error(alice):
    with pytest.raises(CommandError, match="No freelancer with username 'carol'"):
        assess("--user", "carol")


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "16/03/2026", "20260316"])
def test_assess_bad_date_is_a_clear_error(alice, bad):
    with pytest.raises(CommandError, match=r"is not a date; use YYYY-MM-DD"):
        assess("--user", "alice", "--as-of", bad)
