"""No cache keeps the app's pages: every page, download and API answer the URL
walker of tests/test_isolation.py finds carries ``Cache-Control: private,
no-store`` (cromaturity/cache_headers.py says why)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.cache import get_max_age

from assessments.models import ShareLink
from cromaturity.api_keys import create_api_key
from cromaturity.models import Membership, Role
from tests import test_isolation
from tests.test_isolation import API_URLS, ORG_URLS, _url

pytestmark = pytest.mark.django_db
# The walker's `world` fixture: organisation A with one of every kind of object.
walked_world = test_isolation.world


def assert_not_cached(response, what: str) -> None:
    directives = {
        part.strip() for part in response.get("Cache-Control", "").split(",") if part
    }
    assert {"private", "no-store"} <= directives, (
        f"{what}: Cache-Control {response.get('Cache-Control')!r}"
    )
    assert "public" not in directives, what
    assert not get_max_age(response), what


def test_every_organisation_page_and_download_is_kept_out_of_caches(walked_world):
    world = walked_world
    admin = Membership.objects.get(organisation=world.org_a, role=Role.ADMIN).user
    client = Client()
    client.force_login(admin)
    answered = set()
    for name, params in ORG_URLS:
        url = _url(name, params, world, world.org_a.slug)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            answered.add(response.status_code)
            assert_not_cached(response, f"GET {url} {headers}")
        assert_not_cached(client.post(url), f"POST {url}")
    assert 200 in answered
    assert len(ORG_URLS) > 50


def test_every_api_answer_is_kept_out_of_caches(walked_world):
    world = walked_world
    admin = Membership.objects.get(organisation=world.org_a, role=Role.ADMIN).user
    _, key = create_api_key(world.org_a, name="Desk", by=admin)
    client = Client()
    for name, params in API_URLS:
        url = _url(name, params, world, world.org_a.slug)
        for headers in ({"X-API-Key": key}, {}):
            assert_not_cached(client.get(url, headers=headers), f"API GET {url}")
    assert_not_cached(client.get("/api/v1/docs"), "API docs")
    assert_not_cached(client.get("/api/v1/openapi.json"), "API schema")


def test_share_link_pages_are_public_but_no_cache_keeps_them(walked_world):
    world = walked_world
    link = ShareLink.objects.get(pk=world.objects["share_link_id"])
    for name in ("share:scorecard", "share:scorecard-pdf"):
        response = Client().get(reverse(name, args=[link.token]))
        assert response.status_code == 200
        assert_not_cached(response, name)
    assert_not_cached(
        Client().get(reverse("share:scorecard", args=["not-a-token"])), "bad token"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/login/",
        "/accounts/password_reset/",
        "/organisations/",
        "/o/nowhere/",
        "/admin/",
        "/admin/backlog/feedbackitem/",
    ],
)
def test_the_other_pages_of_a_signed_in_person_are_kept_out_of_caches(url, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    assert_not_cached(client.get(url), url)
    assert_not_cached(Client().get(url), f"anonymous {url}")
