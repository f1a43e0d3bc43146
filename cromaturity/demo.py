"""The demo workspace that `manage.py seed_demo` builds."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
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


@transaction.atomic
def seed_workspace(scale: int = 1) -> DemoWorkspace:
    """Create (or find) the demo organisation, its teams and its people."""
    organisation = Organisation.objects.filter(slug=DEMO_SLUG).first()
    created = organisation is None
    if created:
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
    for n in range(1, (scale - 1) * len(DEMO_PEOPLE) + 1):
        user = _user(f"member{n}", "Member", str(n))
        team = teams.get(EXTRA_TEAMS[n % len(EXTRA_TEAMS)])
        membership, _ = Membership.objects.get_or_create(
            user=user,
            organisation=organisation,
            defaults={"team": team, "role": Role.CONTRIBUTOR},
        )
        people[user.username] = membership
    return DemoWorkspace(organisation=organisation, people=people, created=created)
