"""Moving to consensus names who started but has not submitted; they can be
reminded, and their answers stay stored, shown as not counted."""

import pytest
from django.core import mail
from django.urls import reverse

from assessments.forms import AdvanceForm
from assessments.models import Answer, AssessmentStatus
from collaboration.models import Activity, Notification, NotificationKind
from cromaturity.models import Role
from tests.access import assert_access
from tests.assessments.factories import add_response, make_assessment

pytestmark = pytest.mark.django_db


def url(name, assessment):
    return reverse(
        f"assessments:{name}", args=[assessment.organisation.slug, assessment.pk]
    )


@pytest.fixture
def people(org, make_member):
    return {
        "ana": make_member(org, team="CRO", first_name="Ana", last_name="Lind"),
        "ben": make_member(
            org, team="Customer Service", first_name="Ben", last_name="Ode"
        ),
        "cleo": make_member(org, team="CRO", first_name="Cleo", last_name="Marsh"),
    }


@pytest.fixture
def assessment(org, people):
    """Ana submitted; Ben answered 3 of 21 and Cleo none, neither submitted."""
    assessment = make_assessment(org, title="Spring check", period="Q2 2026")
    add_response(assessment, people["ana"], default=4)
    add_response(
        assessment,
        people["ben"],
        team="Customer Service",
        submitted=False,
        only={"S1", "S2", "S3"},
        default=1,
    )
    add_response(assessment, people["cleo"], submitted=False, only=set())
    return assessment


def acknowledged(assessment) -> str:
    return AdvanceForm.acknowledging(
        assessment.responses.filter(submitted_at__isnull=True).order_by("pk")
    )


def test_the_confirmation_names_who_started_but_has_not_submitted(org, assessment):
    response = assert_access(
        url("assessment-advance", assessment), organisation=org, role=Role.EDITOR
    )
    text = response.text
    assert "Started but not submitted" in text
    assert "<strong>Ben Ode</strong>" in text
    assert "answered 3 of 21" in text
    assert "<strong>Cleo Marsh</strong>" in text
    assert "answered 0 of 21" in text
    assert "Ana Lind" not in text
    assert "Remind them to submit" in text
    assert "Move to consensus anyway" in text
    assessment.refresh_from_db()
    assert assessment.is_open


def test_the_scorecard_sends_a_facilitator_to_the_confirmation_first(
    assessment, admin_client
):
    page = admin_client.get(url("assessment-detail", assessment)).text
    assert f'href="{url("assessment-advance", assessment)}"' in page
    assert "Move to consensus…" in page
    assert "Started but not submitted yet" in page


def test_moving_on_without_having_seen_who_has_not_submitted_asks_first(
    assessment, admin_client
):
    response = admin_client.post(
        url("assessment-advance", assessment), {"from_status": "open"}
    )
    assert response.status_code == 409
    assert "Ben Ode" in response.text
    assert "Someone started answering since you looked" in response.text
    assessment.refresh_from_db()
    assert assessment.is_open


def test_someone_who_starts_after_the_confirmation_is_named_before_the_move(
    assessment, admin_client, make_member, org
):
    seen = acknowledged(assessment)
    add_response(assessment, make_member(org, first_name="Dan"), submitted=False)
    response = admin_client.post(
        url("assessment-advance", assessment),
        {"from_status": "open", "acknowledged": seen},
    )
    assert response.status_code == 409
    assert "Dan" in response.text
    assessment.refresh_from_db()
    assert assessment.is_open


def test_after_confirming_the_unsubmitted_answers_stay_stored_shown_as_not_counted(
    assessment, admin_client
):
    answers_before = Answer.objects.count()
    response = admin_client.post(
        url("assessment-advance", assessment),
        {"from_status": "open", "acknowledged": acknowledged(assessment)},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CONSENSUS
    assert Answer.objects.count() == answers_before
    page = admin_client.get(url("assessment-detail", assessment))
    assert "Not counted: started but never submitted" in page.text
    assert "<strong>Ben Ode</strong>" in page.text
    assert "answered 3 of 21" in page.text
    assert "2 started but never submitted (kept, not counted)" in page.text
    assert page.context["scorecard"].submitted == 1
    assert "Remind them to submit" not in page.text


def test_an_assessment_where_everyone_submitted_moves_on_from_the_scorecard(
    org, people, admin_client
):
    assessment = make_assessment(org, title="All in", period="Q2 2026")
    add_response(assessment, people["ana"])
    page = admin_client.get(url("assessment-detail", assessment)).text
    assert "Move to consensus…" not in page
    admin_client.post(url("assessment-advance", assessment), {"from_status": "open"})
    assessment.refresh_from_db()
    assert assessment.in_consensus


def test_a_reminder_notifies_and_emails_each_who_has_not_submitted(
    org, assessment, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = assert_access(
            url("assessment-remind", assessment),
            organisation=org,
            role=Role.EDITOR,
            method="post",
            ok=302,
            unchanged=lambda: Notification.objects.count(),
        )
    assert response["Location"].endswith("#unsubmitted")
    notes = {
        n.recipient_id: n
        for n in Notification.objects.filter(title__contains="asks you to submit")
    }
    assert set(notes) == {people["ben"].pk, people["cleo"].pk}
    ben = notes[people["ben"].pk]
    assert ben.kind == NotificationKind.ASSESSMENT
    assert ben.body.startswith("You have answered 3 of 21 points.")
    assert ben.url == reverse(
        "assessments:response-submit", args=[org.slug, assessment.pk]
    )
    assert notes[people["cleo"].pk].body.startswith("You have answered 0 of 21")
    reminded = [m for m in mail.outbox if "asks you to submit" in m.subject]
    assert sorted(m.to[0] for m in reminded) == sorted(
        [people["ben"].email, people["cleo"].email]
    )
    assert Activity.objects.filter(
        summary="reminded 2 colleagues to submit their answers to “Spring check”"
    ).exists()


def test_a_reminder_from_the_confirmation_returns_to_it(assessment, admin_client):
    response = admin_client.post(
        url("assessment-remind", assessment), {"back": "advance"}
    )
    assert response["Location"] == url("assessment-advance", assessment)
    page = admin_client.get(response["Location"])
    assert "Reminded 2 colleagues to submit their answers" in page.text


def test_no_reminder_once_answers_are_frozen(org, people, admin_client):
    assessment = make_assessment(
        org, title="Frozen", period="Q2 2026", status=AssessmentStatus.CONSENSUS
    )
    add_response(assessment, people["ben"], team="Customer Service", submitted=False)
    response = admin_client.post(url("assessment-remind", assessment), follow=True)
    assert "answers can no longer be submitted" in response.text
    assert not Notification.objects.filter(title__contains="asks you to").exists()


def test_no_reminder_when_everyone_has_submitted(org, people, admin_client):
    assessment = make_assessment(org, title="All in", period="Q2 2026")
    add_response(assessment, people["ana"])
    response = admin_client.post(url("assessment-remind", assessment), follow=True)
    assert "there is nobody to remind" in response.text
    assert not Notification.objects.filter(title__contains="asks you to").exists()
