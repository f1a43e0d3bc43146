"""Discussion, timeline, change history and watching, as parts of other pages.

The backlog and feedback pages include these with one tag each, so those apps'
views need not know about collaboration. Each tag runs a fixed number of
queries, whatever the length of the discussion or history.
"""

from django import template
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, urlize
from django.utils.safestring import mark_safe

from backlog.models import FeedbackItem, Hypothesis
from collaboration import history
from collaboration.discussion import people_of
from collaboration.forms import CommentForm
from collaboration.mentions import find_mentions
from collaboration.models import Activity, Comment, Watch

register = template.Library()

COMMENTS_SHOWN = 100
TIMELINE_SHOWN = 8


def _linked(text: str) -> str:
    """Escaped text with its web addresses made into safe links."""
    return urlize(text, nofollow=True, autoescape=True)


@register.simple_tag
def comment_html(comment: Comment, people) -> str:
    """The comment as HTML: escaped, links clickable, mentions highlighted."""
    parts, position = [], 0
    for mention in find_mentions(comment.body, people).found:
        parts.append(_linked(comment.body[position : mention.start]))
        parts.append(
            format_html(
                '<span class="mention">{}</span>',
                comment.body[mention.start : mention.end],
            )
        )
        position = mention.end
    parts.append(_linked(comment.body[position:]))
    html = "".join(str(part) for part in parts).replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - every piece above is escaped


def _subject_of(subject, point=None) -> tuple[dict, str]:
    """The filter for the subject's comments and the URL to post one."""
    slug = subject.organisation.slug
    if isinstance(subject, Hypothesis):
        return (
            {"hypothesis": subject},
            reverse("collaboration:comment-hypothesis", args=[slug, subject.pk]),
        )
    if isinstance(subject, FeedbackItem):
        return (
            {"feedback_item": subject},
            reverse("collaboration:comment-feedback", args=[slug, subject.pk]),
        )
    return (
        {"assessment": subject, "point": point},
        reverse("collaboration:point-discussion", args=[slug, subject.pk, point.key]),
    )


@register.inclusion_tag("collaboration/_discussion.html", takes_context=True)
def discussion(context, subject, point=None):
    """The comments on `subject` (for an assessment: on its `point`) and a form."""
    request = context["request"]
    subject.organisation = request.organisation
    condition, post_url = _subject_of(subject, point)
    comments = list(
        Comment.objects.filter(**condition)
        .select_related("author")
        .order_by("-created_at", "-pk")[: COMMENTS_SHOWN + 1]
    )
    more = len(comments) > COMMENTS_SHOWN
    comments = comments[:COMMENTS_SHOWN][::-1]
    return {
        "request": request,
        "organisation": request.organisation,
        "membership": request.membership,
        "user": request.user,
        "comments": comments,
        "more": more,
        "people": people_of(request.organisation) if comments else [],
        "form": CommentForm(auto_id=f"id_comment_%s_{subject.pk}"),
        "post_url": post_url,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("collaboration/_timeline.html", takes_context=True)
def timeline(context, hypothesis):
    """What happened to a hypothesis, newest first."""
    entries = list(
        Activity.objects.filter(hypothesis=hypothesis).select_related("actor")[
            :TIMELINE_SHOWN
        ]
    )
    return {
        "entries": entries,
        "hypothesis": hypothesis,
        "organisation": context["request"].organisation,
        "shown": TIMELINE_SHOWN,
    }


@register.inclusion_tag("collaboration/_history.html", takes_context=True)
def change_history(context, subject):
    """Who changed what on a hypothesis (with its scores and links) or an item."""
    if isinstance(subject, Hypothesis):
        changes = history.of_hypothesis(subject)
    else:
        changes = history.of_feedback_item(subject)
    return {"changes": changes, "subject": subject}


@register.inclusion_tag("collaboration/_watch.html", takes_context=True)
def watch_button(context, hypothesis):
    request = context["request"]
    watching = Watch.objects.filter(
        hypothesis=hypothesis, user=request.user, watching=True
    ).exists()
    return {
        "hypothesis": hypothesis,
        "watching": watching,
        "organisation": request.organisation,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def point_comment_counts(assessment) -> dict:
    """Comments per point key of an assessment, in one query."""
    return dict(
        Comment.objects.filter(assessment=assessment)
        .values("point__key")
        .annotate(n=Count("pk"))
        .values_list("point__key", "n")
        .order_by()
    )


@register.filter
def about_it(summary: str, hypothesis) -> str:
    """A feed entry as the hypothesis's own timeline says it: “it” for its title."""
    return summary.replace(f"“{hypothesis.title}”", "it")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def score_of(hypothesis, framework):
    """The hypothesis's mean score in `framework`."""
    return hypothesis.score_of(framework)
