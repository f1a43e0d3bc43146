"""The ranked backlog list, its content cached until the organisation's changes."""

from django.shortcuts import render
from django.template.loader import render_to_string

from backlog.views.shared import listing_context
from cromaturity import freshness
from cromaturity.scoping import OrgRequest, member_required

# A cached list is never stale (its key changes with the content); the expiry only
# frees memory held by lists nobody asks for again.
LISTING_CACHE_SECONDS = 15 * 60


@member_required()
def hypothesis_list(request: OrgRequest):
    """The ranked list. Its content is rendered once per member, query string and
    state of the organisation's content, then served from the cache until
    something in the organisation changes."""
    listing = freshness.cached_for_member(
        request,
        "backlog-list",
        lambda: render_to_string(
            "backlog/_hypothesis_listing.html",
            listing_context(request, request.GET),
            request,
        ),
        LISTING_CACHE_SECONDS,
    )
    return render(request, "backlog/hypothesis_list.html", {"listing": listing})
