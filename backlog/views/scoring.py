"""Scoring a hypothesis, from a row of the list or from its page."""

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backlog.configuration import settings_for
from backlog.conflicts import EditConflict, with_version
from backlog.forms.scores import ScoreForm, score_form
from backlog.models import BacklogSettings, Hypothesis
from backlog.scoring.frameworks import Framework, IceMode
from backlog.scoring.recording import score_hypothesis
from backlog.views.shared import (
    detail_context,
    list_row,
    reranked_results,
    row_fragment,
    row_position,
)
from cromaturity.models import Role
from cromaturity.redirects import safe_next
from cromaturity.scoping import OrgRequest, get_in_org, member_required


@member_required(Role.CONTRIBUTOR)
def hypothesis_score_form(request: OrgRequest, hypothesis_id):
    """A list row's score form, fetched when its "Score it" is opened."""
    hypothesis = get_in_org(request, Hypothesis.objects.for_list(), hypothesis_id)
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
    row = list_row(
        request,
        hypothesis,
        position=row_position(request.GET),
        backlog_settings=backlog_settings,
        open_form=True,
    )
    return row_fragment(request, "score-form", row, backlog_settings)


@member_required()
@require_POST
def hypothesis_score(request: OrgRequest, hypothesis_id):
    """A score posted from the hypothesis page or from a row of the list.

    Each answers in its own way: the page again; the row as an htmx fragment,
    or without htmx by going back to the list with a message.
    """
    hypothesis = get_in_org(request, Hypothesis.objects.for_list(), hypothesis_id)
    framework = request.POST.get("framework")
    if framework not in Framework.values:
        return HttpResponseBadRequest("Unknown scoring framework.")
    framework = Framework(framework)
    backlog_settings = settings_for(request.organisation)
    if request.POST.get("in") != "row":
        mode = _score_on_page
    elif request.htmx:
        mode = _score_in_row
    else:
        mode = _score_in_row_without_htmx
    return mode(request, hypothesis, framework, backlog_settings)


def _save_score(
    request: OrgRequest,
    hypothesis: Hypothesis,
    framework: Framework,
    backlog_settings: BacklogSettings,
    *,
    prefix: str,
) -> ScoreForm:
    """Bind and save the score form; the form, with its errors if refused."""
    form = score_form(framework, request.POST, prefix=prefix)
    if not form.is_valid():
        return form
    try:
        score_hypothesis(
            hypothesis,
            scorer=request.user,
            framework=framework,
            values=form.values(),
            note=form.cleaned_data["note"],
            ice_mode=IceMode(backlog_settings.ice_mode),
            expected_version=form.cleaned_data["version"] or 0,
        )
    except EditConflict as conflict:
        form = score_form(
            framework,
            with_version(request.POST, form.add_prefix("version"), conflict.version),
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
        return form
    hypothesis.refresh_from_db()
    return form


def _row_prefix(hypothesis: Hypothesis, framework: Framework) -> str:
    return f"h{hypothesis.pk}-{framework}"


def _score_on_page(
    request: OrgRequest,
    hypothesis: Hypothesis,
    framework: Framework,
    backlog_settings: BacklogSettings,
):
    form = _save_score(
        request, hypothesis, framework, backlog_settings, prefix=str(framework)
    )
    if not form.errors:
        messages.success(request, f"Your {framework.label} score is saved.")
        return redirect(f"{hypothesis.get_absolute_url()}#scores")
    context = detail_context(request, hypothesis, forms={framework: form})
    return render(
        request,
        "backlog/hypothesis_detail.html",
        context,
        status=409 if form.conflict else 400,
    )


def _score_in_row(
    request: OrgRequest,
    hypothesis: Hypothesis,
    framework: Framework,
    backlog_settings: BacklogSettings,
):
    form = _save_score(
        request,
        hypothesis,
        framework,
        backlog_settings,
        prefix=_row_prefix(hypothesis, framework),
    )
    if not form.errors:
        return reranked_results(request, hypothesis)
    row = list_row(
        request,
        hypothesis,
        position=row_position(request.POST),
        backlog_settings=backlog_settings,
        form=form,
    )
    return row_fragment(request, "row", row, backlog_settings)


def _score_in_row_without_htmx(
    request: OrgRequest,
    hypothesis: Hypothesis,
    framework: Framework,
    backlog_settings: BacklogSettings,
):
    form = _save_score(
        request,
        hypothesis,
        framework,
        backlog_settings,
        prefix=_row_prefix(hypothesis, framework),
    )
    scored = f"Your {framework.label} score of “{hypothesis}”"
    if not form.errors:
        messages.success(request, f"{scored} is saved.")
    elif form.conflict:
        compared = "; ".join(
            f"{d.label}: saved {d.theirs}, yours {d.yours}"
            for d in form.conflict.differences
        )
        messages.error(
            request,
            f"{scored} was not saved: you changed it in another window since "
            f"({compared}). The list now shows the saved score.",
        )
    else:
        messages.error(
            request, f"{scored} was not saved: choose a value for every part."
        )
    fallback = reverse("backlog:hypothesis-list", args=[request.organisation.slug])
    return redirect(safe_next(request, fallback))
