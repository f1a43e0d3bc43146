"""The one way an organisation URL reaches its data.

Every view under ``/o/<org_slug>/`` is wrapped in :func:`member_required`, which
resolves the organisation from the URL *through the user's membership*: a user who
is not a member gets 404, exactly as for an object that does not exist. Views then
fetch objects with ``Model.objects.for_org(request.organisation)`` so that an id
from another organisation is a 404 too.

`member_required` is the outermost decorator, so that even a wrong HTTP method
answers 404 to outsiders. URL parameters are named after what they identify
(``team_id``, ``hypothesis_id``), which lets tests/test_isolation.py fill every
URL with another organisation's objects without per-URL configuration.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from cromaturity.models import Membership, Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def member_required(
    role: Role = Role.VIEWER, *, write_role: Role = Role.CONTRIBUTOR
) -> Callable:
    """Require membership of the URL's organisation with at least `role`.

    Requests that change something (anything but GET/HEAD/OPTIONS) need at least
    `write_role` as well, so a viewer is refused every write without each view
    having to remember it.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(
            request: HttpRequest, org_slug: str, *args, **kwargs
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                if getattr(request, "htmx", False):
                    # A fragment request (an autosave, say) after the session
                    # ended: send the whole page to sign in, then back to it.
                    current = request.htmx.current_url_abs_path or "/"
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
            request.organisation = membership.organisation
            request.membership = membership
            if request.session.get("last_org") != org_slug:
                request.session["last_org"] = org_slug
            return view(request, *args, **kwargs)

        wrapper.required_role = role
        wrapper.write_role = write_role
        return wrapper

    return decorator
