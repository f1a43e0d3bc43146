"""The JSON API under /api/v1/, authenticated with per-organisation API keys.

A key belongs to one organisation; every endpoint reads ``request.auth`` (the
ApiKey) and scopes all queries to ``request.auth.organisation``.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import NinjaAPI, Schema, Swagger
from ninja.security import APIKeyHeader, HttpBearer

from backlog.api import router as backlog_router
from backlog.experiments.api import router as experiments_router
from backlog.funnels.api import router as funnels_router
from cromaturity.api_errors import body_too_big
from cromaturity.api_keys import key_for


def _presented_keys(request: HttpRequest) -> list[str | None]:
    """Each key the request presents; None for an Authorization header that is
    not a bearer token."""
    keys: list[str | None] = []
    if "Authorization" in request.headers:
        scheme, _, token = request.headers["Authorization"].partition(" ")
        keys.append(token.strip() if scheme.lower() == "bearer" else None)
    if "X-API-Key" in request.headers:
        keys.append(request.headers["X-API-Key"])
    return keys


def request_key(request: HttpRequest):
    """The request's key when every credential it presents is that one valid key.

    A wrong Authorization header beside a valid X-API-Key is refused, not passed
    over: a request that sends a bad credential is not trusted on another one.
    """
    keys = _presented_keys(request)
    if not keys or None in keys or len(set(keys)) > 1:
        return None
    return key_for(keys[0])


class BearerKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return request_key(request)


class HeaderKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        return request_key(request)


api = NinjaAPI(
    title="cromaturity API",
    version="1",
    description=(
        "Push customer feedback from a help desk, read the hypothesis backlog, "
        "define metrics, pre-register experiments, send their results from the "
        "testing tool and read their analysis and recommendation. "
        "Authenticate with an organisation API key, sent as "
        "`Authorization: Bearer <key>` or `X-API-Key: <key>`; admins create keys "
        "under Settings → API keys; a request that presents both must present the "
        'same key. Every error answers JSON as `{"detail": ...}`.'
    ),
    auth=[BearerKey(), HeaderKey()],
    urls_namespace="api",
    # Deep links put a link inside each operation's toggle button, a control
    # nested in a control that screen readers cannot reach.
    docs=Swagger(settings={"deepLinking": False}),
)


class OrganisationOut(Schema):
    slug: str
    name: str


@api.get("/organisation", response=OrganisationOut, summary="The key's organisation")
def organisation(request):
    return request.auth.organisation


# ninja types a handler as taking the exception or its class; it is called with
# the exception only.
api.add_exception_handler(RequestDataTooBig, body_too_big)  # type: ignore[arg-type]
api.add_router("/", backlog_router)
api.add_router("/", experiments_router)
api.add_router("/", funnels_router)
