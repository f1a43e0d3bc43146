"""Answering an assessment: team choice, steps, autosave, submit, read-only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Answer, AnswerKind, AssessmentStatus, Response
from cromaturity.models import Role, Team
from tests.access import assert_access
from tests.assessments.factories import add_response, make_assessment, points_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(org):
    return make_assessment(org, title="Spring check")


@pytest.fixture
def respondent(org, make_member):
    return make_member(org, role=Role.CONTRIBUTOR, team="Customer Service")


@pytest.fixture
def respondent_client(client, respondent):
    client.force_login(respondent)
    return client


def url(name, assessment, *extra):
    return reverse(
        f"assessments:{name}",
        args=[assessment.organisation.slug, assessment.pk, *extra],
    )


def _answers(response):
    return sorted(
        Answer.objects.filter(response=response).values_list(
            "point__key", "kind", "level", "evidence"
        )
    )


def test_start_page_access_and_default_team(assessment, org):
    response = assert_access(
        url("response-start", assessment), organisation=org, role=Role.CONTRIBUTOR
    )
    assert "I answer as a member of" in response.text
    # The member's own team is chosen by default.
    form = response.context["form"]
    assert form["team"].value() == Team.objects.get(organisation=org, name="CRO").pk


def test_starting_creates_a_response_in_the_chosen_team_and_opens_step_one(
    assessment, org
):
    team = Team.objects.get(organisation=org, name="Marketing")
    response = assert_access(
        url("response-start", assessment),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={"team": team.pk},
        ok=302,
        unchanged=lambda: Response.objects.count(),
    )
    assert response["Location"] == url("questionnaire-step", assessment, "S")
    saved = Response.objects.get(assessment=assessment)
    assert (saved.respondent, saved.team) == (response.client_user, team)


def test_starting_again_changes_the_team_and_keeps_answers(
    assessment, org, respondent, respondent_client
):
    existing = add_response(
        assessment, respondent, team="Customer Service", submitted=False, only={"S1"}
    )
    marketing = Team.objects.get(organisation=org, name="Marketing")
    response = respondent_client.post(
        url("response-start", assessment), {"team": marketing.pk}
    )
    # Step S still has unanswered points, so it is the first open step.
    assert response["Location"] == url("questionnaire-step", assessment, "S")
    existing.refresh_from_db()
    assert existing.team == marketing
    assert Response.objects.filter(assessment=assessment).count() == 1
    assert Answer.objects.filter(response=existing).count() == 1


def test_a_team_of_another_organisation_cannot_be_chosen(
    assessment, other_org, respondent_client
):
    foreign = Team.objects.get(organisation=other_org, name="CRO")
    response = respondent_client.post(
        url("response-start", assessment), {"team": foreign.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not Response.objects.exists()


def test_step_without_a_response_sends_to_the_start_page(assessment, org):
    response = assert_access(
        url("questionnaire-step", assessment, "S"),
        organisation=org,
        role=Role.CONTRIBUTOR,
        ok=302,
    )
    assert response["Location"] == url("response-start", assessment)


def test_step_shows_the_pillars_points_with_descriptors_as_choices(
    assessment, respondent, respondent_client
):
    add_response(assessment, respondent, submitted=False, only={"S1"}, default=2)
    response = respondent_client.get(url("questionnaire-step", assessment, "S"))
    assert response.status_code == 200
    page = response.text
    for key in ("S1", "S2", "S3", "S4", "S5", "S6"):
        assert f'id="point-{key}"' in page
    assert 'id="point-T1"' not in page
    assert "There is no written CRO strategy." in page
    assert 'name="S1-choice" id="S1-choice-2" value="2" checked' in page
    assert '<progress id="progress-bar" max="21" value="1">' in page
    assert "1 / 21 answered" in page


def test_unknown_pillar_is_404(assessment, respondent, respondent_client):
    add_response(assessment, respondent, submitted=False, only=set())
    response = respondent_client.get(url("questionnaire-step", assessment, "X"))
    assert response.status_code == 404


def test_autosave_access_without_a_response_changes_nothing(assessment, org):
    target = url("answer-save", assessment, "S3")
    # The walker-style matrix: anonymous, outsider, viewer change nothing.
    response = assert_access(
        target,
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={"S3-choice": "4"},
        ok=404,  # a member who has not started answering has no response yet
        unchanged=lambda: Answer.objects.count(),
        htmx=True,
    )
    assert response.status_code == 404
    assert not Answer.objects.exists()


def test_autosave_is_idempotent_and_returns_status_and_progress(
    assessment, respondent, respondent_client
):
    own = add_response(assessment, respondent, submitted=False, only=set())
    target = url("answer-save", assessment, "S3")
    data = {"S3-choice": "4", "S3-evidence": "  Reviewed in the March board pack. "}
    first = respondent_client.post(target, data, HTTP_HX_REQUEST="true")
    second = respondent_client.post(target, data, HTTP_HX_REQUEST="true")
    assert first.status_code == second.status_code == 200
    assert _answers(own) == [
        ("S3", AnswerKind.LEVEL, 4, "Reviewed in the March board pack.")
    ]
    assert "Saved: 4 Managed" in second.text
    assert 'id="progress" class="questionnaire-progress" hx-swap-oob="true"' in (
        second.text
    )
    assert "1 / 21 answered" in second.text
    assert 'id="steps"' in second.text
    assert "<html" not in second.text


def test_autosave_changes_an_answer_to_dont_know_and_drops_the_level(
    assessment, respondent, respondent_client
):
    own = add_response(assessment, respondent, submitted=False, only={"S3"}, default=5)
    respondent_client.post(
        url("answer-save", assessment, "S3"),
        {"S3-choice": "dont_know"},
        HTTP_HX_REQUEST="true",
    )
    assert _answers(own) == [("S3", AnswerKind.DONT_KNOW, None, "")]


def test_autosave_refuses_bad_input_with_a_message_and_keeps_the_answer(
    assessment, respondent, respondent_client
):
    own = add_response(assessment, respondent, submitted=False, only={"S3"}, default=2)
    before = _answers(own)
    for data in (
        {"S3-choice": "7"},
        {"S3-choice": "", "S3-evidence": "Only a comment"},
        {"S3-choice": "3", "S3-evidence": "x" * 2001},
    ):
        response = respondent_client.post(
            url("answer-save", assessment, "S3"), data, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert "Not saved:" in response.text
    assert _answers(own) == before


def test_autosave_of_a_point_outside_the_model_is_404(
    assessment, respondent, respondent_client
):
    add_response(assessment, respondent, submitted=False, only=set())
    response = respondent_client.post(
        url("answer-save", assessment, "Z9"), {"Z9-choice": "3"}
    )
    assert response.status_code == 404


def test_step_form_saves_every_answer_without_javascript_and_moves_on(
    assessment, respondent, respondent_client
):
    own = add_response(assessment, respondent, submitted=False, only=set())
    data = {f"S{n}-choice": str(n % 5 + 1) for n in range(1, 7)}
    data["S2-choice"] = "not_applicable"
    data["S4-evidence"] = "Roadmap reviewed with customer service."
    response = respondent_client.post(url("questionnaire-step", assessment, "S"), data)
    assert response.status_code == 302
    assert response["Location"] == url("questionnaire-step", assessment, "T")
    saved = {key: (kind, level, ev) for key, kind, level, ev in _answers(own)}
    assert saved["S2"] == (AnswerKind.NOT_APPLICABLE, None, "")
    assert saved["S4"] == (
        AnswerKind.LEVEL,
        5,
        "Roadmap reviewed with customer service.",
    )
    assert len(saved) == 6
    # Posting the same step again changes nothing.
    respondent_client.post(url("questionnaire-step", assessment, "S"), data)
    assert Answer.objects.filter(response=own).count() == 6


def test_step_form_with_an_error_saves_nothing_and_shows_the_message(
    assessment, respondent, respondent_client
):
    own = add_response(assessment, respondent, submitted=False, only=set())
    data = {"S1-choice": "3", "S2-evidence": "A comment without a choice"}
    response = respondent_client.post(url("questionnaire-step", assessment, "S"), data)
    assert response.status_code == 400
    assert "so the evidence can be saved with it" in response.text
    assert "A comment without a choice" in response.text
    assert not Answer.objects.filter(response=own).exists()


def test_last_step_leads_to_review(assessment, respondent, respondent_client):
    add_response(assessment, respondent, submitted=False, only=set())
    response = respondent_client.post(
        url("questionnaire-step", assessment, "M"), {"M1-choice": "2"}
    )
    assert response["Location"] == url("response-submit", assessment)


def test_submit_page_access(assessment, org):
    response = assert_access(
        url("response-submit", assessment),
        organisation=org,
        role=Role.CONTRIBUTOR,
        ok=302,
    )
    assert response["Location"] == url("response-start", assessment)


def test_submit_post_access_changes_nothing_for_the_refused(assessment, org):
    assert_access(
        url("response-submit", assessment),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        ok=302,
        unchanged=lambda: list(Response.objects.values_list("submitted_at")),
    )


def test_submit_with_missing_answers_names_exactly_the_missing_points(
    assessment, respondent, respondent_client
):
    keys = {p.key for p in points_of(assessment)} - {"T2", "M5"}
    own = add_response(assessment, respondent, submitted=False, only=keys)
    response = respondent_client.post(url("response-submit", assessment))
    assert response.status_code == 400
    assert "Not submitted: 2 points are still unanswered" in response.text
    missing = response.context["missing"]
    assert [point.key for point, _ in missing] == ["T2", "M5"]
    assert missing[0][1] == url("questionnaire-step", assessment, "T") + "#point-T2"
    own.refresh_from_db()
    assert own.submitted_at is None


def test_submit_with_every_point_answered_counts_na_and_dont_know(
    assessment, respondent, respondent_client
):
    own = add_response(
        assessment,
        respondent,
        submitted=False,
        levels={"S1": "na", "T1": "dk"},
    )
    response = respondent_client.post(url("response-submit", assessment))
    assert response.status_code == 302
    assert response["Location"] == assessment.get_absolute_url()
    own.refresh_from_db()
    assert own.submitted_at is not None
    first = own.submitted_at
    respondent_client.post(url("response-submit", assessment))
    own.refresh_from_db()
    assert own.submitted_at == first


@pytest.mark.parametrize(
    "status", [AssessmentStatus.CONSENSUS, AssessmentStatus.CLOSED]
)
def test_answers_are_read_only_once_the_assessment_leaves_open(
    org, respondent, respondent_client, status
):
    assessment = make_assessment(org)
    own = add_response(assessment, respondent, submitted=False, default=2)
    assessment.status = status
    assessment.closed_at = assessment.opened_at
    assessment.save()
    before = _answers(own)

    page = respondent_client.get(url("questionnaire-step", assessment, "S"))
    assert page.status_code == 200
    assert "answers can no longer change" in page.text
    assert "disabled" in page.text
    assert "hx-post" not in page.text

    saved = respondent_client.post(
        url("answer-save", assessment, "S1"),
        {"S1-choice": "5"},
        HTTP_HX_REQUEST="true",
    )
    assert "no longer open for answers" in saved.text
    step = respondent_client.post(
        url("questionnaire-step", assessment, "S"), {"S1-choice": "5"}
    )
    assert step.status_code == 302
    submit = respondent_client.post(url("response-submit", assessment))
    assert submit.status_code == 302
    marketing = Team.objects.get(organisation=org, name="Marketing")
    start = respondent_client.post(
        url("response-start", assessment), {"team": marketing.pk}
    )
    assert start.status_code == 302
    own.refresh_from_db()
    assert own.team.name == "CRO"
    assert _answers(own) == before
    own.refresh_from_db()
    assert own.submitted_at is None


def test_step_query_count_does_not_grow_with_answers_or_respondents(
    assessment, org, respondent, respondent_client, make_member
):
    add_response(assessment, respondent, submitted=False, only={"S1"}, default=2)
    step = url("questionnaire-step", assessment, "S")
    respondent_client.get(step)
    with CaptureQueriesContext(connection) as small:
        respondent_client.get(step)
    for n in range(12):
        add_response(assessment, make_member(org), default=n % 5 + 1)
    Answer.objects.filter(response__respondent=respondent).delete()
    add_response(assessment, make_member(org), default=3)
    Response.objects.filter(respondent=respondent).delete()
    add_response(assessment, respondent, submitted=False, default=4)
    with CaptureQueriesContext(connection) as large:
        respondent_client.get(step)
    assert len(large.captured_queries) == len(small.captured_queries)
