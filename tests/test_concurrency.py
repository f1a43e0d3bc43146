"""Concurrent writes wait for each other: nothing fails, nothing is lost.

Edits based on the same version conflict instead of overwriting each other, and
requests sent twice at once (a double click) write once.

Each thread has its own database connection, as web workers do. On SQLite the
immediate transactions and the busy timeout make writers queue; on PostgreSQL
row locks do.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from assessments.models import Answer
from backlog.authoring import save_hypothesis
from backlog.models import Hypothesis
from cromaturity.models import Membership, Role, Team
from tests.assessments.factories import add_response, make_assessment

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(work: Callable[[int], None], count: int) -> list[str]:
    errors: list[str] = []
    barrier = threading.Barrier(count)

    def target(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except Exception as error:  # noqa: BLE001 - every failure is reported
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_admins_adding_teams_at_once_all_succeed(make_org, make_member):
    org = make_org(slug="busy")
    admins = [make_member(org, role=Role.ADMIN) for _ in range(6)]

    def add_teams(n: int) -> None:
        client = Client()
        client.force_login(admins[n])
        for i in range(5):
            response = client.post(
                reverse("team-create", args=["busy"]), {"team-name": f"T{n}-{i}"}
            )
            assert response.status_code == 302, response.status_code

    assert run_in_threads(add_teams, 6) == []
    names = set(Team.objects.for_org(org).values_list("name", flat=True))
    assert {f"T{n}-{i}" for n in range(6) for i in range(5)} <= names


def test_demoting_admins_at_once_never_leaves_the_organisation_without_one(
    make_org, make_member
):
    org = make_org(slug="race")
    admins = [make_member(org, role=Role.ADMIN) for _ in range(4)]
    memberships = list(Membership.objects.for_org(org).filter(role=Role.ADMIN))

    def demote(n: int) -> None:
        client = Client()
        client.force_login(admins[n])
        for membership in memberships:
            client.post(
                reverse("member-update", args=["race", membership.pk]),
                {f"m{membership.pk}-role": "viewer"},
            )

    assert run_in_threads(demote, 4) == []
    assert Membership.objects.for_org(org).filter(role=Role.ADMIN).count() == 1


def test_editors_saving_one_hypothesis_at_once_never_overwrite_each_other(
    make_org, make_member
):
    """All opened the form at version 1: one save wins, the rest see a conflict."""
    org = make_org(slug="edits")
    editors = [make_member(org, role=Role.EDITOR) for _ in range(4)]
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title="Original", metric="Orders"),
        by=editors[0],
    )
    target = reverse("backlog:hypothesis-update", args=["edits", hypothesis.pk])
    statuses: dict[int, int] = {}

    def edit(n: int) -> None:
        client = Client()
        client.force_login(editors[n])
        data = {"title": f"Title {n}", "kind": "test", "metric": "Orders"}
        statuses[n] = client.post(target, {**data, "version": 1}).status_code

    assert run_in_threads(edit, 4) == []
    assert sorted(statuses.values()) == [302, 409, 409, 409]
    winner = next(n for n, status in statuses.items() if status == 302)
    hypothesis.refresh_from_db()
    assert (hypothesis.title, hypothesis.version) == (f"Title {winner}", 2)


def test_people_scoring_at_once_all_count_in_the_mean(make_org, make_member):
    org = make_org(slug="scores")
    scorers = [make_member(org, role=Role.CONTRIBUTOR) for _ in range(5)]
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title="Dates", metric="Orders"), by=scorers[0]
    )
    target = reverse("backlog:hypothesis-score", args=["scores", hypothesis.pk])

    def score(n: int) -> None:
        client = Client()
        client.force_login(scorers[n])
        value = n + 2
        response = client.post(
            target,
            {
                "framework": "ice",
                "ice-impact": value,
                "ice-confidence": value,
                "ice-ease": value,
                "ice-version": 0,
            },
        )
        assert response.status_code == 302, response.status_code

    assert run_in_threads(score, 5) == []
    hypothesis.refresh_from_db()
    assert (hypothesis.ice_count, hypothesis.ice_score) == (5, 4.0)


def test_an_autosave_sent_several_times_at_once_stores_one_answer(
    make_org, make_member
):
    org = make_org(slug="answers")
    respondent = make_member(org, role=Role.CONTRIBUTOR)
    assessment = make_assessment(org)
    response = add_response(assessment, respondent, submitted=False, only=set())
    target = reverse("assessments:answer-save", args=["answers", assessment.pk, "S3"])

    def autosave(n: int) -> None:
        client = Client()
        client.force_login(respondent)
        reply = client.post(
            target,
            {"S3-choice": "4", "S3-evidence": "Board pack"},
            HTTP_HX_REQUEST="true",
        )
        assert reply.status_code == 200, reply.status_code
        assert "Saved: 4 Managed" in reply.text

    assert run_in_threads(autosave, 4) == []
    assert list(
        Answer.objects.filter(response=response).values_list(
            "point__key", "level", "evidence"
        )
    ) == [("S3", 4, "Board pack")]
