from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from backlog.authoring import delete_hypothesis, save_hypothesis
from backlog.configuration import settings_for
from backlog.conflicts import EditConflict
from backlog.evidence import summary_of
from backlog.filters import HypothesisFilter, style_filter_form
from backlog.forms import HypothesisForm, score_form
from backlog.improvements import prefill
from backlog.models import Evidence, Hypothesis, Kind, Score, Status
from backlog.pipeline import allowed_moves, check_move
from backlog.prioritization import (
    DISAGREEMENT_SHARE,
    PXL_MAX,
    Framework,
    IceMode,
    disagreement_threshold,
    scale,
    suggested_confidence,
    summarise,
)
from backlog.scoring import score_hypothesis
from cromaturity import freshness
from cromaturity.models import Role
from cromaturity.scoping import member_required

PAGE_SIZE = 25
# A cached list is never stale (its key changes with the content); the expiry only
# frees memory held by lists nobody asks for again.
LISTING_CACHE_SECONDS = 15 * 60
PREFILLED = ["title", "observation", "change", "audience", "impact", "metric"]


def hypothesis_for(request, hypothesis_id: int, queryset=None) -> Hypothesis:
    queryset = queryset if queryset is not None else Hypothesis.objects
    hypothesis = get_object_or_404(
        queryset.for_org(request.organisation), pk=hypothesis_id
    )
    hypothesis.organisation = request.organisation
    return hypothesis


def with_version(data, name: str, version: int):
    """A copy of posted form data carrying another version."""
    data = data.copy()
    data[name] = str(version)
    return data


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith("/"):
        return target
    return fallback


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


def _row(
    request,
    hypothesis,
    *,
    position,
    backlog_settings,
    form=None,
    open_form=False,
    saved=False,
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
        saved=saved,
    )


def _row_fragment(request, part: str, row: Row, backlog_settings):
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


def _position(data) -> int:
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


def filtered_hypotheses(request, backlog_settings) -> HypothesisFilter:
    """The list's filters bound to the query string; `.qs` is what the page lists."""
    return HypothesisFilter(
        request.GET,
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
            "backlog/_hypothesis_listing.html", _listing_context(request), request
        )
        cache.set(key, listing, LISTING_CACHE_SECONDS)
    return render(request, "backlog/hypothesis_list.html", {"listing": listing})


def _listing_context(request) -> dict:
    organisation = request.organisation
    backlog_settings = settings_for(organisation)
    primary = Framework(backlog_settings.primary_framework)
    filters = filtered_hypotheses(request, backlog_settings)
    style_filter_form(filters.form)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
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
            )
        )
    return {
        **_list_context(backlog_settings),
        "filters": filters,
        "page_obj": page,
        "rows": rows,
        "export_query": export_query(request),
    }


@member_required()
def hypothesis_create(request):
    organisation = request.organisation
    membership = request.membership
    if not membership.can_contribute:
        raise PermissionDenied(
            "Proposing hypotheses needs the contributor role or higher."
        )
    initial = {name: request.GET[name] for name in PREFILLED if name in request.GET}
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    improving = None
    if "point" in request.GET:
        improving = prefill(
            organisation, request.GET.get("assessment"), request.GET["point"]
        )
        if improving is None:
            messages.warning(
                request,
                "That assessment point was not found; the item is not linked to it.",
            )
        else:
            initial.update(improving)
    initial.setdefault("owner", request.user.pk)
    initial.setdefault("team", membership.team_id)
    form = HypothesisForm(
        request.POST or None,
        initial=initial,
        organisation=organisation,
        instance=Hypothesis(organisation=organisation),
    )
    if request.method == "POST" and form.is_valid():
        hypothesis = save_hypothesis(
            form.save(commit=False),
            by=request.user,
            tags=form.cleaned_data.get("tags") or [],
            new_tag_names=form.cleaned_data["new_tags"],
        )
        messages.success(
            request, f"“{hypothesis}” is in the backlog as an idea. Score it next."
        )
        return redirect(hypothesis)
    return render(
        request,
        "backlog/hypothesis_form.html",
        {"form": form, "creating": True, "improving": improving},
        status=400 if request.method == "POST" else 200,
    )


