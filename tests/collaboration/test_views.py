"""The collaboration pages: access for every URL, and what they show and do."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from backlog.evidence import link_feedback
from backlog.feedback.importing.run import prepare_import, run_import
from backlog.models import FeedbackItem, ImportStatus, Status
from collaboration.models import (
    Activity,
    ActivityKind,
    Comment,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    Watch,
)
from collaboration.notifying import notify
from cromaturity.models import Role
from tests.access import assert_access
from tests.assessments.factories import make_assessment
from tests.backlog.factories import give_ice
from tests.collaboration.factories import make_comment

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def url(name, *args):
    return reverse(f"collaboration:{name}", args=["acme", *args])


def test_activity_feed_access_and_filters(org, people, make_hypothesis):
    hypothesis = make_hypothesis(by=people["carla"])
    make_comment(org, people["sam"], "Seen it", hypothesis=hypothesis)
    response = assert_access(url("activity"), organisation=org)
    assert "Carla Jensen" in response.text
    assert "proposed" in response.text
    assert "commented on" in response.text
    cs = people["sam"].memberships.get().team
    only_cs = assert_access(
        url("activity") + f"?team={cs.pk}", organisation=org
    ).context["page"]
    assert {a.kind for a in only_cs} == {ActivityKind.COMMENTED}
    proposals = assert_access(
        url("activity") + "?kind=proposed", organisation=org
    ).context["page"]
    assert [a.summary for a in proposals] == ["proposed “Show delivery dates”"]


def test_activity_feed_paginates(org, people):
    Activity.objects.bulk_create(
        Activity(organisation=org, kind=ActivityKind.SCORED, summary=f"did {n}")
        for n in range(65)
    )
    response = assert_access(url("activity") + "?page=3", organisation=org)
    assert response.context["page"].number == 3
    assert len(response.context["page"].object_list) == 5


def test_notification_list_shows_only_ones_own(org, people, client):
    notify(org, [people["sam"].pk], kind="mention", title="For Sam", url="/o/acme/")
    notify(org, [people["zoe"].pk], kind="mention", title="For Zoë", url="/o/acme/")
    assert_access(url("notification-list"), organisation=org)
    client.force_login(people["sam"])
    page = client.get(url("notification-list")).text
    assert "For Sam" in page
    assert "For Zoë" not in page
    assert '<span class="badge rounded-pill bell-count">1' in page


def test_opening_a_notification_marks_it_read_and_goes_to_it(
    org, people, client, make_hypothesis
):
    hypothesis = make_hypothesis()
    comment = make_comment(
        org, author=people["carla"], body="@priya FYI", hypothesis=hypothesis
    )
    note = Notification.objects.get(recipient=people["priya"])
    # Someone else's notification: 404 for every member, whatever their role.
    assert_access(
        url("notification-open", note.pk), organisation=org, method="post", ok=404
    )
    client.force_login(people["priya"])  # a viewer settles their own
    response = client.post(url("notification-open", note.pk))
    assert response.status_code == 302
    assert response["Location"] == comment.get_absolute_url()
    note.refresh_from_db()
    assert note.read_at is not None


def test_notification_titles_are_links_that_open_the_notification(org, people, client):
    [note] = notify(
        org, [people["sam"].pk], kind="mention", title="Look here", url="/o/acme/"
    )
    client.force_login(people["sam"])
    page = client.get(url("notification-list")).text
    open_url = url("notification-open", note.pk)
    assert f'<a class="notification-title" href="{open_url}">Look here</a>' in page
    assert (
        'type="submit" class="btn btn-link p-0 text-start notification-title"'
        not in (page)
    )
    # Following the link marks it read and goes to what it is about.
    assert_access(open_url, organisation=org, ok=404)
    response = client.get(open_url)
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_the_bell_links_to_the_list_and_loads_the_latest_notifications_in_place(
    org, people, client
):
    for n in range(8):
        notify(org, [people["sam"].pk], kind="mention", title=f"For Sam {n}", url="/")
    notify(org, [people["zoe"].pk], kind="mention", title="For Zoë", url="/o/acme/")
    client.force_login(people["sam"])
    home = client.get(reverse("home", args=["acme"])).text
    list_url = url("notification-list")
    # Without JavaScript the bell is a plain link to the whole list.
    assert home.count('class="nav-link notification-bell" id="bell-') == 2
    assert f'href="{list_url}" data-bs-toggle="dropdown"' in home
    assert f'hx-get="{list_url}?part=latest" hx-trigger="show.bs.dropdown"' in home
    assert 'aria-controls="bell-wide-menu"' in home
    assert f'<a class="dropdown-item notification-menu-all" href="{list_url}">' in home

    latest = assert_access(list_url + "?part=latest", organisation=org, htmx=True)
    assert "<html" not in latest.text
    fragment = client.get(list_url + "?part=latest", HTTP_HX_REQUEST="true").text
    assert "<html" not in fragment
    assert "Latest notifications · 8 unread" in fragment
    titles = re.findall(r"New: </span>(For Sam \d)</span>", fragment)
    assert titles == [f"For Sam {n}" for n in range(7, 1, -1)]
    assert "For Zoë" not in fragment
    notes = Notification.objects.filter(recipient=people["sam"]).order_by("-pk")
    assert f'href="{url("notification-open", notes[0].pk)}"' in fragment
    # Not an htmx request: the whole page.
    assert "<html" in client.get(list_url + "?part=latest").text


def test_a_notification_never_sends_anyone_off_site(org, people, client):
    [note] = notify(
        org, [people["sam"].pk], kind="mention", title="x", url="//evil.example/"
    )
    client.force_login(people["sam"])
    response = client.post(url("notification-open", note.pk))
    assert response["Location"] == "/o/acme/"


def test_mark_one_and_all_read(org, people, client):
    notes = [
        notify(org, [people["sam"].pk], kind="mention", title=f"n{n}", url="/o/acme/")[
            0
        ]
        for n in range(3)
    ]
    notify(org, [people["zoe"].pk], kind="mention", title="zoe's", url="/o/acme/")
    assert_access(
        url("notification-read", notes[0].pk), organisation=org, method="post", ok=404
    )
    client.force_login(people["sam"])
    response = client.post(url("notification-read", notes[0].pk))
    assert response["Location"] == url("notification-list")
    assert Notification.objects.unread().filter(recipient=people["sam"]).count() == 2
    response = client.post(
        url("notification-read-all"), {"next": url("notification-list") + "?page=2"}
    )
    assert response["Location"] == url("notification-list") + "?page=2"
    assert not Notification.objects.unread().filter(recipient=people["sam"]).exists()
    assert Notification.objects.unread().filter(recipient=people["zoe"]).exists()
    assert_access(url("notification-read-all"), organisation=org, method="post", ok=302)


def test_email_settings_are_saved_per_kind(org, people, client):
    assert_access(url("notification-settings"), organisation=org)
    client.force_login(people["priya"])
    choices = {kind.value: Delivery.DIGEST for kind in NotificationKind}
    choices[NotificationKind.MENTION] = Delivery.OFF
    response = client.post(url("notification-settings"), choices)
    assert response.status_code == 302
    saved = dict(
        NotificationPreference.objects.filter(user=people["priya"]).values_list(
            "kind", "delivery"
        )
    )
    assert saved[NotificationKind.MENTION] == Delivery.OFF
    assert saved[NotificationKind.ASSIGNED] == Delivery.DIGEST
    bad = client.post(url("notification-settings"), {"mention": "sometimes"})
    assert bad.status_code == 400
    assert (
        NotificationPreference.objects.get(
            user=people["priya"], kind="mention"
        ).delivery
        == Delivery.OFF
    )


def test_people_autocomplete_matches_names_without_accents(org, people, client):
    response = assert_access(url("people") + "?q=zo", organisation=org)
    assert response.json()["people"] == [
        {"username": "zoe", "name": "Zoë Müller", "team": "Customer Service"}
    ]
    client.force_login(people["sam"])
    found = client.get(url("people") + "?q=@Mül").json()["people"]
    assert [p["username"] for p in found] == ["zoe"]


def test_commenting_on_a_hypothesis(org, people, make_hypothesis, client):
    hypothesis = make_hypothesis()
    response = assert_access(
        url("comment-hypothesis", hypothesis.pk),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={"body": "Looks right to me @zoe"},
        ok=302,
        unchanged=lambda: Comment.objects.count(),
    )
    comment = Comment.objects.get()
    assert response["Location"] == comment.get_absolute_url()
    client.force_login(people["zoe"])
    page = client.get(hypothesis.get_absolute_url()).text
    assert f'id="comment-{comment.pk}"' in page
    assert '<span class="mention">@zoe</span>' in page


def test_a_bad_comment_says_why_and_keeps_the_text(
    org, people, make_hypothesis, client
):
    hypothesis = make_hypothesis()
    client.force_login(people["sam"])
    response = client.post(url("comment-hypothesis", hypothesis.pk), {"body": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.text
    too_long = "y" * 5001
    response = client.post(url("comment-hypothesis", hypothesis.pk), {"body": too_long})
    assert response.status_code == 400
    assert too_long in response.text
    assert not Comment.objects.exists()


def test_an_unknown_mention_is_reported(org, people, make_hypothesis, client):
    client.force_login(people["sam"])
    response = client.post(
        url("comment-hypothesis", make_hypothesis().pk),
        {"body": "@nobody hello"},
        follow=True,
    )
    assert "Nobody here is called @nobody" in response.text


def test_commenting_on_feedback(org, people, make_feedback):
    item = make_feedback()
    assert_access(
        url("comment-feedback", item.pk),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={"body": "Same as last week"},
        ok=302,
    )
    assert Comment.objects.get().feedback_item == item


def test_discussing_a_point_of_an_assessment(org, people, client):
    assessment = make_assessment(org)
    point_url = url("point-discussion", assessment.pk, "S5")
    page = assert_access(point_url, organisation=org).text
    assert "S5" in page
    assert "No comments yet." in page
    assert_access(
        point_url,
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={"body": "@carla our teams see this differently"},
        ok=302,
    )
    comment = Comment.objects.get()
    assert (comment.assessment, comment.point.key) == (assessment, "S5")
    scorecard = client
    scorecard.force_login(people["carla"])
    page = scorecard.get(assessment.get_absolute_url()).text
    assert f'href="{point_url}"' in page
    assert "1 comment" in page
    assert client.get(url("point-discussion", assessment.pk, "X9")).status_code == 404


def test_editing_and_deleting_ones_own_comment(org, people, make_hypothesis, client):
    hypothesis = make_hypothesis()
    comment = make_comment(
        org, author=people["sam"], body="first thought", hypothesis=hypothesis
    )
    edit = url("comment-update", comment.pk)
    delete = url("comment-delete", comment.pk)
    # Only the author: every other member is refused, whatever their role.
    assert_access(edit, organisation=org, role=Role.CONTRIBUTOR, ok=403)
    assert_access(
        delete, organisation=org, role=Role.CONTRIBUTOR, method="post", ok=403
    )
    client.force_login(people["sam"])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"body": "second thought"})
    assert response["Location"] == comment.get_absolute_url()
    comment.refresh_from_db()
    assert comment.body == "second thought"
    assert "· edited" in client.get(hypothesis.get_absolute_url()).text
    response = client.post(delete)
    assert response["Location"] == hypothesis.get_absolute_url() + "#discussion"
    assert not Comment.objects.exists()


def test_watching_and_unwatching(org, people, make_hypothesis, client):
    hypothesis = make_hypothesis()
    watch = url("hypothesis-watch", hypothesis.pk)
    assert_access(
        watch, organisation=org, method="post", data={"watching": "1"}, ok=302
    )
    client.force_login(people["priya"])
    assert client.post(watch, {"watching": "maybe"}).status_code == 400
    client.post(watch, {"watching": "1"})
    assert Watch.objects.get(user=people["priya"]).watching
    assert "Stop watching" in client.get(hypothesis.get_absolute_url()).text
    client.post(watch, {"watching": "0"})
    assert not Watch.objects.get(user=people["priya"]).watching


def test_the_hypothesis_page_shows_timeline_and_readable_history(
    org, people, make_hypothesis, client
):
    hypothesis = make_hypothesis(by=people["carla"], owner=people["carla"])
    client.force_login(people["carla"])
    form = {
        "title": "Show delivery dates on product pages",
        "metric": "Orders",
        "kind": "test",
        "owner": people["sam"].pk,
        "version": hypothesis.version,
    }
    response = client.post(
        reverse("backlog:hypothesis-update", args=["acme", hypothesis.pk]), form
    )
    assert response.status_code == 302, response.context["form"].errors
    give_ice(hypothesis, people["zoe"], 4)
    give_ice(hypothesis, people["zoe"], 6)
    page = client.get(hypothesis.get_absolute_url()).text
    # The timeline says “it” for the hypothesis, and the old title it then had.
    assert "proposed “Show delivery dates”" in page
    assert "scored it in ICE" in page
    assert "Carla Jensen</strong> · Hypothesis changed" in page
    assert '<span class="history-old">Show delivery dates</span>' in page
    assert (
        '<span class="history-new">Show delivery dates on product pages</span>' in page
    )
    assert '<span class="history-old">Carla Jensen</span>' in page
    assert '<span class="history-new">Sam Okafor</span>' in page
    assert "Zoë Müller’s ICE score changed" in page
    assert "<dt>Impact</dt>" in page


def test_the_feedback_page_shows_links_in_its_history_and_says_imports_are_whole(
    org, people, make_hypothesis, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    feedback_import = prepare_import(
        org,
        uploaded=ContentFile(
            (SAMPLES / "zendesk_tickets.csv").read_bytes(), name="zendesk.csv"
        ),
        original_name="zendesk.csv",
        by=people["sam"],
    )
    feedback_import.status = ImportStatus.QUEUED
    feedback_import.save()
    run_import(feedback_import)
    assert Activity.objects.get(kind=ActivityKind.IMPORTED).summary == (
        "imported zendesk.csv: 400 new, 0 updated, 0 rejected"
    )
    item = FeedbackItem.objects.for_org(org).first()
    assert not FeedbackItem.history.exists()  # bulk rows leave no history
    link_feedback(make_hypothesis(), item, by=people["carla"])
    client.force_login(people["sam"])
    page = client.get(item.get_absolute_url()).text
    assert "imported from zendesk.csv" in page
    assert "Evidence for “Show delivery dates” linked" in page


def test_dashboard_access(org):
    page = assert_access(reverse("home", args=["acme"]), organisation=org).text
    assert "CRO maturity" in page
    assert "Teams and people" in page


def test_concluding_shows_up_in_the_feed(org, people, make_hypothesis, client):
    hypothesis = make_hypothesis(
        status=Status.ANALYSING, by=people["carla"], owner=people["carla"]
    )
    client.force_login(people["carla"])
    client.post(
        reverse("backlog:hypothesis-conclude", args=["acme", hypothesis.pk]),
        {"result": "won", "learning": "Dates sell."},
    )
    entry = Activity.objects.get(kind=ActivityKind.CONCLUDED)
    assert entry.summary == "concluded “Show delivery dates”: Won"
    assert entry.detail == "Dates sell."
