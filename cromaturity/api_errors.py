"""Every error under /api/ answers JSON in the API's shape, ``{"detail": ...}``.

The API's own errors (validation, authentication, a missing object) already do;
what Django answers before or after the API runs (an unknown path, a wrong method,
a body over the size limit, an unexpected error) is turned into the same shape.
"""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat

API_PREFIX = "/api/"
# Headers of an error response that still mean something in its JSON form.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def body_too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse(
        {
            "detail": "The request body is larger than the limit of "
            f"{filesizeformat(limit)} ({limit:,} bytes): send fewer items per batch."
        },
        status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    )


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class JsonApiErrorsMiddleware:
    """Answer an error under /api/ that is not JSON yet as ``{"detail": phrase}``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < HTTPStatus.BAD_REQUEST
            or _is_json(response)
        ):
            return response
        status = HTTPStatus(response.status_code)
        json_response = JsonResponse({"detail": status.phrase}, status=status)
        for header in KEPT_HEADERS:
            if header in response:
                json_response[header] = response[header]
        return json_response
