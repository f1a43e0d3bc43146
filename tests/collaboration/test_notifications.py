"""Who hears of what: every trigger, never oneself, never another organisation,
each person's email preference, and emails that fail without harm."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from assessments.facilitation import advance_status
from assessments.models import AssessmentStatus
from backlog.authoring import save_hypothesis
from backlog.evidence import link_feedback
from backlog.models import Status
from backlog.pipeline import move_hypothesis
from collaboration.discussion import post_comment
from collaboration.emails import render_digest
from collaboration.models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from collaboration.notifying import notify, set_preferences
from collaboration.watching import set_watching
from tests.assessments.factories import add_response, make_assessment
from tests.backlog.factories import give_ice

pytestmark = pytest.mark.django_db


def kinds_of(user):
    return sorted(
        Notification.objects.filter(recipient=user).values_list("kind", flat=True)
    )


def test_a_mention_notifies_the_person_mentioned_and_nobody_else(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis(by=people["carla"])
    post_comment(
        org,
        author=people["sam"],
        body="@Carla Jensen and @zoe, see the chats from Monday. @zoe again.",
        hypothesis=hypothesis,
    )
    note = Notification.objects.get(recipient=people["zoe"])
    assert note.kind == NotificationKind.MENTION
    assert note.title == "Sam Okafor mentioned you on “Show delivery dates”"
    assert "see the chats from Monday" in note.body
    assert note.url.endswith(f"#comment-{note.comment_id}")
    assert kinds_of(people["carla"]) == ["mention"]
    assert kinds_of(people["sam"]) == []
    assert kinds_of(people["priya"]) == []


def test_mentioning_oneself_notifies_nobody(org, people, make_hypothesis):
    hypothesis = make_hypothesis()
    post_comment(org, author=people["sam"], body="Note to @sam", hypothesis=hypothesis)
    assert not Notification.objects.filter(kind=NotificationKind.MENTION).exists()


def test_a_mention_of_someone_in_another_organisation_notifies_nobody(
    org, other_org, people, make_member, make_hypothesis
):
    make_member(other_org, username="rival")
    hypothesis = make_hypothesis()
    _, unknown = post_comment(
        org, author=people["sam"], body="@rival look", hypothesis=hypothesis
    )
    assert unknown == ["rival"]
    assert not Notification.objects.filter(kind=NotificationKind.MENTION).exists()


def test_notify_never_crosses_organisations_even_when_asked(
    org, other_org, make_member
):
    outsider = make_member(other_org)
    sent = notify(org, [outsider.pk], kind=NotificationKind.MENTION, title="x", url="/")
    assert sent == []


def test_the_new_owner_hears_of_the_assignment_but_not_when_they_take_it_themselves(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis(by=people["carla"], owner=people["carla"])
    assert kinds_of(people["carla"]) == []
    hypothesis.owner = people["sam"]
    save_hypothesis(hypothesis, by=people["carla"])
    note = Notification.objects.get(recipient=people["sam"])
    assert note.kind == NotificationKind.ASSIGNED
    assert note.title == "Carla Jensen made you owner of “Show delivery dates”"
    save_hypothesis(hypothesis, by=people["carla"])  # same owner: no news
    assert Notification.objects.count() == 1


def test_watchers_hear_of_status_changes_but_not_the_mover(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis(by=people["carla"], owner=people["carla"])
    give_ice(hypothesis, people["sam"], 6)  # scorers watch
    post_comment(org, author=people["zoe"], body="Nice", hypothesis=hypothesis)
    set_watching(hypothesis, people["priya"], True)  # anyone may watch
    move_hypothesis(hypothesis, Status.BACKLOG, by=people["carla"])
    moved = Notification.objects.filter(kind=NotificationKind.STATUS)
    assert sorted(moved.values_list("recipient__username", flat=True)) == [
        "priya",
        "sam",
        "zoe",
    ]
    assert moved.first().title == "“Show delivery dates” moved from Idea to Backlog"


def test_unwatching_stops_the_news_and_automatic_watching_respects_it(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis(by=people["carla"])
    give_ice(hypothesis, people["sam"], 6)
    set_watching(hypothesis, people["sam"], False)
    give_ice(hypothesis, people["sam"], 7)  # scoring again does not re-subscribe
    move_hypothesis(hypothesis, Status.BACKLOG, by=people["carla"])
    assert kinds_of(people["sam"]) == []


def test_watchers_hear_of_comments_and_the_mentioned_hear_only_once(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis(by=people["carla"], owner=people["carla"])
    give_ice(hypothesis, people["zoe"], 5)
    post_comment(
        org, author=people["sam"], body="@carla look at this", hypothesis=hypothesis
    )
    assert kinds_of(people["carla"]) == ["mention"]
    assert kinds_of(people["zoe"]) == ["comment"]


@pytest.mark.parametrize(
    ("to_status", "title"),
    [
        (AssessmentStatus.CONSENSUS, "“Maturity check” moved to consensus"),
        (AssessmentStatus.CLOSED, "“Maturity check” is closed"),
    ],
)
def test_those_invited_to_an_assessment_hear_when_it_opens_moves_and_closes(
    org, people, to_status, title
):
    assessment = make_assessment(org)
    opened = Notification.objects.filter(kind=NotificationKind.ASSESSMENT)
    # Everyone who may answer hears it opened, except the admin who opened it.
    assert sorted(opened.values_list("recipient__username", flat=True)) == [
        "carla",
        "sam",
        "zoe",
    ]
    add_response(assessment, people["sam"], team="Customer Service")
    Notification.objects.all().delete()
    if to_status == AssessmentStatus.CLOSED:
        advance_status(assessment, from_status="open", by=people["carla"])
        Notification.objects.all().delete()
        advance_status(assessment, from_status="consensus", by=people["carla"])
    else:
        advance_status(assessment, from_status="open", by=people["carla"])
    told = Notification.objects.filter(kind=NotificationKind.ASSESSMENT)
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(
        [people["admin"].username, "sam", "zoe"]
    )
    assert told.first().title.startswith(title)


def test_a_viewer_is_not_invited_to_answer(org, people):
    make_assessment(org)
    assert kinds_of(people["priya"]) == []


def test_preferences_decide_the_email_of_each_kind(
    org, people, make_hypothesis, django_capture_on_commit_callbacks
):
    set_preferences(people["zoe"], org, {NotificationKind.MENTION: Delivery.OFF})
    set_preferences(people["carla"], org, {NotificationKind.MENTION: Delivery.DIGEST})
    hypothesis = make_hypothesis()
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(
            org,
            author=people["sam"],
            body=f"@carla @zoe @{people['admin'].username} please look",
            hypothesis=hypothesis,
        )
    email = dict(
        Notification.objects.filter(kind=NotificationKind.MENTION).values_list(
            "recipient__username", "email"
        )
    )
    assert email == {
        "carla": Delivery.DIGEST,
        "zoe": Delivery.OFF,
        people["admin"].username: Delivery.IMMEDIATELY,
    }
    assert [m.to for m in mail.outbox] == [[people["admin"].email]]
    assert "Sam Okafor mentioned you" in mail.outbox[0].subject
    assert "please look" in mail.outbox[0].body
    assert "http://testserver" not in mail.outbox[0].body
    assert Notification.objects.get(recipient=people["admin"]).emailed_at


def test_a_failing_mail_server_does_not_break_the_comment(
    org,
    people,
    make_hypothesis,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("collaboration.emails.send_mail", refuse)
    hypothesis = make_hypothesis()
    with (
        caplog.at_level(logging.ERROR, logger="collaboration.emails"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        comment, _ = post_comment(
            org, author=people["sam"], body="@carla urgent", hypothesis=hypothesis
        )
    assert comment.pk
    note = Notification.objects.get(recipient=people["carla"])
    assert note.emailed_at is None  # given back for the next digest
    assert "Could not email notification" in caplog.text


def test_digest_gathers_what_is_due_per_person_and_sends_it_once(
    org, people, make_hypothesis, settings
):
    settings.SITE_URL = "https://cro.example.com"
    set_preferences(people["carla"], org, {NotificationKind.MENTION: Delivery.DIGEST})
    hypothesis = make_hypothesis(title="Free returns badge")
    post_comment(org, author=people["sam"], body="@carla first", hypothesis=hypothesis)
    post_comment(org, author=people["zoe"], body="@carla second", hypothesis=hypothesis)
    call_command("send_digests", stdout=StringIO())
    [message] = [m for m in mail.outbox if m.to == ["carla@example.test"]]
    assert message.subject == "[Acme Shop] 2 updates for you on cromaturity"
    assert "Sam Okafor mentioned you on “Free returns badge”" in message.body
    assert "Zoë Müller mentioned you on “Free returns badge”" in message.body
    assert "https://cro.example.com/o/acme/backlog/" in message.body
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
    sent = len(mail.outbox)
    call_command("send_digests", stdout=StringIO())
    assert len(mail.outbox) == sent


def test_digest_picks_up_an_immediate_email_that_never_went(org, people):
    note = notify(
        org,
        [people["sam"].pk],
        kind=NotificationKind.MENTION,
        title="Old",
        url="/o/acme/",
    )[0]
    Notification.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    call_command("send_digests", stdout=StringIO())
    assert len(mail.outbox) == 1
    assert "* Old" in mail.outbox[0].body


def test_digest_content_lists_each_notification_with_its_link(org, people, settings):
    settings.SITE_URL = "https://cro.example.com"
    notes = [
        Notification.objects.create(
            organisation=org,
            recipient=people["sam"],
            kind=NotificationKind.LOOP_CLOSED,
            title="The test your feedback supported has concluded",
            body="Result: Won.\nLearning: Dates sell.",
            url="/o/acme/backlog/1/",
            email=Delivery.DIGEST,
        ),
        Notification.objects.create(
            organisation=org,
            recipient=people["sam"],
            kind=NotificationKind.STATUS,
            title="“Badge” moved from Idea to Backlog",
            url="/o/acme/backlog/2/",
            email=Delivery.DIGEST,
        ),
    ]
    subject, body = render_digest(notes)
    assert subject == "[Acme Shop] 2 updates for you on cromaturity"
    assert body.startswith("Hello Sam Okafor,")
    assert "* The test your feedback supported has concluded" in body
    assert "Learning: Dates sell." in body
    assert "https://cro.example.com/o/acme/backlog/1/" in body
    assert "* “Badge” moved from Idea to Backlog" in body
    assert "&quot;" not in body
    assert "&#x27;" not in body
    assert "https://cro.example.com/o/acme/notifications/" in body


def test_preferences_are_stored_per_organisation(org, other_org, people, make_member):
    make_member(other_org, user=people["sam"])
    set_preferences(people["sam"], org, {NotificationKind.STATUS: Delivery.OFF})
    assert NotificationPreference.objects.get().organisation == org
    [note] = notify(
        other_org, [people["sam"].pk], kind=NotificationKind.STATUS, title="x", url="/"
    )
    assert note.email == Delivery.DIGEST


def test_linking_feedback_makes_the_linker_a_watcher(
    org, people, make_hypothesis, make_feedback
):
    hypothesis = make_hypothesis(by=people["carla"])
    link_feedback(hypothesis, make_feedback(), by=people["sam"])
    move_hypothesis(hypothesis, Status.BACKLOG, by=people["carla"])
    assert kinds_of(people["sam"]) == ["status"]
