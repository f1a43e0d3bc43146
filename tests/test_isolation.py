"""Tenant isolation, proven for every URL the project has.

The walker reads Django's URL resolver, fills each organisation URL with the
objects of organisation A and requests it (GET and POST):

* as a member of organisation B, with A's slug: 404, always;
* as a member of B, with B's slug but A's object ids: 404, always;
* anonymously: sent to sign in (405 for a wrong method is fine: it says nothing);
* as a viewer of A: every POST is refused with 403, except by the few views
  that only change the viewer's own state (their notifications, what they
  watch) and say so with ``write_role=Role.VIEWER``: those may answer, but the
  empty POST must still change nothing of A.

Nothing of A may change through any of these requests. A URL added later is
covered automatically; one whose parameters the walker cannot fill, or a URL
outside /o/<org_slug>/ that is not declared public here, fails the test.
"""

import importlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from cromaturity.api_keys import create_api_key
from cromaturity.models import Membership, Role
from tests.access import member_client

pytestmark = pytest.mark.django_db

# URLs outside any organisation, and why they may be reached without membership.
PUBLIC_URLS = {
    "index": "redirects to the user's own organisation or to sign in",
    "healthz": "load-balancer probe, reveals nothing",
    "organisation-list": "lists only the user's own memberships",
    "organisation-create": "creates a new organisation",
    "join": "signed invitation token; forged tokens are 404",
}
# admin: staff only; api: authenticated by an organisation's API key and proven
# isolated in tests/cromaturity/test_api.py and the apps' API tests; share: one
# scorecard behind a signed, expiring, revocable token, forged tokens are 404
# (tests/assessments/test_share_links.py).
PUBLIC_PREFIXES = ("admin:", "api:", "login", "logout", "password_", "share:")
OUR_APPS = ("cromaturity", "assessments", "backlog", "collaboration")


@dataclass
class World:
    """One of every kind of object, in organisation A."""

    org_a: object
    org_b: object
    objects: dict


@pytest.fixture
def world(make_org, make_member):
    """Organisation A with one of every kind of object, and organisation B.

    Each app contributes its objects through ``tests/<app>/world.py``, whose
    ``objects_of(organisation, people)`` maps URL parameter names to ids.
    """
    org_a = make_org(name="Alpha", slug="alpha")
    org_b = make_org(name="Beta", slug="beta")
    people = {
        "admin": Membership.objects.get(organisation=org_a, role=Role.ADMIN).user,
        "editor": make_member(org_a, role=Role.EDITOR, team="CRO"),
        "contributor": make_member(org_a, role=Role.CONTRIBUTOR, team="Marketing"),
    }
    objects = {}
    for app in OUR_APPS:
        try:
            module = importlib.import_module(f"tests.{app}.world")
        except ModuleNotFoundError as error:
            if not f"tests.{app}.world".startswith(error.name or "-"):
                raise
            continue
        objects.update(module.objects_of(org_a, people))
    return World(org_a=org_a, org_b=org_b, objects=objects)


def _walk(resolver, namespace="", params=()):
    for entry in resolver.url_patterns:
        own = tuple(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            child_ns = namespace
            if entry.namespace:
                child_ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry, child_ns, params + own)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", params + own


def all_urls():
    seen = {}
    for name, params in _walk(get_resolver()):
        seen.setdefault(name, params)
    return sorted(seen.items())


ORG_URLS = [(n, p) for n, p in all_urls() if "org_slug" in p]


def _state():
    """Every row of the project's own models, to prove nothing changed."""
    snapshot = {}
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            snapshot[model._meta.label] = sorted(
                map(repr, model.objects.order_by("pk").values_list())
            )
    return snapshot


def _url(name, params, world, slug):
    kwargs = {}
    for param in params:
        if param == "org_slug":
            kwargs[param] = slug
        elif param in world.objects:
            kwargs[param] = world.objects[param]
        else:
            pytest.fail(
                f"URL {name!r} has a parameter {param!r} the isolation walker cannot "
                "fill: add an object of organisation A for it to the `world` fixture."
            )
    return reverse(name, kwargs=kwargs)


