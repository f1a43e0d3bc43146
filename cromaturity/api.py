"""The JSON API under /api/v1/, authenticated with per-organisation API keys.

A key belongs to one organisation; every endpoint reads ``request.auth`` (the
ApiKey) and scopes all queries to ``request.auth.organisation``.
"""

from django.http import HttpRequest
from ninja import NinjaAPI, Schema, Swagger
from ninja.security import APIKeyHeader, HttpBearer

from backlog.api import router as backlog_router
from cromaturity.api_keys import key_for


class BearerKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return key_for(token)


class HeaderKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        return key_for(key)


api = NinjaAPI(
    title="cromaturity API",
    version="1",
    description=(
        "Push customer feedback from a help desk and read the hypothesis backlog. "
        "Authenticate with an organisation API key, sent as "
        "`Authorization: Bearer <key>` or `X-API-Key: <key>`; admins create keys "
        "under Settings → API keys."
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


api.add_router("/", backlog_router)
