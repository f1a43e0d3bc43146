"""The ranked backlog list: its rows, filters and cached content."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django_htmx.http import reswap, retarget

from backlog.configuration import settings_for
from backlog.filters import HypothesisFilter, style_filter_form
from backlog.forms.scores import score_form
from backlog.models import Hypothesis, Score
from backlog.scoring.frameworks import Framework, IceMode
from backlog.views.hypotheses import safe_next
from cromaturity import freshness
from cromaturity.scoping import member_required

PAGE_SIZE = 25
# A cached list is never stale (its key changes with the content); the expiry only
# frees memory held by lists nobody asks for again.
LISTING_CACHE_SECONDS = 15 * 60


class Row:
    """One hypothesis as a row of the ranked list."""

    def __init__(
        self, hypothesis, *, position, form, my_score, too_long, ice_mode, saved=False
    ):
        self.hypothesis = hypothesis
        self.position = position
        self.form = form
        self.my_score = my_score
        self.my_value = (
            my_score.value(ice_mode, feedback_linked=hypothesis.evidence_items > 0)
            if my_score
            else None
        )
        self.too_long = too_long
        self.saved = saved


def list_row(
    request,
    hypothesis,
    *,
    position,
    backlog_settings,
    form=None,
    open_form=False,
):
    """One row; its score form is rendered only when given or asked for (the
    list loads a row's form when its "Score it" is opened)."""
    primary = Framework(backlog_settings.primary_framework)
    my_score = Score.objects.filter(
        hypothesis=hypothesis, scorer=request.user, framework=primary
    ).first()
    if form is None and open_form:
        form = score_form(primary, score=my_score, prefix=f"h{hypothesis.pk}-{primary}")
    return Row(
        hypothesis,
        position=position,
        form=form,
        my_score=my_score,
        too_long=hypothesis.awaits_test
        and backlog_settings.too_long_for(hypothesis.page),
        ice_mode=backlog_settings.ice_mode,
    )


def row_fragment(request, part: str, row: Row, backlog_settings):
    """One part of a list row (the row, or its score form) for htmx to swap in."""
    return render(
        request,
        f"backlog/_hypothesis_listing.html#{part}",
        {
            **_list_context(backlog_settings),
            "row": row,
            "list_url": safe_next(request, ""),
        },
    )


def row_position(data) -> int:
    try:
        return int(data.get("position", "0"))
    except ValueError:
        return 0


def _list_context(backlog_settings) -> dict:
    primary = Framework(backlog_settings.primary_framework)
    return {
        "backlog_settings": backlog_settings,
        "primary": primary,
        "frameworks": list(Framework),
        "ice_product": backlog_settings.ice_mode == IceMode.PRODUCT,
    }


def filtered_hypotheses(request, backlog_settings, query=None) -> HypothesisFilter:
    """The list's filters bound to the query string (the request's unless given);
    `.qs` is what the page lists."""
    return HypothesisFilter(
        request.GET if query is None else query,
        queryset=Hypothesis.objects.for_org(request.organisation).for_list(),
        request=request,
        backlog_settings=backlog_settings,
    )


def export_query(request) -> str:
    """The current filters as a query string, for the export links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@member_required()
def hypothesis_list(request):
    """The ranked list. Its content is rendered once per member, query string and
    state of the organisation's content, then served from the cache until
    something in the organisation changes."""
    key = freshness.cache_key(request, "backlog-list")
    listing = cache.get(key)
    if listing is None:
        listing = render_to_string(
            "backlog/_hypothesis_listing.html",
            _listing_context(request, request.GET),
            request,
        )
        cache.set(key, listing, LISTING_CACHE_SECONDS)
    return render(request, "backlog/hypothesis_list.html", {"listing": listing})


@dataclass(frozen=True)
class SavedElsewhere:
    """Where a hypothesis scored from its row went when it left the page shown."""

    hypothesis: Hypothesis
    position: int | None  # None: the filters no longer list it, or not by score
    page: int | None
    listed: bool


def _saved_elsewhere(filters, saved, primary) -> SavedElsewhere:
    listed = filters.qs.filter(pk=saved.pk).exists()
    sort = filters.sort_key
    framework = primary if sort == "rank" else sort
    if not listed or framework not in Framework.values:
        return SavedElsewhere(saved, position=None, page=None, listed=listed)
    position = filters.qs.ranked_ahead_of(saved, framework).count() + 1
    return SavedElsewhere(
        saved, position=position, page=(position - 1) // PAGE_SIZE + 1, listed=True
    )


def _listing_context(request, query, saved=None) -> dict:
    """The list's content for `query`; `saved` is a hypothesis just scored from
    its row, marked where it now ranks."""
    organisation = request.organisation
    backlog_settings = settings_for(organisation)
    primary = Framework(backlog_settings.primary_framework)
    filters = filtered_hypotheses(request, backlog_settings, query)
    style_filter_form(filters.form)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(query.get("page"))
    hypotheses = list(page.object_list)
    mine = {
        score.hypothesis_id: score
        for score in Score.objects.filter(
            hypothesis__in=hypotheses, scorer=request.user, framework=primary
        )
    }
    plans = {}
    rows = []
    for offset, hypothesis in enumerate(hypotheses):
        if hypothesis.page_id not in plans:
            plans[hypothesis.page_id] = backlog_settings.too_long_for(hypothesis.page)
        rows.append(
            Row(
                hypothesis,
                position=page.start_index() + offset,
                form=None,
                my_score=mine.get(hypothesis.pk),
                too_long=hypothesis.awaits_test and plans[hypothesis.page_id],
                ice_mode=backlog_settings.ice_mode,
                saved=saved is not None and hypothesis.pk == saved.pk,
            )
        )
    elsewhere = None
    if saved is not None and not any(row.saved for row in rows):
        elsewhere = _saved_elsewhere(filters, saved, primary)
    return {
        **_list_context(backlog_settings),
        "filters": filters,
        "query": query,
        "page_obj": page,
        "rows": rows,
        "saved_elsewhere": elsewhere,
        "export_query": export_query(request),
    }


def reranked_results(request, saved):
    """The list's results as its page shows them now that `saved` was scored from
    its row: the row moves to its new rank, or says where it went."""
    list_url = safe_next(
        request, reverse("backlog:hypothesis-list", args=[request.organisation.slug])
    )
    query = QueryDict(urlsplit(list_url).query)
    response = render(
        request,
        "backlog/_hypothesis_listing.html#results",
        {**_listing_context(request, query, saved=saved), "list_url": list_url},
    )
    return reswap(retarget(response, "#results"), "outerHTML")
