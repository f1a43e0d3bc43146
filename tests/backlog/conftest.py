import pytest

from tests.backlog import factories


@pytest.fixture
def checkout_page(org):
    return factories.make_page(org)


@pytest.fixture
def make_hypothesis(org, admin_user):
    def make(title="Show delivery dates", organisation=None, by=None, **fields):
        return factories.make_hypothesis(
            organisation or org, title, by=by or admin_user, **fields
        )

    return make


@pytest.fixture
def make_feedback(org, admin_user):
    def make(text="Delivery costs appear too late in checkout", **fields):
        organisation = fields.pop("organisation", org)
        days_ago = fields.pop("days_ago", 0)
        return factories.make_feedback(
            organisation, text, by=admin_user, days_ago=days_ago, **fields
        )

    return make
