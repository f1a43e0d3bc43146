"""The demo workspace that `manage.py seed_demo` builds."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from cromaturity.models import Membership, Organisation, Role, Team
from cromaturity.workspaces import create_organisation

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - published demo credential, printed on purpose

# username, first name, last name, team, role
DEMO_PEOPLE = [
    ("demo", "Dana", "Demo", "CRO", Role.ADMIN),
    ("carla", "Carla", "Jensen", "CRO", Role.EDITOR),
    ("sam", "Sam", "Okafor", "Customer Service", Role.CONTRIBUTOR),
    ("lena", "Lena", "Fischer", "Customer Service", Role.CONTRIBUTOR),
    ("marco", "Marco", "Rossi", "Marketing", Role.CONTRIBUTOR),
    ("ivan", "Ivan", "Petrov", "IT/Engineering", Role.CONTRIBUTOR),
    ("priya", "Priya", "Shah", "Leadership", Role.VIEWER),
]
EXTRA_TEAMS = ["CRO", "Customer Service", "Marketing", "IT/Engineering", "Product/UX"]


@dataclass
class DemoWorkspace:
    organisation: Organisation
    people: dict  # username -> Membership
    created: bool


def _user(username: str, first: str, last: str):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@demo.example",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _extra_members(organisation, teams, count: int) -> dict:
    """Colleagues for larger demos, written in bulk with one password hash."""
    if count <= 0:
        return {}
    user_model = get_user_model()
    wanted = [f"member{n}" for n in range(1, count + 1)]
    existing = set(
        user_model.objects.filter(username__in=wanted).values_list(
            "username", flat=True
        )
    )
    password = make_password(DEMO_PASSWORD)
    user_model.objects.bulk_create(
        [
            user_model(
                username=username,
                first_name="Member",
                last_name=username.removeprefix("member"),
                email=f"{username}@demo.example",
                password=password,
            )
            for username in wanted
            if username not in existing
        ],
        batch_size=1000,
    )
    users = {
        user.username: user for user in user_model.objects.filter(username__in=wanted)
    }
    members = set(
        Membership.objects.for_org(organisation)
        .filter(user__username__in=wanted)
        .values_list("user__username", flat=True)
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=users[username],
                organisation=organisation,
                team=teams.get(EXTRA_TEAMS[n % len(EXTRA_TEAMS)]),
                role=Role.CONTRIBUTOR,
            )
            for n, username in enumerate(wanted, start=1)
            if username not in members
        ],
        batch_size=1000,
    )
    return {
        membership.user.username: membership
        for membership in Membership.objects.for_org(organisation)
        .filter(user__username__in=wanted)
        .select_related("user", "team")
    }


@transaction.atomic
def seed_workspace(scale: int = 1) -> DemoWorkspace:
    """Create (or find) the demo organisation, its teams and its people."""
    organisation = Organisation.objects.filter(slug=DEMO_SLUG).first()
    created = organisation is None
    if organisation is None:
        admin = _user(*DEMO_PEOPLE[0][:3])
        organisation = create_organisation(
            name="Demo Outdoor Store", slug=DEMO_SLUG, creator=admin
        )
    teams = {team.name: team for team in Team.objects.for_org(organisation)}
    people = {}
    for username, first, last, team_name, role in DEMO_PEOPLE:
        user = _user(username, first, last)
        membership, _ = Membership.objects.get_or_create(
            user=user,
            organisation=organisation,
            defaults={"team": teams.get(team_name), "role": role},
        )
        people[username] = membership
    people.update(_extra_members(organisation, teams, (scale - 1) * len(DEMO_PEOPLE)))
    return DemoWorkspace(organisation=organisation, people=people, created=created)
