"""The learning library: concluded hypotheses and their search."""

import pytest
from django.urls import reverse

from backlog.models import Status
from cromaturity.models import Role
from tests.access import assert_access, member_client

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def test_learnings_access_matrix_and_search(org, make_hypothesis, checkout_page):
    make_hypothesis(
        "Delivery dates",
        status=Status.CONCLUDED,
        result="won",
        learning="Concrete dates beat windows.",
        page=checkout_page,
        tags=["shipping"],
    )
    make_hypothesis(
        "Sticky bar",
        status=Status.CONCLUDED,
        result="lost",
        learning="It covered the reviews.",
    )
    make_hypothesis("Still running", status=Status.RUNNING)
    response = assert_access(url("learning-list"), organisation=org)
    titles = [h.title for h in response.context["page_obj"]]
    assert sorted(titles) == ["Delivery dates", "Sticky bar"]
    client = member_client(org, Role.VIEWER)
    for query, expected in [
        ("q=windows", ["Delivery dates"]),
        ("result=lost", ["Sticky bar"]),
        (f"step={checkout_page.pk}", ["Delivery dates"]),
        (
            "tag=" + str(checkout_page.organisation.backlog_tags.get().pk),
            ["Delivery dates"],
        ),
        ("q=nothing+like+this", []),
    ]:
        response = client.get(f"{url('learning-list')}?{query}")
        assert [h.title for h in response.context["page_obj"]] == expected, query
