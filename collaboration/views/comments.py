"""Comments, mentions' autocomplete, and watching a hypothesis."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Assessment, Point
from backlog.models import FeedbackItem, Hypothesis
from collaboration.discussion import (
    CommentError,
    delete_comment,
    edit_comment,
    post_comment,
)
from collaboration.forms import CommentForm
from collaboration.mentions import fold
from collaboration.models import Comment, subject_url
from collaboration.watching import set_watching
from cromaturity.models import Membership, Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required

PEOPLE_SHOWN = 8


@member_required()
@require_GET
def people(request: OrgRequest):
    """Members matching what follows the @, for the mention autocomplete."""
    typed = fold(request.GET.get("q", "").strip().lstrip("@"))[:60]
    members = (
        Membership.objects.for_org(request.organisation)
        .select_related("user", "team")
        .order_by("user__first_name", "user__username")
    )
    found = []
    for membership in members:
        user = membership.user
        names = [user.username, user.first_name, user.last_name, user.display_name]
        if not typed or any(fold(name).startswith(typed) for name in names if name):
            found.append(
                {
                    "username": user.username,
                    "name": user.display_name,
                    "team": str(membership.team or ""),
                }
            )
            if len(found) == PEOPLE_SHOWN:
                break
    return JsonResponse({"people": found})


def _post(request, subject_kwargs: dict, back: str, *, heading: str):
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment, unknown = post_comment(
                request.organisation,
                author=request.user,
                body=form.cleaned_data["body"],
                **subject_kwargs,
            )
        except CommentError as error:
            form.add_error("body", str(error))
        else:
            _report(request, "Comment posted.", unknown)
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "collaboration/comment_form.html",
        {"form": form, "back": back, "heading": heading},
        status=400,
    )


def _report(request, done: str, unknown: list[str]) -> None:
    messages.success(request, done)
    if unknown:
        names = ", ".join(f"@{name}" for name in unknown)
        messages.warning(
            request,
            f"Nobody here is called {names}, so nobody was notified for "
            f"{'it' if len(unknown) == 1 else 'them'}.",
        )


@member_required()
@require_POST
def comment_on_hypothesis(request: OrgRequest, hypothesis_id):
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    return _post(
        request,
        {"hypothesis": hypothesis},
        f"{hypothesis.get_absolute_url()}#discussion",
        heading=f"Comment on “{hypothesis.title}”",
    )


@member_required()
@require_POST
def comment_on_feedback(request: OrgRequest, feedback_item_id):
    item = get_in_org(request, FeedbackItem, feedback_item_id)
    return _post(
        request,
        {"feedback_item": item},
        f"{item.get_absolute_url()}#discussion",
        heading="Comment on feedback",
    )


@member_required()
def point_discussion(request: OrgRequest, assessment_id, point_key):
    """One point of an assessment and what people say about it."""
    assessment = get_in_org(request, Assessment, assessment_id)
    point = get_object_or_404(
        Point.objects.select_related("pillar"),
        pillar__maturity_model_id=assessment.maturity_model_id,
        key=point_key,
    )
    back = request.path + "#discussion"
    if request.method == "POST":
        return _post(
            request,
            {"assessment": assessment, "point": point},
            back,
            heading=f"Comment on {point.key} {point.title}",
        )
    return render(
        request,
        "collaboration/point_discussion.html",
        {"assessment": assessment, "point": point},
    )


def _own_comment(request: OrgRequest, comment_id: int) -> Comment:
    comment = get_in_org(
        request,
        Comment.objects.select_related(
            "hypothesis", "feedback_item", "assessment", "point"
        ),
        comment_id,
    )
    if comment.author_id != request.user.pk:
        raise PermissionDenied("Only the author may change a comment.")
    return comment


@member_required(Role.CONTRIBUTOR)
def comment_update(request: OrgRequest, comment_id):
    comment = _own_comment(request, comment_id)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            edit_comment(comment, by=request.user, body=form.cleaned_data["body"])
        except CommentError as error:
            form.add_error("body", str(error))
        else:
            _report(request, "Comment saved.", [])
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "collaboration/comment_form.html",
        {
            "form": form,
            "comment": comment,
            "back": comment.get_absolute_url(),
            "heading": "Edit your comment",
        },
        status=400 if request.method == "POST" else 200,
    )


@member_required(Role.CONTRIBUTOR)
@require_POST
def comment_delete(request: OrgRequest, comment_id):
    comment = _own_comment(request, comment_id)
    back = subject_url(comment) + "#discussion"
    delete_comment(comment, by=request.user)
    messages.success(request, "Comment deleted.")
    return redirect(back)


@member_required(Role.VIEWER, write_role=Role.VIEWER)
@require_POST
def hypothesis_watch(request: OrgRequest, hypothesis_id):
    """Watch or stop watching: a personal choice, so viewers may make it too."""
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    choice = request.POST.get("watching")
    if choice not in ("1", "0"):
        return HttpResponseBadRequest("Say whether to watch (1) or not (0).")
    set_watching(hypothesis, request.user, choice == "1")
    messages.success(
        request,
        "You now watch this hypothesis: you hear of its status changes and comments."
        if choice == "1"
        else "You no longer watch this hypothesis.",
    )
    return redirect(hypothesis.get_absolute_url())
