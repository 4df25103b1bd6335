"""Logging, editing and deleting the steps tried with a client (docs/domain.md, "What a
client is worth, and what to try first")."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from redflags.models import ClientScore, Step
from tests.test_client_pages import HTMX, html_problems, page

TODAY = timezone.localdate()
STEP_POST = {
    "taken_on": (TODAY - timedelta(days=20)).isoformat(),
    "kind": "warned",
    "addresses": "unresponsive",
    "note": "Told them the launch waits on their feedback.",
}


def test_the_step_page_renders_without_future_dates(alice_client, acme):
    html = page(alice_client.get(reverse("step_create", args=[acme.pk])))
    assert f'max="{TODAY.isoformat()}"' in html
    assert "Warned them, firmly and kindly" in html


def test_logging_a_step_without_javascript_redirects_to_the_client(alice_client, acme):
    response = alice_client.post(reverse("step_create", args=[acme.pk]), STEP_POST)

    assert response.status_code == 302
    step = Step.objects.get(client=acme)
    assert (step.kind, step.addresses) == ("warned", "unresponsive")
    html = page(alice_client.get(response.url))
    assert "Step logged." in html
    assert "launch waits on their feedback" in html


def test_logging_a_step_with_htmx_returns_the_timeline_and_a_fresh_form(alice_client, acme):
    response = alice_client.post(reverse("step_create", args=[acme.pk]), STEP_POST, **HTMX)

    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "launch waits on their feedback" in html
    assert '<details id="add-step" class="add-box" open hx-swap-oob="true">' in html
    assert "Step logged." in html


def test_a_step_about_everything_is_allowed(alice_client, acme):
    alice_client.post(reverse("step_create", args=[acme.pk]), STEP_POST | {"addresses": ""})

    assert Step.objects.get(client=acme).addresses == ""


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"taken_on": (TODAY + timedelta(days=1)).isoformat()}, "taken_on"),
        ({"kind": "shouted"}, "kind"),
        ({"addresses": "nonsense"}, "addresses"),
        ({"taken_on": "yesterday"}, "taken_on"),
    ],
)
def test_a_rejected_step_rerenders_the_form_in_place_and_saves_nothing(
    alice_client, acme, change, field
):
    response = alice_client.post(reverse("step_create", args=[acme.pk]), STEP_POST | change, **HTMX)

    assert response.status_code == 422
    assert response["HX-Retarget"] == "#add-step"
    html = response.content.decode()
    assert html_problems(html, fragment=True) == []
    assert f'id="step-{field}_error"' in html
    assert not Step.objects.exists()


def test_a_step_in_the_future_is_refused_with_a_clear_error(alice_client, acme):
    post = STEP_POST | {"taken_on": (TODAY + timedelta(days=3)).isoformat()}

    html = alice_client.post(reverse("step_create", args=[acme.pk]), post).content.decode()

    assert "A step cannot be in the future." in html
    assert not Step.objects.exists()


def test_a_step_is_edited_and_the_score_follows(alice_client, acme, factories):
    step = factories.step(client=acme)
    response = alice_client.post(
        reverse("step_edit", args=[step.pk]), STEP_POST | {"kind": "paused_work"}
    )

    assert response.status_code == 302
    step.refresh_from_db()
    assert step.kind == "paused_work"
    assert ClientScore.objects.filter(client=acme).exists()


def test_a_step_is_deleted_after_a_confirmation_page(alice_client, acme, factories):
    step = factories.step(client=acme)
    html = page(alice_client.get(reverse("step_delete", args=[step.pk])))
    assert "Delete this step?" in html

    response = alice_client.post(reverse("step_delete", args=[step.pk]), **HTMX)

    assert response.status_code == 200
    assert not Step.objects.exists()


def test_friction_after_a_warning_step_shows_the_step_as_evidence(alice_client, acme, factories):
    for days in (1, 5, 9, 13, 17, 21):
        factories.incident(
            client=acme, occurred_on=TODAY - timedelta(days=days), category="unresponsive"
        )
    alice_client.post(
        reverse("step_create", args=[acme.pk]),
        STEP_POST | {"taken_on": (TODAY - timedelta(days=30)).isoformat()},
    )
    step = Step.objects.get()

    score = ClientScore.objects.get(client=acme)
    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))

    assert score.verdict == "fire"
    kinds = [item["kind"] for reason in score.reasons for item in reason["evidence"]]
    assert "step" in kinds
    assert reverse("step_edit", args=[step.pk]) in html
    assert "raised this with them and it went on" in html


def test_the_same_friction_never_raised_is_watched(alice_client, acme, factories):
    for days in (1, 5, 9, 13, 17, 21):
        factories.incident(
            client=acme,
            occurred_on=TODAY - timedelta(days=days),
            category="unresponsive",
            severity=5,
        )
    # Any change refreshes the stored score.
    alice_client.post(reverse("step_create", args=[acme.pk]), STEP_POST | {"kind": "apologised"})

    assert ClientScore.objects.get(client=acme).verdict == "watch"


def test_another_freelancers_step_cannot_be_seen_or_changed(client, bob, acme, factories):
    step = factories.step(client=acme)
    client.force_login(bob)

    for url in (reverse("step_edit", args=[step.pk]), reverse("step_delete", args=[step.pk])):
        assert client.get(url).status_code == 404
        assert client.post(url, STEP_POST).status_code == 404
    assert client.post(reverse("step_create", args=[acme.pk]), STEP_POST).status_code == 404
    step.refresh_from_db()
    assert step.kind == "warned"
    assert Step.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_warned_incidents_into_warned_steps_and_back():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    # The migration just before the steps one, whatever its number after merges.
    steps = next(
        key
        for key in executor.loader.graph.nodes
        if key[0] == "redflags" and key[1].endswith("_steps_tried")
    )
    old = [dep for dep in executor.loader.get_migration(*steps).dependencies]
    new = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(old)
        apps = executor.loader.project_state(old).apps
        owner = apps.get_model("auth", "User").objects.create(username="carol")
        client = apps.get_model("clients", "Client").objects.create(
            owner=owner, name="Acme", email="acme@example.com", ref="acme", rate=50
        )
        Incident = apps.get_model("redflags", "Incident")
        day = TODAY - timedelta(days=30)
        for category, warned in (("verbal_abuse", True), ("unresponsive", False)):
            Incident.objects.create(
                client=client,
                occurred_on=day,
                category=category,
                severity=3,
                description="What happened.",
                client_was_warned=warned,
            )

        executor = MigrationExecutor(connection)
        executor.migrate(new)

        assert list(Step.objects.values_list("client__ref", "taken_on", "kind", "addresses")) == [
            ("acme", day, "warned", "verbal_abuse")
        ]

        executor = MigrationExecutor(connection)
        executor.migrate(old)
        Incident = executor.loader.project_state(old).apps.get_model("redflags", "Incident")
        assert sorted(Incident.objects.values_list("category", "client_was_warned")) == [
            ("unresponsive", False),
            ("verbal_abuse", True),
        ]
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
