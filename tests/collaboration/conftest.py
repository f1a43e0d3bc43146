import pytest

from tests.backlog.conftest import (  # noqa: F401 - fixtures shared with the backlog
    checkout_page,
    make_feedback,
    make_hypothesis,
)


@pytest.fixture
def people(org, admin_user, make_member):
    """A CRO analyst, two customer-service agents and a viewer in Acme."""
    return {
        "admin": admin_user,
        "carla": make_member(
            org,
            role="editor",
            team="CRO",
            username="carla",
            first_name="Carla",
            last_name="Jensen",
        ),
        "sam": make_member(
            org,
            role="contributor",
            team="Customer Service",
            username="sam",
            first_name="Sam",
            last_name="Okafor",
        ),
        "zoe": make_member(
            org,
            role="contributor",
            team="Customer Service",
            username="zoe",
            first_name="Zoë",
            last_name="Müller",
        ),
        "priya": make_member(org, role="viewer", team="Leadership", username="priya"),
    }
