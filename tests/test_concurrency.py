"""Concurrent writes wait for each other: nothing fails, nothing is lost.

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

from cromaturity.models import Membership, Role, Team

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
