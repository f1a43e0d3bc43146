"""Building the people of a discussion and their comments for tests."""

from collaboration.discussion import post_comment
from tests.cromaturity.factories import make_member


def make_people(organisation, admin):
    """A CRO analyst, two customer-service agents and a viewer beside `admin`."""
    return {
        "admin": admin,
        "carla": make_member(
            organisation,
            role="editor",
            team="CRO",
            username="carla",
            first_name="Carla",
            last_name="Jensen",
        ),
        "sam": make_member(
            organisation,
            role="contributor",
            team="Customer Service",
            username="sam",
            first_name="Sam",
            last_name="Okafor",
        ),
        "zoe": make_member(
            organisation,
            role="contributor",
            team="Customer Service",
            username="zoe",
            first_name="Zoë",
            last_name="Müller",
        ),
        "priya": make_member(
            organisation, role="viewer", team="Leadership", username="priya"
        ),
    }


def make_comment(organisation, author, body, **target):
    """A comment posted as `author` posts it; names it cannot mention are ignored."""
    comment, _ = post_comment(organisation, author=author, body=body, **target)
    return comment
