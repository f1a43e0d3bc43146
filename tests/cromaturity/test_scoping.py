import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from cromaturity.models import Role
from cromaturity.scoping import member_required

pytestmark = pytest.mark.django_db


@member_required(Role.VIEWER)
def reader_view(request):
    return HttpResponse(f"{request.organisation.slug}:{request.membership.role}")


@member_required(Role.EDITOR)
def editor_view(request):
    return HttpResponse("ok")


def _request(user, method="get"):
    request = getattr(RequestFactory(), method)("/o/acme/x/")
    request.user = user
    request.session = {}
    return request


def test_member_reaches_view_with_organisation_set(org, admin_user):
    response = reader_view(_request(admin_user), org_slug="acme")
    assert response.content == b"acme:admin"


def test_non_member_gets_404_not_403(other_org, org, admin_user):
    with pytest.raises(Http404):
        reader_view(_request(admin_user), org_slug=other_org.slug)


def test_unknown_organisation_is_404(admin_user):
    with pytest.raises(Http404):
        reader_view(_request(admin_user), org_slug="nope")


@pytest.mark.parametrize(
    ("role", "method", "allowed"),
    [
        (Role.VIEWER, "get", True),
        (Role.VIEWER, "post", False),
        (Role.CONTRIBUTOR, "post", True),
    ],
)
def test_writes_need_contributor_even_on_reader_views(
    org, make_member, role, method, allowed
):
    user = make_member(org, role=role)
    request = _request(user, method)
    if allowed:
        assert reader_view(request, org_slug="acme").status_code == 200
    else:
        with pytest.raises(PermissionDenied, match="contributor role or higher"):
            reader_view(request, org_slug="acme")


def test_role_below_required_is_refused_with_reason(org, make_member):
    user = make_member(org, role=Role.CONTRIBUTOR)
    with pytest.raises(PermissionDenied, match="editor role or higher"):
        editor_view(_request(user), org_slug="acme")


def test_anonymous_is_sent_to_sign_in(org):

    response = reader_view(_request(AnonymousUser()), org_slug="acme")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_role_order():
    assert Role.ADMIN.allows(Role.EDITOR)
    assert Role.EDITOR.allows(Role.EDITOR)
    assert not Role.CONTRIBUTOR.allows(Role.EDITOR)
    assert not Role.VIEWER.allows(Role.CONTRIBUTOR)


def test_an_htmx_request_after_sign_out_sends_the_page_to_sign_in(client, org):
    response = client.post(
        "/o/acme/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/o/acme/assessments/1/respond/S/",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == (
        "/accounts/login/?next=/o/acme/assessments/1/respond/S/"
    )
