import pytest

from tests.backlog.conftest import (  # noqa: F401 - fixtures shared with the backlog
    checkout_page,
    make_feedback,
    make_hypothesis,
)
from tests.collaboration import factories


@pytest.fixture
def people(org, admin_user):
    """A CRO analyst, two customer-service agents and a viewer in Acme."""
    return factories.make_people(org, admin_user)
