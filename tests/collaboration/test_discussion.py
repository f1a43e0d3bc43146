import pytest
from django.db import IntegrityError, transaction
from django.template import Context, Template

from collaboration.discussion import (
    CommentError,
    delete_comment,
    edit_comment,
    people_of,
    post_comment,
)
from collaboration.models import (
    COMMENT_MAX_LENGTH,
    Activity,
    ActivityKind,
    Comment,
    Notification,
    Watch,
)
from tests.assessments.factories import make_assessment, points_of

pytestmark = pytest.mark.django_db


def _html(comment, org):
    template = Template("{% load collaboration %}{% comment_html comment people %}")
    return template.render(Context({"comment": comment, "people": people_of(org)}))


def test_a_comment_is_escaped_with_links_made_clickable_and_mentions_marked(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis()
    comment, _ = post_comment(
        org,
        author=people["sam"],
        body='<script>alert("x")</script> see https://example.com/a?b=1&c=2 '
        "and @zoe\nsecond line",
        hypothesis=hypothesis,
    )
    html = _html(comment, org)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow">'
        "https://example.com/a?b=1&amp;c=2</a>" in html
    )
    assert '<span class="mention">@zoe</span>' in html
    assert "<br>second line" in html


def test_a_javascript_address_is_not_made_a_link(org, people, make_hypothesis):
    comment, _ = post_comment(
        org,
        author=people["sam"],
        body="javascript:alert(1) and www.example.com",
        hypothesis=make_hypothesis(),
    )
    html = _html(comment, org)
    assert 'href="javascript' not in html
    assert 'href="https://www.example.com"' in html


def test_a_mention_with_html_in_a_name_stays_escaped(
    org, people, make_member, make_hypothesis
):
    make_member(org, username="bob", first_name="<b>Bob</b>", last_name="X")
    comment, _ = post_comment(
        org, author=people["sam"], body="@<b>Bob</b> X hi", hypothesis=make_hypothesis()
    )
    html = _html(comment, org)
    assert "<b>Bob</b>" not in html
    assert '<span class="mention">@&lt;b&gt;Bob&lt;/b&gt; X</span>' in html


def test_posting_records_mentions_activity_and_a_watch(org, people, make_hypothesis):
    hypothesis = make_hypothesis()
    comment, unknown = post_comment(
        org,
        author=people["sam"],
        body="@zoe @Carla Jensen @nobody @zoe",
        hypothesis=hypothesis,
    )
    assert unknown == ["nobody"]
    assert set(comment.mentioned.values_list("username", flat=True)) == {"zoe", "carla"}
    activity = Activity.objects.get(kind=ActivityKind.COMMENTED)
    assert activity.summary == "commented on “Show delivery dates”"
    assert activity.hypothesis == hypothesis
    assert activity.team.name == "Customer Service"
    assert Watch.objects.filter(user=people["sam"], hypothesis=hypothesis).exists()


@pytest.mark.parametrize("body", ["", "   \n ", "\x00"])
def test_an_empty_comment_is_refused(org, people, make_hypothesis, body):
    with pytest.raises(CommentError, match="Write something"):
        post_comment(org, author=people["sam"], body=body, hypothesis=make_hypothesis())
    assert not Comment.objects.exists()


def test_a_too_long_comment_is_refused(org, people, make_hypothesis):
    with pytest.raises(CommentError, match="at most"):
        post_comment(
            org,
            author=people["sam"],
            body="x" * (COMMENT_MAX_LENGTH + 1),
            hypothesis=make_hypothesis(),
        )


def test_a_comment_on_another_organisations_hypothesis_is_refused(
    org, other_org, people, make_hypothesis
):
    theirs = make_hypothesis(organisation=other_org)
    with pytest.raises(CommentError):
        post_comment(org, author=people["sam"], body="hi", hypothesis=theirs)


def test_editing_notifies_only_the_newly_mentioned(org, people, make_hypothesis):
    comment, _ = post_comment(
        org, author=people["sam"], body="@zoe look", hypothesis=make_hypothesis()
    )
    edit_comment(comment, by=people["sam"], body="@zoe and @carla look")
    mentions = Notification.objects.filter(kind="mention")
    assert sorted(mentions.values_list("recipient__username", flat=True)) == [
        "carla",
        "zoe",
    ]
    comment.refresh_from_db()
    assert comment.edited_at is not None


def test_only_the_author_edits_or_deletes(org, people, make_hypothesis):
    comment, _ = post_comment(
        org, author=people["sam"], body="mine", hypothesis=make_hypothesis()
    )
    with pytest.raises(CommentError):
        edit_comment(comment, by=people["zoe"], body="yours now")
    with pytest.raises(CommentError):
        delete_comment(comment, by=people["zoe"])
    delete_comment(comment, by=people["sam"])
    assert not Comment.objects.exists()


def test_comments_on_feedback_and_assessment_points(
    org, people, make_feedback, make_hypothesis
):
    item = make_feedback()
    on_item, _ = post_comment(
        org, author=people["sam"], body="@zoe", feedback_item=item
    )
    assessment = make_assessment(org)
    point = points_of(assessment)[4]
    on_point, _ = post_comment(
        org,
        author=people["sam"],
        body="We disagree here",
        assessment=assessment,
        point=point,
    )
    assert on_item.get_absolute_url() == (
        f"/o/acme/feedback/{item.pk}/#comment-{on_item.pk}"
    )
    assert on_point.get_absolute_url() == (
        f"/o/acme/assessments/{assessment.pk}/points/{point.key}/#comment-{on_point.pk}"
    )
    mention = Notification.objects.get(recipient=people["zoe"], kind="mention")
    assert mention.title.startswith("Sam Okafor mentioned you on feedback “")


def test_a_comment_needs_exactly_one_subject(org, people, make_hypothesis):
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(organisation=org, author=people["sam"], body="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            organisation=org,
            author=people["sam"],
            body="x",
            hypothesis=make_hypothesis(),
            feedback_item=None,
            assessment=make_assessment(org),
        )
