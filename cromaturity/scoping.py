"""The one way an organisation URL reaches its data.

Every view under ``/o/<org_slug>/`` is wrapped in :func:`member_required`, which
resolves the organisation from the URL *through the user's membership*: a user who
is not a member gets 404, exactly as for an object that does not exist. Views then
fetch one object with :func:`get_in_org` (and lists with
``Model.objects.for_org(request.organisation)``) so that an id from another
organisation is a 404 too. :class:`OrgRequest` is the type of the request such a
view receives.

`member_required` is the outermost decorator, so that even a wrong HTTP method
answers 404 to outsiders. URL parameters are named after what they identify
(``team_id``, ``hypothesis_id``), which lets tests/test_isolation.py fill every
URL with another organisation's objects without per-URL configuration.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, Protocol, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

from cromaturity.models import Membership, Organisation, Role, User, org_path

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class OrgRequest(HttpRequest):
    """The request of a view wrapped in :func:`member_required`.

    Only a type: the middleware sets `htmx` and the decorator sets `organisation`
    and `membership` on an ordinary request, whose user is then signed in.
    """

    user: User
    organisation: Organisation
    membership: Membership
    htmx: HtmxDetails


class MemberView[**P](Protocol):
    """A view as the URLconf calls it, with the roles the decorator requires."""

    required_role: Role
    write_role: Role

    def __call__(
        self, request: HttpRequest, org_slug: str, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponseBase: ...


def member_required[**P](
    role: Role = Role.VIEWER, *, write_role: Role = Role.CONTRIBUTOR
) -> Callable[[Callable[Concatenate[OrgRequest, P], HttpResponseBase]], MemberView[P]]:
    """Require membership of the URL's organisation with at least `role`.

    Requests that change something (anything but GET/HEAD/OPTIONS) need at least
    `write_role` as well, so a viewer is refused every write without each view
    having to remember it.
    """

    def decorator(
        view: Callable[Concatenate[OrgRequest, P], HttpResponseBase],
    ) -> MemberView[P]:
        @wraps(view)
        def wrapper(
            request: HttpRequest, org_slug: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponseBase:
            if not request.user.is_authenticated:
                htmx: HtmxDetails | None = getattr(request, "htmx", None)
                if htmx:
                    # A fragment request (an autosave, say) after the session
                    # ended: send the whole page to sign in, then back to it.
                    current = htmx.current_url_abs_path or "/"
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = redirect_to_login(current).url
                    return response
                return redirect_to_login(request.get_full_path())
            membership = (
                Membership.objects.select_related("organisation", "team")
                .filter(user=request.user, organisation__slug=org_slug)
                .first()
            )
            if membership is None:
                raise Http404("No such organisation.")
            required = role
            if (
                request.method not in SAFE_METHODS
                and Role(write_role).rank > Role(role).rank
            ):
                required = write_role
            if not membership.allows(required):
                raise PermissionDenied(
                    f"This needs the {Role(required).label.lower()} role or higher; "
                    f"you are {Role(membership.role).with_article} in "
                    f"{membership.organisation}."
                )
            org_request = cast(OrgRequest, request)
            org_request.organisation = membership.organisation
            org_request.membership = membership
            if request.session.get("last_org") != org_slug:
                request.session["last_org"] = org_slug
            return view(org_request, *args, **kwargs)

        guarded = cast(MemberView[P], wrapper)
        guarded.required_role = role
        guarded.write_role = write_role
        return guarded

    return decorator


def get_in_org[M: Model](
    request: OrgRequest, queryset: type[M] | QuerySet[M], pk: Any, **filters: Any
) -> M:
    """The object `pk` of the request's organisation, or Http404.

    `queryset` is a model or a queryset of it (to select or annotate more). Its
    organisation is found through the model's `org_path` (``"organisation"``
    unless it says otherwise, ``"hypothesis__organisation"`` for Evidence, say),
    and is then the request's own object, so that building the object's links
    reads no more rows.
    """
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    path = org_path(queryset.model)
    *relations, last = path.split("__")
    if relations:
        queryset = queryset.select_related("__".join(relations))
    found = get_object_or_404(
        queryset, pk=pk, **filters, **{path: request.organisation}
    )
    holder: Model = found
    for relation in relations:
        holder = getattr(holder, relation)
    setattr(holder, last, request.organisation)
    return found
