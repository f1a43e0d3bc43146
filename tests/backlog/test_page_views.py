"""The funnel pages and their traffic."""

import pytest
from django.urls import reverse

from backlog.models import Page
from cromaturity.models import Role
from tests.access import assert_access

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def _pages():
    return sorted(Page.objects.values_list("pk", "name", "daily_visitors"))


def test_page_list_access_matrix_and_add(org):
    assert_access(url("page-list"), organisation=org)
    assert_access(
        url("page-list"),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={
            "name": "Cart",
            "url": "/cart",
            "position": 3,
            "daily_visitors": 1800,
            "baseline_conversion_rate": "48.5",
        },
        ok=302,
        unchanged=_pages,
    )
    page = Page.objects.get()
    assert (page.name, page.daily_visitors, str(page.baseline_conversion_rate)) == (
        "Cart",
        1800,
        "48.500",
    )


def test_a_duplicate_page_name_is_refused(org, checkout_page, admin_client):
    response = admin_client.post(url("page-list"), {"name": "checkout", "position": 0})
    assert response.status_code == 400
    assert "already a page called" in response.text
    assert Page.objects.count() == 1


def test_page_update_access_matrix(org, checkout_page):
    assert_access(
        url("page-update", checkout_page.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"name": "Checkout", "position": 1, "daily_visitors": 5000},
        ok=302,
        unchanged=_pages,
    )
    checkout_page.refresh_from_db()
    assert checkout_page.daily_visitors == 5000


def test_page_delete_keeps_its_hypotheses(org, checkout_page, make_hypothesis):
    hypothesis = make_hypothesis(page=checkout_page)
    assert_access(
        url("page-delete", checkout_page.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=_pages,
    )
    hypothesis.refresh_from_db()
    assert hypothesis.page is None
