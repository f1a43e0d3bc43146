"""A hypothesis: proposing, editing and deleting it, and its page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backlog.authoring import delete_hypothesis, save_hypothesis
from backlog.conflicts import EditConflict, with_version
from backlog.evidence import (
    Draft,
    draft_from_feedback,
    draft_from_theme,
    propose_with_evidence,
)
from backlog.forms.hypotheses import HypothesisForm
from backlog.improvements import initial_for_point
from backlog.models import (
    FeedbackItem,
    Hypothesis,
    Kind,
    Theme,
)
from backlog.views.shared import detail_context
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required

PREFILLED = ["title", "observation", "change", "audience", "impact", "metric"]


def _draft(request) -> Draft | None:
    """The feedback item or theme a new hypothesis is drafted from, if named.

    Read from the address on the form's GET and its POST alike (the form posts
    back to it), so that the evidence is linked when the hypothesis is saved.
    """
    organisation = request.organisation
    for name, queryset, draft in (
        ("feedback", FeedbackItem.objects, draft_from_feedback),
        ("theme", Theme.objects, draft_from_theme),
    ):
        if name not in request.GET:
            continue
        value = request.GET[name]
        found = (
            queryset.for_org(organisation).filter(pk=value).first()
            if value.isdigit() and len(value) < 19
            else None
        )
        if found is None:
            messages.warning(
                request,
                f"That {'feedback item' if name == 'feedback' else 'theme'} was "
                "not found; nothing will be linked to the new hypothesis.",
            )
            return None
        return draft(found)
    return None


@member_required()
def hypothesis_create(request: OrgRequest):
    organisation = request.organisation
    membership = request.membership
    if not membership.can_contribute:
        raise PermissionDenied(
            "Proposing hypotheses needs the contributor role or higher."
        )
    initial: dict[str, object] = {
        name: request.GET[name] for name in PREFILLED if name in request.GET
    }
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    improving = None
    if "point" in request.GET:
        improving = initial_for_point(
            organisation, request.GET.get("assessment"), request.GET["point"]
        )
        if improving is None:
            messages.warning(
                request,
                "That assessment point was not found; the item is not linked to it.",
            )
        else:
            initial.update(improving)
    draft = _draft(request)
    if draft is not None:
        initial.update(draft.initial)
    initial.setdefault("owner", request.user.pk)
    initial.setdefault("team", membership.team_id)
    form = HypothesisForm(
        request.POST or None,
        initial=initial,
        organisation=organisation,
        instance=Hypothesis(organisation=organisation),
    )
    if request.method == "POST" and form.is_valid():
        hypothesis = propose_with_evidence(
            form.save(commit=False),
            draft.items if draft else [],
            by=request.user,
            tags=form.cleaned_data.get("tags") or [],
            new_tag_names=form.cleaned_data["new_tags"],
        )
        linked = f", with {draft.source} as evidence" if draft else ""
        messages.success(
            request,
            f"“{hypothesis}” is in the backlog as an idea{linked}. Score it next.",
        )
        return redirect(hypothesis)
    return render(
        request,
        "backlog/hypothesis_form.html",
        {"form": form, "creating": True, "improving": improving, "draft": draft},
        status=400 if request.method == "POST" else 200,
    )


@member_required()
def hypothesis_update(request: OrgRequest, hypothesis_id):
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
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
            hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
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
def hypothesis_delete(request: OrgRequest, hypothesis_id):
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    title = str(hypothesis)
    delete_hypothesis(hypothesis)
    messages.success(request, f"“{title}” was deleted with its scores and results.")
    return redirect("backlog:hypothesis-list", request.organisation.slug)


@member_required()
def hypothesis_detail(request: OrgRequest, hypothesis_id):
    hypothesis = get_in_org(
        request,
        Hypothesis.objects.for_list().select_related(
            "created_by", "status_changed_by", "source_assessment__organisation"
        ),
        hypothesis_id,
    )
    return render(
        request, "backlog/hypothesis_detail.html", detail_context(request, hypothesis)
    )
