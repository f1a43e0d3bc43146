"""What several backlog views render: the hypothesis page's content and the
ranked list's rows (a row is re-rendered when it is scored)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import reswap, retarget

from backlog.configuration import settings_for
from backlog.evidence import group_evidence, summary_of
from backlog.experiments.outcomes import attach_failed_guardrails
from backlog.experiments.report_tables import report_of
from backlog.experiments.reports import with_analysis_data
from backlog.exports import export_query
from backlog.filters import filtered_hypotheses, style_filter_form
from backlog.forms.scores import score_form
from backlog.models import Evidence, Hypothesis, Score, Status
from backlog.pipeline import allowed_moves, hypothesis_move_refusal
from backlog.scoring.frameworks import (
    DISAGREEMENT_SHARE,
    PXL_MAX,
    Framework,
    IceMode,
    disagreement_threshold,
    scale,
    suggested_confidence,
    summarise,
)
from cromaturity.redirects import safe_next

PAGE_SIZE = 25


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
    attach_failed_guardrails([hypothesis])
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
            **list_context(backlog_settings),
            "row": row,
            "list_url": safe_next(request, ""),
        },
    )


def row_position(data) -> int:
    try:
        return int(data.get("position", "0"))
    except ValueError:
        return 0


def list_context(backlog_settings) -> dict:
    primary = Framework(backlog_settings.primary_framework)
    return {
        "backlog_settings": backlog_settings,
        "primary": primary,
        "frameworks": list(Framework),
        "ice_product": backlog_settings.ice_mode == IceMode.PRODUCT,
    }


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


def listing_context(request, query, saved=None) -> dict:
    """The list's content for `query`; `saved` is a hypothesis just scored from
    its row, marked where it now ranks."""
    organisation = request.organisation
    backlog_settings = settings_for(organisation)
    primary = Framework(backlog_settings.primary_framework)
    filters = filtered_hypotheses(request, backlog_settings, query)
    style_filter_form(filters.form)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(query.get("page"))
    hypotheses = list(page.object_list)
    attach_failed_guardrails(hypotheses)
    mine = {
        score.hypothesis_id: score
        for score in Score.objects.filter(
            hypothesis__in=hypotheses, scorer=request.user, framework=primary
        )
    }
    # Whether a test on the page would run too long, worked out once per page.
    too_long_on_page: dict[int | None, bool] = {}
    rows = []
    for offset, hypothesis in enumerate(hypotheses):
        if hypothesis.page_id not in too_long_on_page:
            too_long_on_page[hypothesis.page_id] = backlog_settings.too_long_for(
                hypothesis.page
            )
        rows.append(
            Row(
                hypothesis,
                position=page.start_index() + offset,
                form=None,
                my_score=mine.get(hypothesis.pk),
                too_long=hypothesis.awaits_test
                and too_long_on_page[hypothesis.page_id],
                ice_mode=backlog_settings.ice_mode,
                saved=saved is not None and hypothesis.pk == saved.pk,
            )
        )
    elsewhere = None
    if saved is not None and not any(row.saved for row in rows):
        elsewhere = _saved_elsewhere(filters, saved, primary)
    return {
        **list_context(backlog_settings),
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
        {**listing_context(request, query, saved=saved), "list_url": list_url},
    )
    return reswap(retarget(response, "#results"), "outerHTML")


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
            "reason": hypothesis_move_refusal(hypothesis, status),
        }
        for status in allowed_moves(hypothesis.status)
    ]
    experiments = list(
        with_analysis_data(hypothesis.experiments.order_by("-created_at", "-pk"))
    )
    for experiment in experiments:
        experiment.results = experiment.analysis()
        experiment.report = report_of(experiment)
    plan = backlog_settings.plan_for(hypothesis.page)
    evidence = list(
        Evidence.objects.active()
        .filter(hypothesis=hypothesis)
        .select_related("feedback_item", "linked_by")
    )
    return {
        "sheet_rows": list(hypothesis.sheet_rows.select_related("backlog_import")),
        "evidence": evidence,
        "evidence_groups": group_evidence(evidence),
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
