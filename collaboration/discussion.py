"""Commenting on hypotheses, feedback items and assessment points."""

import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from collaboration import mentions
from collaboration.events import record_activity
from collaboration.models import (
    COMMENT_MAX_LENGTH,
    ActivityKind,
    Comment,
    NotificationKind,
)
from collaboration.notifying import notify
from collaboration.watching import watch_automatically, watcher_ids
from cromaturity.models import Membership, Organisation

EXCERPT_LENGTH = 280


class CommentError(ValueError):
    """A comment the rules refuse; the message is for people."""


def people_of(organisation: Organisation) -> list[mentions.Person]:
    """Everyone who can be mentioned in the organisation."""
    return [
        mentions.Person(key=pk, username=username, full_name=f"{first} {last}")
        for pk, username, first, last in Membership.objects.filter(
            organisation=organisation
        ).values_list(
            "user_id", "user__username", "user__first_name", "user__last_name"
        )
    ]


def clean_body(body: str) -> str:
    body = unicodedata.normalize("NFC", body.replace("\x00", "")).strip()
    if not body:
        raise CommentError("Write something before posting.")
    if len(body) > COMMENT_MAX_LENGTH:
        raise CommentError(
            f"A comment holds at most {COMMENT_MAX_LENGTH} characters; this one "
            f"has {len(body)}."
        )
    return body


def subject_title(comment: Comment) -> str:
    if comment.hypothesis is not None:
        return f"“{comment.hypothesis.title}”"
    if comment.feedback_item is not None:
        return f"feedback “{Truncator(comment.feedback_item.text).chars(60)}”"
    if comment.point is None or comment.assessment is None:
        raise CommentError("A comment is about a hypothesis, feedback or a point.")
    return f"{comment.point.key} {comment.point.title} in “{comment.assessment.title}”"


def _excerpt(comment: Comment) -> str:
    return Truncator(comment.body).chars(EXCERPT_LENGTH)


@transaction.atomic
def post_comment(organisation: Organisation, *, author, body: str, **subject):
    """Post a comment on one subject: hypothesis=, feedback_item=, or
    assessment= with point=. Mentioned members and (on a hypothesis) its
    watchers are notified. Returns the comment and the unknown names typed."""
    for thing in subject.values():
        owner = getattr(thing, "organisation_id", organisation.pk)
        if owner != organisation.pk:
            raise CommentError("That belongs to another organisation.")
    comment = Comment(
        organisation=organisation, author=author, body=clean_body(body), **subject
    )
    comment.save()
    found = mentions.find_mentions(comment.body, people_of(organisation))
    mentioned = [person.key for person in found.people]
    comment.mentioned.set(mentioned)
    title = subject_title(comment)
    url = comment.get_absolute_url()
    notify(
        organisation,
        mentioned,
        kind=NotificationKind.MENTION,
        actor=author,
        title=f"{author.display_name} mentioned you on {title}",
        body=_excerpt(comment),
        url=url,
        hypothesis=comment.hypothesis,
        comment=comment,
    )
    if comment.hypothesis is not None:
        notify(
            organisation,
            watcher_ids(comment.hypothesis) - set(mentioned),
            kind=NotificationKind.COMMENT,
            actor=author,
            title=f"{author.display_name} commented on {title}",
            body=_excerpt(comment),
            url=url,
            hypothesis=comment.hypothesis,
            comment=comment,
        )
        watch_automatically(comment.hypothesis, [author.pk])
    record_activity(
        organisation,
        actor=author,
        kind=ActivityKind.COMMENTED,
        summary=f"commented on {title}",
        detail=_excerpt(comment),
        url=url,
        hypothesis=comment.hypothesis,
        feedback_item=comment.feedback_item,
        assessment=comment.assessment,
    )
    return comment, found.unknown


@transaction.atomic
def edit_comment(comment: Comment, *, by, body: str):
    """Change one's own comment; people newly mentioned are notified."""
    if comment.author_id != by.pk:
        raise CommentError("Only the author may edit a comment.")
    comment.body = clean_body(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    found = mentions.find_mentions(comment.body, people_of(comment.organisation))
    before = set(comment.mentioned.values_list("pk", flat=True))
    now_mentioned = [person.key for person in found.people]
    comment.mentioned.set(now_mentioned)
    notify(
        comment.organisation,
        [pk for pk in now_mentioned if pk not in before],
        kind=NotificationKind.MENTION,
        actor=by,
        title=f"{by.display_name} mentioned you on {subject_title(comment)}",
        body=_excerpt(comment),
        url=comment.get_absolute_url(),
        hypothesis=comment.hypothesis,
        comment=comment,
    )
    return comment, found.unknown


@transaction.atomic
def delete_comment(comment: Comment, *, by) -> None:
    if comment.author_id != by.pk:
        raise CommentError("Only the author may delete a comment.")
    comment.delete()
