"""A hypothesis: proposing, editing and deleting it, and its page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from backlog.authoring import delete_hypothesis, save_hypothesis
from backlog.configuration import settings_for
from backlog.conflicts import EditConflict
from backlog.evidence import (
    Draft,
    draft_from_feedback,
    draft_from_theme,
    group_evidence,
    propose_with_evidence,
    summary_of,
)
from backlog.forms.hypotheses import HypothesisForm
from backlog.forms.scores import score_form
from backlog.improvements import initial_for_point
from backlog.models import (
    Evidence,
    FeedbackItem,
    Hypothesis,
    Kind,
    Score,
    Status,
    Theme,
)
from backlog.pipeline import allowed_moves, move_refusal
from backlog.scoring.frameworks import (
    DISAGREEMENT_SHARE,
    PXL_MAX,
    Framework,
    disagreement_threshold,
    scale,
    suggested_confidence,
    summarise,
)
from cromaturity.models import Role
from cromaturity.scoping import member_required

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
            "reason": move_refusal(
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
