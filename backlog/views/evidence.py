"""Linking feedback and hypotheses, from either side, and unlinking."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backlog.evidence import (
    MAX_ALIKE,
    EvidenceError,
    feedback_like,
    group_items,
    hypotheses_like,
    link_feedback,
    unlink_feedback,
)
from backlog.forms.evidence import LinkForm
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


@member_required(Role.CONTRIBUTOR)
@require_POST
def link_from_feedback(request: OrgRequest, feedback_item_id):
    item = get_in_org(request, FeedbackItem, feedback_item_id)
    form = LinkForm(request.POST)
    hypothesis = (
        Hypothesis.objects.for_org(request.organisation)
        .filter(pk=request.POST.get("hypothesis") or 0)
        .first()
        if (request.POST.get("hypothesis") or "").isdigit()
        else None
    )
    if hypothesis is None:
        messages.error(request, "Choose the hypothesis this feedback supports.")
    elif not form.is_valid():
        messages.error(request, "Check the quote and the importance.")
    else:
        try:
            link_feedback(
                hypothesis,
                item,
                by=request.user,
                snippet=form.cleaned_data["snippet"],
                importance=form.cleaned_data["importance"],
            )
        except EvidenceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Linked to “{hypothesis.title}”.")
    return redirect("feedback:item-detail", request.organisation.slug, item.pk)


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
def link_from_hypothesis(request: OrgRequest, hypothesis_id):
    """Attach one feedback item, or several that say the same, as evidence."""
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    form = LinkForm(request.POST)
    chosen = request.POST.getlist("feedback_item")[:MAX_ALIKE]
    items = list(
        FeedbackItem.objects.for_org(request.organisation).filter(
            pk__in=[int(pk) for pk in chosen if pk.isdigit() and len(pk) < 19]
        )
    )
    if not items:
        messages.error(request, "Choose the feedback to attach.")
    elif not form.is_valid():
        messages.error(request, "Check the quote and the importance.")
    else:
        try:
            with transaction.atomic():
                for item in items:
                    link_feedback(
                        hypothesis,
                        item,
                        by=request.user,
                        snippet=form.cleaned_data["snippet"],
                        importance=form.cleaned_data["importance"],
                    )
        except EvidenceError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                "Feedback attached as evidence."
                if len(items) == 1
                else f"{len(items)} feedback items attached as evidence.",
            )
    return redirect(hypothesis.get_absolute_url() + "#evidence")


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
