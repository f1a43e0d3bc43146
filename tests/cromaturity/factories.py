"""Building users, organisations and memberships for tests."""

import itertools

from django.contrib.auth import get_user_model

from cromaturity.models import Membership, Role, Team
from cromaturity.workspaces import create_organisation

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def make_user(username=None, **fields):
    username = username or f"user{next(_counter)}"
    fields.setdefault("email", f"{username}@example.test")
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, **fields
    )


def make_org(name=None, slug=None, creator=None):
    """An organisation as a sign-up creates it, with its teams and an admin."""
    n = next(_counter)
    name = name or f"Organisation {n}"
    slug = slug or f"org-{n}"
    return create_organisation(name=name, slug=slug, creator=creator or make_user())


def make_member(organisation, role=Role.CONTRIBUTOR, team=None, user=None, **fields):
    """A member of `organisation`; `team` a Team, a team's name or its first team."""
    user = user or make_user(**fields)
    if team is None:
        team = Team.objects.for_org(organisation).first()
    elif isinstance(team, str):
        team = Team.objects.for_org(organisation).get(name=team)
    Membership.objects.create(
        user=user, organisation=organisation, role=role, team=team
    )
    return user