@member_required()
def hypothesis_update(request, hypothesis_id):
    hypothesis = hypothesis_for(request, hypothesis_id)
    if not hypothesis.editable_by(request.membership):
        raise PermissionDenied(
            "Editors edit every hypothesis; contributors edit the hypotheses they "
            "proposed while they are ideas."
        )
    form = HypothesisForm(
        request.POST or None, instance=hypothesis, organisation=request.organisation
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            save_hypothesis(
                form.save(commit=False),
                by=request.user,
                tags=form.cleaned_data.get("tags") or [],
                new_tag_names=form.cleaned_data["new_tags"],
                expected_version=form.cleaned_data["version"] or 0,
            )
        except EditConflict as error:
            # Show the stored version beside yours; the form keeps yours and now
            # carries the stored version, so saving again deliberately keeps it.
            conflict = error
            hypothesis = hypothesis_for(request, hypothesis_id)
            form = HypothesisForm(
                with_version(request.POST, "version", conflict.version),
                instance=hypothesis,
                organisation=request.organisation,
            )
        else:
            messages.success(request, "Hypothesis saved.")
            return redirect(hypothesis)
    status = 200
    if request.method == "POST":
        status = 409 if conflict else 400
    return render(
        request,
        "backlog/hypothesis_form.html",
        {
            "form": form,
            "hypothesis": hypothesis,
            "creating": False,
            "conflict": conflict,
        },
        status=status,
    )


@member_required(Role.EDITOR)
@require_POST
def hypothesis_delete(request, hypothesis_id):
    hypothesis = hypothesis_for(request, hypothesis_id)
    title = str(hypothesis)
    delete_hypothesis(hypothesis)
    messages.success(request, f"“{title}” was deleted with its scores and results.")
    return redirect("backlog:hypothesis-list", request.organisation.slug)


def _scores_by_framework(hypothesis, ice_mode, user):
    scores = list(Score.objects.filter(hypothesis=hypothesis).select_related("scorer"))
    sections = []
    for framework in Framework:
        rows = [s for s in scores if s.framework == framework]
        for score in rows:
            score.score_value = score.value(
                ice_mode, feedback_linked=hypothesis.evidence_items > 0
            )
        low, high = scale(framework, ice_mode)
        sections.append(
            {
                "framework": framework,
                "scores": rows,
                "summary": summarise(
                    [s.score_value for s in rows], framework, ice_mode
                ),
                "mine": next((s for s in rows if s.scorer_id == user.pk), None),
                "scale": (low, high),
                "threshold": disagreement_threshold(framework, ice_mode),
            }
        )
    return sections


def detail_context(request, hypothesis, *, forms=None) -> dict:
    organisation = request.organisation
    backlog_settings = settings_for(organisation)
    sections = _scores_by_framework(hypothesis, backlog_settings.ice_mode, request.user)
    forms = forms or {}
    for section in sections:
        framework = section["framework"]
        section["form"] = forms.get(framework) or score_form(
            framework, score=section["mine"]
        )
    moves = [
        {
            "status": status,
            "reason": check_move(
                hypothesis.status,
                status,
                metric=hypothesis.metric,
                score_count=hypothesis.score_total,
                result="won",  # the conclude form asks for the real result
                learning="-",
            ),
        }
        for status in allowed_moves(hypothesis.status)
    ]
    experiments = list(
        hypothesis.experiments.prefetch_related("variants").order_by("-created_at")
    )
    for experiment in experiments:
        experiment.results = experiment.analysis()
    plan = backlog_settings.plan_for(hypothesis.page)
    evidence = list(
        Evidence.objects.active()
        .filter(hypothesis=hypothesis)
        .select_related("feedback_item", "linked_by")
    )
    return {
        "evidence": evidence,
        "suggestion": suggested_confidence(summary_of(hypothesis), timezone.now()),
        "hypothesis": hypothesis,
        "backlog_settings": backlog_settings,
        "primary": Framework(backlog_settings.primary_framework),
        "sections": sections,
        "moves": moves,
        "experiments": experiments,
        "plan": plan,
        "can_edit": hypothesis.editable_by(request.membership),
        "can_move": request.membership.can_edit,
        "can_score": request.membership.can_contribute,
        "statuses": list(Status),
        "disagreement_share": round(DISAGREEMENT_SHARE * 100),
        "pxl_max": PXL_MAX,
    }


@member_required()
def hypothesis_detail(request, hypothesis_id):
    hypothesis = hypothesis_for(
        request,
        hypothesis_id,
        Hypothesis.objects.for_list().select_related(
            "created_by", "status_changed_by", "source_assessment__organisation"
        ),
    )
    return render(
        request, "backlog/hypothesis_detail.html", detail_context(request, hypothesis)
    )


@member_required(Role.CONTRIBUTOR)
def hypothesis_score_form(request, hypothesis_id):
    """A list row's score form, fetched when its "Score it" is opened."""
    hypothesis = hypothesis_for(request, hypothesis_id, Hypothesis.objects.for_list())
    backlog_settings = settings_for(request.organisation)
    if not request.htmx:
        primary = backlog_settings.primary_framework
        return redirect(
            reverse(
                "backlog:hypothesis-detail",
                args=[request.organisation.slug, hypothesis.pk],
            )
            + f"#score-{primary}"
        )
    row = _row(
        request,
        hypothesis,
        position=_position(request.GET),
        backlog_settings=backlog_settings,
        open_form=True,
    )
    return _row_fragment(request, "score-form", row, backlog_settings)


@member_required()
@require_POST
def hypothesis_score(request, hypothesis_id):
    hypothesis = hypothesis_for(request, hypothesis_id, Hypothesis.objects.for_list())
    framework = request.POST.get("framework")
    if framework not in Framework.values:
        return HttpResponseBadRequest("Unknown scoring framework.")
    framework = Framework(framework)
    in_row = request.POST.get("in") == "row"
    prefix = f"h{hypothesis.pk}-{framework}" if in_row else str(framework)
    form = score_form(framework, request.POST, prefix=prefix)
    backlog_settings = settings_for(request.organisation)
    valid = form.is_valid()
    if valid:
        try:
            score_hypothesis(
                hypothesis,
                scorer=request.user,
                framework=framework,
                values=form.values(),
                note=form.cleaned_data["note"],
                ice_mode=backlog_settings.ice_mode,
                expected_version=form.cleaned_data["version"] or 0,
            )
        except EditConflict as conflict:
            valid = False
            form = score_form(
                framework,
                with_version(
                    request.POST, form.add_prefix("version"), conflict.version
                ),
                prefix=prefix,
            )
            form.is_valid()
            form.conflict = conflict
            form.add_error(
                None,
                f"You changed your {framework.label} score in another window since "
                "this form was opened. Compare the two below: saving again keeps "
                "the values in this form.",
            )
        else:
            hypothesis.refresh_from_db()
    if in_row and request.htmx:
        row = _row(
            request,
            hypothesis,
            position=_position(request.POST),
            backlog_settings=backlog_settings,
            form=None if valid else form,
            saved=valid,
        )
        return _row_fragment(request, "row", row, backlog_settings)
    if in_row:
        fallback = reverse("backlog:hypothesis-list", args=[request.organisation.slug])
        if valid:
            messages.success(
                request, f"Your {framework.label} score of “{hypothesis}” is saved."
            )
        elif form.conflict:
            compared = "; ".join(
                f"{d.label}: saved {d.theirs}, yours {d.yours}"
                for d in form.conflict.differences
            )
            messages.error(
                request,
                f"Your {framework.label} score of “{hypothesis}” was not saved: you "
                f"changed it in another window since ({compared}). The list now "
                "shows the saved score.",
            )
        else:
            messages.error(
                request,
                f"Your {framework.label} score of “{hypothesis}” was not saved: "
                "choose a value for every part.",
            )
        return redirect(safe_next(request, fallback))
    if valid:
        messages.success(request, f"Your {framework.label} score is saved.")
        return redirect(f"{hypothesis.get_absolute_url()}#scores")
    context = detail_context(request, hypothesis, forms={framework: form})
    return render(
        request,
        "backlog/hypothesis_detail.html",
        context,
        status=409 if form.conflict else 400,
    )
