"""The access matrix every organisation view is tested against.

For one URL it checks, in this order, that:

* an anonymous visitor is sent to sign in;
* a member of another organisation gets 404 (never 403, never the object);
* a member whose role is just below the required one gets 403;
* a member with the required role gets the expected status, in an answer no
  cache may keep (``Cache-Control: private, no-store``).

Checks that must not change anything run first; pass `unchanged` (a callable
returning a snapshot of the state the request could alter) to prove that the
refused requests changed nothing.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.test import Client

from cromaturity.models import Organisation, Role
from tests.cromaturity.factories import make_member, make_org

ROLE_ORDER = [Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR, Role.ADMIN]


def _user(label: str):
    user_model = get_user_model()
    n = user_model.objects.count() + 1
    username = f"{label}-{n}"
    return user_model.objects.create_user(
        username=username, email=f"{username}@example.test", password="x-pass-1234"
    )


def member_client(organisation: Organisation, role: Role) -> Client:
    user = make_member(organisation, role, user=_user(f"{role}"))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def outsider_client() -> Client:
    user = _user("outsider")
    n = Organisation.objects.count() + 1
    make_org(name=f"Elsewhere {n}", slug=f"elsewhere-{n}", creator=user)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def assert_access(
    url: str,
    *,
    organisation: Organisation,
    role: Role = Role.VIEWER,
    method: str = "get",
    data: dict | None = None,
    ok: int | tuple[int, ...] = 200,
    unchanged: Callable[[], object] | None = None,
    htmx: bool = False,
) -> object:
    """Run the access matrix for `url`; return the allowed member's response."""
    data = data or {}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    before = unchanged() if unchanged else None

    def call(client: Client):
        for value in data.values():
            if hasattr(value, "seek"):
                value.seek(0)  # an uploaded file is read by each request
        return getattr(client, method)(url, data, **headers)

    response = call(Client())
    # htmx requests are redirected with a header, so the whole page moves.
    redirect_status, redirect_header = (
        (204, "HX-Redirect") if htmx else (302, "Location")
    )
    assert response.status_code == redirect_status, (
        f"anonymous {method.upper()} {url}: expected a redirect to sign in, "
        f"got {response.status_code}"
    )
    assert urlsplit(response[redirect_header]).path == "/accounts/login/", response[
        redirect_header
    ]

    response = call(outsider_client())
    assert response.status_code == 404, (
        f"member of another organisation {method.upper()} {url}: expected 404, "
        f"got {response.status_code}"
    )

    rank = ROLE_ORDER.index(Role(role))
    if rank > 0:
        below = ROLE_ORDER[rank - 1]
        response = call(member_client(organisation, below))
        assert response.status_code == 403, (
            f"{below} {method.upper()} {url}: expected 403, got {response.status_code}"
        )

    if unchanged:
        assert unchanged() == before, f"a refused {method.upper()} {url} changed data"

    client = member_client(organisation, role)
    response = call(client)
    expected = ok if isinstance(ok, tuple) else (ok,)
    assert response.status_code in expected, (
        f"{role} {method.upper()} {url}: expected {expected}, got "
        f"{response.status_code}"
    )
    cache_control = {
        part.strip() for part in response.get("Cache-Control", "").split(",")
    }
    assert {"private", "no-store"} <= cache_control, (
        f"{role} {method.upper()} {url}: Cache-Control "
        f"{response.get('Cache-Control')!r}, expected private, no-store"
    )
    response.client_user = client.user
    return response
