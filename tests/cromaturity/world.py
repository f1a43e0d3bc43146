"""Objects of the workspace core for the isolation walker (tests/test_isolation.py)."""

from cromaturity.api_keys import create_api_key
from cromaturity.invitations import create_invitation_link
from cromaturity.models import Membership, Team


def objects_of(organisation, people) -> dict:
    """Map URL parameter names to ids of objects that belong to `organisation`."""
    contributor = people["contributor"]
    return {
        "membership_id": Membership.objects.get(
            user=contributor, organisation=organisation
        ).pk,
        "invitation_id": create_invitation_link(
            organisation, created_by=people["admin"]
        ).pk,
        "team_id": Team.objects.get(organisation=organisation, name="Marketing").pk,
        "api_key_id": create_api_key(organisation, name="Desk", by=people["admin"])[
            0
        ].pk,
    }
