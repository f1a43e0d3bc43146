"""Linking feedback and hypotheses, from either side, and unlinking."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backlog.evidence import (
    EvidenceError,
    feedback_like,
    group_items,
    hypotheses_like,
    link_feedback,
    unlink_feedback,
)
from backlog.forms.evidence import EvidenceLinkForm
from backlog.models import (
    Evidence,
    FeedbackItem,
    Hypothesis,
    Status,
)
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required

SEARCH_RESULTS = 10


@member_required()
def hypothesis_candidates(request: OrgRequest, feedback_item_id):
    """Hypotheses to link a feedback item to: suggestions, or a title search."""
    item = get_in_org(request, FeedbackItem, feedback_item_id)
    query = request.GET.get("q", "").strip()[:200]
    if query:
        found = (
            Hypothesis.objects.for_org(request.organisation)
            .search(query)
            .exclude(status=Status.REJECTED)
            .order_by("-updated_at")[:SEARCH_RESULTS]
        )
        candidates = [(h, None) for h in found]
    else:
        candidates = hypotheses_like(item)
    return render(
        request,
        "backlog/feedback/_hypothesis_candidates.html",
        {"item": item, "candidates": candidates, "query": query},
    )


@member_required()
def feedback_candidates(request: OrgRequest, hypothesis_id):
    """Feedback to attach to a hypothesis: suggestions, or a text search."""
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    query = request.GET.get("q", "").strip()[:200]
    if query:
        linked = Evidence.objects.active().filter(hypothesis=hypothesis)
        found = (
            FeedbackItem.objects.for_org(request.organisation)
            .search(query)
            .exclude(pk__in=linked.values("feedback_item"))
            .order_by("-received_at")[: SEARCH_RESULTS * 5]
        )
        candidates = group_items(found)[:SEARCH_RESULTS]
    else:
        candidates = feedback_like(hypothesis)
    return render(
        request,
        "backlog/_feedback_candidates.html",
        {"hypothesis": hypothesis, "candidates": candidates, "query": query},
    )


@member_required(Role.CONTRIBUTOR)
@require_POST
def evidence_link(request: OrgRequest, hypothesis_id=None, feedback_item_id=None):
    """Link feedback as evidence for a hypothesis, from either one's page.

    From a hypothesis, one feedback item or several that say the same; from a
    feedback item, the hypothesis it supports.
    """
    if hypothesis_id is not None:
        hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
        fixed: dict = {"hypothesis": hypothesis}
        back = hypothesis.get_absolute_url() + "#evidence"
    else:
        item = get_in_org(request, FeedbackItem, feedback_item_id)
        fixed = {"item": item}
        back = reverse(
            "feedback:item-detail", args=[request.organisation.slug, item.pk]
        )
    form = EvidenceLinkForm(request.POST, organisation=request.organisation, **fixed)
    if not form.is_valid():
        messages.error(request, form.problem())
        return redirect(back)
    hypothesis = form.cleaned_data["hypothesis"]
    items = list(form.cleaned_data["feedback_item"])
    try:
        with transaction.atomic():
            for each in items:
                link_feedback(
                    hypothesis,
                    each,
                    by=request.user,
                    snippet=form.cleaned_data["snippet"],
                    importance=form.cleaned_data["importance"],
                )
    except EvidenceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _linked(hypothesis, items, from_item="item" in fixed))
    return redirect(back)


def _linked(hypothesis, items: list, *, from_item: bool) -> str:
    if from_item:
        return f"Linked to “{hypothesis.title}”."
    if len(items) == 1:
        return "Feedback attached as evidence."
    return f"{len(items)} feedback items attached as evidence."


@member_required(Role.CONTRIBUTOR)
@require_POST
def evidence_unlink(request: OrgRequest, evidence_id):
    evidence = get_in_org(request, Evidence, evidence_id)
    if not (request.membership.can_edit or evidence.linked_by_id == request.user.pk):
        raise PermissionDenied("Only editors and the person who linked it may unlink.")
    unlink_feedback(evidence, by=request.user)
    messages.success(request, "Link removed; the record of it is kept.")
    back = request.POST.get("back")
    if back == "feedback":
        return redirect(
            "feedback:item-detail", request.organisation.slug, evidence.feedback_item_id
        )
    return redirect(evidence.hypothesis.get_absolute_url() + "#evidence")