def test_every_url_is_organisation_scoped_or_declared_public():
    undeclared = [
        name
        for name, params in all_urls()
        if "org_slug" not in params
        and name not in PUBLIC_URLS
        and not name.startswith(PUBLIC_PREFIXES)
    ]
    assert not undeclared, f"URLs outside /o/<org_slug>/ not declared: {undeclared}"


@pytest.mark.parametrize(("name", "params"), ORG_URLS, ids=[n for n, _ in ORG_URLS])
def test_outsider_anonymous_and_viewer_are_kept_out(name, params, world):
    url_a = _url(name, params, world, world.org_a.slug)
    anonymous = Client()
    outsider = member_client(world.org_b, Role.ADMIN)
    viewer = member_client(world.org_a, Role.VIEWER)
    before = _state()

    for method in ("get", "post"):
        response = getattr(anonymous, method)(url_a)
        assert response.status_code in (302, 405), f"anonymous {method} {url_a}"
        if response.status_code == 302:
            assert urlsplit(response["Location"]).path == "/accounts/login/"

    for method in ("get", "post"):
        response = getattr(outsider, method)(url_a)
        assert response.status_code == 404, (
            f"member of B {method.upper()} {url_a}: {response.status_code}"
        )
    if set(params) - {"org_slug"}:
        # B is a real member of its own organisation here, so a wrong method may
        # answer 405; it says nothing about A's object either way.
        url_b_with_a_ids = _url(name, params, world, world.org_b.slug)
        for method, allowed in (("get", (404, 405)), ("post", (404,))):
            response = getattr(outsider, method)(url_b_with_a_ids)
            assert response.status_code in allowed, (
                f"member of B {method.upper()} {url_b_with_a_ids} (A's ids): "
                f"{response.status_code}"
            )

    response = viewer.post(url_a)
    if getattr(resolve(url_a).func, "write_role", None) == Role.VIEWER:
        assert response.status_code < 500, f"viewer POST {url_a}"
    else:
        assert response.status_code == 403, (
            f"viewer POST {url_a}: {response.status_code}"
        )

    assert _state() == before, f"refused requests to {url_a} changed data"


# The API's own documentation, readable by anyone who can reach the server.
API_DOCS = {"api:api-root", "api:openapi-json", "api:openapi-view"}
API_URLS = [(n, p) for n, p in all_urls() if n.startswith("api:") and n not in API_DOCS]


@pytest.mark.parametrize(("name", "params"), API_URLS, ids=[n for n, _ in API_URLS])
def test_api_keys_reach_their_own_organisation_only(name, params, world, admin_user):
    """Every API endpoint: no key is 401; B's key never sees or changes A's data."""
    _, key_a = create_api_key(world.org_a, name="A's desk", by=admin_user)
    _, key_b = create_api_key(world.org_b, name="B's desk", by=admin_user)
    url = _url(name, params, world, world.org_a.slug)
    client = Client()
    own = client.get(url, headers={"X-API-Key": key_a})
    assert own.status_code in (200, 405), f"A's key GET {url}: {own.status_code}"
    client.get("/api/v1/organisation", headers={"X-API-Key": key_b})  # marks it used
    before = _state()

    for method in ("get", "post"):
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code in (401, 405), f"no key {method} {url}"

    as_b = {"headers": {"X-API-Key": key_b}, "content_type": "application/json"}
    response = client.get(url, **as_b)
    if own.status_code == 200 and params:
        assert response.status_code == 404, f"B's key GET {url}: {response.status_code}"
    elif response.status_code == 200:
        body = response.content.decode()
        assert world.org_a.slug not in body, f"B's key GET {url} shows A"
        assert body in ("[]", '{"slug": "beta", "name": "Beta"}'), body
    response = client.post(url, {"source_system": "x", "items": []}, **as_b)
    assert response.status_code in (404, 405, 422), f"B's key POST {url}"
    for method in ("put", "patch"):
        response = getattr(client, method)(url, {"name": "B's", "results": []}, **as_b)
        assert response.status_code in (404, 405, 422), (
            f"B's key {method.upper()} {url}: {response.status_code}"
        )
    assert _state() == before, f"requests with B's key to {url} changed data"
