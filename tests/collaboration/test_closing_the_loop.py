"""When a test concludes, the people behind its evidence hear how it went."""

import pytest
from django.urls import reverse

from backlog.evidence import link_feedback, unlink_feedback
from backlog.models import FeedbackImport, Status
from backlog.pipeline import move_hypothesis
from collaboration.models import Notification, NotificationKind
from collaboration.watching import watch_automatically
from tests.backlog.factories import give_ice, make_feedback

pytestmark = pytest.mark.django_db


def _filed_by(org, agent, text):
    return make_feedback(org, text, by=agent, pseudonym_key=b"k")


def _to_analysing(hypothesis, by):
    give_ice(hypothesis, by, 7)
    for status in (Status.BACKLOG, Status.READY, Status.RUNNING, Status.ANALYSING):
        move_hypothesis(hypothesis, status, by=by)


def test_two_items_from_two_agents_notify_both_exactly_once(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis(by=people["carla"], owner=people["carla"])
    sam_item = _filed_by(org, people["sam"], "When will my parcel arrive?")
    zoe_item = _filed_by(org, people["zoe"], "No delivery date shown anywhere")
    # Each agent linked their own item, so each is linker, filer and watcher.
    link_feedback(hypothesis, sam_item, by=people["sam"])
    link_feedback(hypothesis, zoe_item, by=people["zoe"])
    _to_analysing(hypothesis, people["carla"])
    Notification.objects.all().delete()

    move_hypothesis(
        hypothesis,
        Status.CONCLUDED,
        by=people["carla"],
        result="won",
        learning="A date beats a window.",
    )

    for agent in ("sam", "zoe"):
        [note] = Notification.objects.filter(recipient=people[agent])
        assert note.kind == NotificationKind.LOOP_CLOSED
        assert "“Show delivery dates” won" in note.title
        assert note.body == "Result: Won.\nLearning: A date beats a window."
        assert note.url == hypothesis.get_absolute_url()
    assert not Notification.objects.filter(recipient=people["carla"]).exists()


def test_the_filer_and_the_linker_both_hear_when_they_differ(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis(by=people["carla"])
    item = _filed_by(org, people["sam"], "Parcel late again")
    link_feedback(hypothesis, item, by=people["zoe"])
    _to_analysing(hypothesis, people["carla"])
    move_hypothesis(
        hypothesis, Status.CONCLUDED, by=people["carla"], result="lost", learning="No."
    )
    loop = Notification.objects.filter(kind=NotificationKind.LOOP_CLOSED)
    assert sorted(loop.values_list("recipient__username", flat=True)) == ["sam", "zoe"]


def test_the_importer_of_linked_feedback_hears_the_outcome(
    org, people, make_hypothesis
):
    hypothesis = make_hypothesis(by=people["carla"])
    feedback_import = FeedbackImport.objects.create(
        organisation=org, uploaded_by=people["zoe"], original_name="desk.csv"
    )
    item = _filed_by(org, None, "Imported ticket about delivery")
    item.feedback_import = feedback_import
    item.save(update_fields=["feedback_import"])
    link_feedback(hypothesis, item, by=people["carla"])
    _to_analysing(hypothesis, people["carla"])
    move_hypothesis(
        hypothesis,
        Status.CONCLUDED,
        by=people["carla"],
        result="inconclusive",
        learning="Rerun.",
    )
    assert Notification.objects.get(recipient=people["zoe"]).kind == "loop_closed"


def test_unlinked_feedback_and_former_members_are_left_out(
    org, people, make_hypothesis, make_user
):
    hypothesis = make_hypothesis(by=people["carla"])
    gone = make_user()
    unlinked = link_feedback(
        hypothesis, _filed_by(org, people["sam"], "Old complaint"), by=people["sam"]
    )
    unlink_feedback(unlinked, by=people["carla"])
    link_feedback(hypothesis, _filed_by(org, gone, "From someone who left"), by=gone)
    _to_analysing(hypothesis, people["carla"])
    watch_automatically(hypothesis, [])
    Notification.objects.all().delete()
    move_hypothesis(
        hypothesis, Status.CONCLUDED, by=people["carla"], result="won", learning="Yes."
    )
    assert not Notification.objects.filter(kind=NotificationKind.LOOP_CLOSED).exists()
    # sam still watches (they linked once), so hears of the status change.
    assert Notification.objects.get(recipient=people["sam"]).kind == "status"


def test_the_feedback_page_shows_the_outcome_of_the_test_it_supported(
    org, people, make_hypothesis, client
):
    hypothesis = make_hypothesis(by=people["carla"])
    item = _filed_by(org, people["sam"], "When will it arrive?")
    link_feedback(hypothesis, item, by=people["sam"])
    _to_analysing(hypothesis, people["carla"])
    move_hypothesis(
        hypothesis,
        Status.CONCLUDED,
        by=people["carla"],
        result="won",
        learning="A date beats a window.",
    )
    client.force_login(people["sam"])
    page = client.get(reverse("feedback:item-detail", args=["acme", item.pk])).text
    assert "Outcome:" in page
    assert "concluded <strong>won</strong>" in page
    assert "Learning: A date beats a window." in page
