"""A new client reads as too early to tell where the verdict shows, not as a clean keep."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from redflags.assess import client_score_refresh, scores_refresh


def test_a_new_client_is_too_early_to_tell_on_the_dashboard_and_its_page(
    alice_client, alice, factories
):
    today = timezone.localdate()
    new = factories.client(owner=alice, name="Fresh Start", started_on=today - timedelta(days=3))
    known = factories.client(owner=alice, name="Old Hand", started_on=today - timedelta(days=400))
    for months in (1, 2, 3):
        invoice = factories.invoice(client=known, issued_on=today - timedelta(days=30 * months))
        factories.payment(invoice=invoice, paid_on=invoice.due_on, amount=invoice.amount)
    scores_refresh(alice)
    new.score.refresh_from_db()
    known.score.refresh_from_db()

    assert new.score.too_early and new.score.verdict == "watch"
    assert not known.score.too_early and known.score.verdict == "keep"

    dashboard = alice_client.get(reverse("dashboard")).content.decode()
    row = dashboard.split("Fresh Start", 1)[1].split("</tr>", 1)[0]
    assert "too early to tell" in row
    assert "too early to tell" not in dashboard.split("Old Hand", 1)[1].split("</tr>", 1)[0]

    detail = alice_client.get(reverse("client_detail", args=[new.pk])).content.decode()
    assert "too early to tell" in detail.split('id="assessment"', 1)[1]

    alice_client.post(reverse("set_language"), {"language": "fi"})
    detail = alice_client.get(reverse("client_detail", args=[new.pk])).content.decode()
    assert "liian aikaista sanoa" in detail


def test_enough_history_ends_too_early(alice, factories):
    today = timezone.localdate()
    client = factories.client(owner=alice, started_on=today - timedelta(days=10))
    assert client_score_refresh(client).too_early

    client.started_on = today - timedelta(days=90)
    client.save(update_fields=["started_on"])
    factories.invoice(client=client, issued_on=today - timedelta(days=20))

    assert not client_score_refresh(client).too_early
