"""Assessment list, creation, scorecard, status changes, invites, consensus, targets."""

import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import facilitation
from assessments.facilitation import DuplicateAssessment
from assessments.models import AgreedLevel, Assessment, AssessmentStatus, Target
from assessments.periods import following_quarter, quarter_of
from assessments.sharing import create_share_link
from cromaturity.invitations import create_invitation_link
from cromaturity.models import Invitation, Role
from tests.access import assert_access
from tests.assessments.factories import add_response, make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(org):
    return make_assessment(org, title="Spring check", period="Q2 2026")


def url(name, assessment, *extra):
    return reverse(
        f"assessments:{name}",
        args=[assessment.organisation.slug, assessment.pk, *extra],
    )


def test_list_shows_each_assessments_score_level_status_and_responses(org, make_member):
    open_one = make_assessment(org, title="Open check", period="Q2 2026")
    closed = make_assessment(
        org, title="Closed check", period="Q1 2026", status=AssessmentStatus.CLOSED
    )
    add_response(closed, make_member(org), default=2, levels={"S1": 4})
    add_response(closed, make_member(org), default=3, submitted=False)
    add_response(open_one, make_member(org), default=4)
    response = assert_access(
        reverse("assessments:assessment-list", args=[org.slug]), organisation=org
    )
    rows = {a.title: (a, s) for a, s in response.context["rows"]}
    closed_row, closed_summary = rows["Closed check"]
    # S has six points: five at 2 and one at 4 -> 14/6; the other pillars 2.
    assert float(closed_summary.overall) == pytest.approx((14 / 6 + 2 + 2 + 2) / 4)
    assert (closed_row.submitted, closed_row.in_progress) == (1, 1)
    assert float(rows["Open check"][1].overall) == 4
    assert "Managed" in response.text
    assert "Open for answers" in response.text
    # The trend holds closed assessments only.
    assert [s.assessment.title for s in response.context["history"]] == ["Closed check"]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="trend"' in (
        response.text
    )


def test_list_paginates(org):
    for n in range(12):
        make_assessment(org, title=f"Check {n}")
    page = assert_access(
        reverse("assessments:assessment-list", args=[org.slug]), organisation=org
    )
    assert len(page.context["rows"]) == 10
    assert "Page 1 of 2" in page.text


def test_list_query_count_does_not_grow_with_assessments_or_answers(
    org, admin_client, make_member, django_assert_num_queries
):
    url_list = reverse("assessments:assessment-list", args=[org.slug])
    people = [make_member(org) for _ in range(6)]

    def grow(count):
        for n in range(count):
            closed = make_assessment(
                org,
                title=f"Check {n}",
                status=AssessmentStatus.CLOSED,
                closed_at=timezone.now() - timedelta(days=n),
            )
            for person in people[: n % 6 + 1]:
                add_response(closed, person, default=n % 5 + 1)

    admin_client.get(url_list)  # the first visit also records the organisation
    grow(2)
    with django_assert_num_queries(14):
        admin_client.get(url_list)
    grow(13)
    with django_assert_num_queries(14):
        response = admin_client.get(url_list)
    assert len(response.context["rows"]) == 10


def test_create_assessment_access_and_defaults_to_latest_published_model(org):
    response = assert_access(
        reverse("assessments:assessment-create", args=[org.slug]),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"title": "Autumn check", "period": "Q3 2026"},
        ok=302,
        unchanged=lambda: Assessment.objects.count(),
    )
    created = Assessment.objects.get()
    assert response["Location"] == created.get_absolute_url()
    assert (created.title, created.period, created.status) == (
        "Autumn check",
        "Q3 2026",
        AssessmentStatus.OPEN,
    )
    assert created.maturity_model.is_published
    assert created.created_by == response.client_user


def test_create_page_access_suggests_the_current_quarter(org):
    response = assert_access(
        reverse("assessments:assessment-create", args=[org.slug]),
        organisation=org,
        role=Role.EDITOR,
    )
    assert re.fullmatch(r"Q[1-4] 20\d\d", response.context["form"]["period"].value())
    assert "CRO maturity model v1" in response.text


def test_a_duplicate_title_and_period_is_refused_with_the_next_free_period(
    org, admin_client
):
    this_quarter = quarter_of(timezone.localdate())
    make_assessment(org, title="CRO maturity check", period=this_quarter)
    response = admin_client.post(
        reverse("assessments:assessment-create", args=[org.slug]),
        {"title": " cro Maturity Check ", "period": this_quarter.lower()},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["period"] == [
        f"“CRO maturity check” for {this_quarter} already exists (open for "
        f"answers). Choose another period, such as "
        f"{following_quarter(this_quarter)}, or another title."
    ]
    assert Assessment.objects.count() == 1


def test_the_same_period_under_another_title_or_in_another_organisation_is_fine(
    org, other_org
):
    make_assessment(org, title="CRO maturity check", period="Q4 2026")
    make_assessment(org, title="Customer service check", period="Q4 2026")
    make_assessment(other_org, title="CRO maturity check", period="Q4 2026")
    make_assessment(org, title="CRO maturity check", period="Q1 2027")
    assert Assessment.objects.count() == 4


def test_the_database_refuses_a_duplicate_title_and_period(org):
    first = make_assessment(org, title="Check", period="Q4 2026")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            organisation=org,
            maturity_model=first.maturity_model,
            title="CHECK",
            period="q4 2026",
        )


def test_a_duplicate_created_in_a_race_is_refused_with_the_same_message(
    org, monkeypatch
):
    make_assessment(org, title="Check", period="Q4 2026")
    refuse = facilitation._refuse_duplicate
    calls = []

    def checked_too_early(*args):
        # The first check runs before the rival's row is there.
        calls.append(args)
        if len(calls) > 1:
            refuse(*args)

    monkeypatch.setattr(facilitation, "_refuse_duplicate", checked_too_early)
    with pytest.raises(DuplicateAssessment, match="already exists"):
        facilitation.create_assessment(
            org, title="Check", period="Q4 2026", created_by=None
        )
    assert len(calls) == 2
    assert Assessment.objects.count() == 1


def test_the_new_assessment_form_proposes_a_period_no_assessment_has_yet(
    org, admin_client
):
    this_quarter = quarter_of(timezone.localdate())
    make_assessment(org, title="Open check", period=this_quarter)
    page = admin_client.get(reverse("assessments:assessment-create", args=[org.slug]))
    assert page.context["form"]["period"].value() == following_quarter(this_quarter)


def test_create_form_needs_a_title_and_period(org, admin_client):
    response = admin_client.post(
        reverse("assessments:assessment-create", args=[org.slug]),
        {"title": "", "period": ""},
    )
    assert response.status_code == 400
    assert response.text.count("This field is required") == 2
    assert not Assessment.objects.exists()


def test_scorecard_access_and_numbers(assessment, org, make_member):
    add_response(
        assessment,
        make_member(org, team="CRO"),
        team="CRO",
        default=4,
        levels={"S1": 5, "T1": "na"},
    )
    add_response(
        assessment,
        make_member(org, team="Customer Service"),
        team="Customer Service",
        default=2,
        levels={"S1": 1, "T1": "dk"},
    )
    add_response(assessment, make_member(org), default=1, submitted=False)
    response = assert_access(url("assessment-detail", assessment), organisation=org)
    card = response.context["scorecard"]
    assert (card.submitted, card.in_progress) == (2, 1)
    s1 = next(row for row in card.points if row.point.key == "S1")
    assert float(s1.result.score) == 3
    assert s1.result.disagreement
    assert s1.levels_given == "1, 5"
    t1 = next(row for row in card.points if row.point.key == "T1")
    assert t1.result.score is None
    assert float(card.result.overall) == 3
    page = response.text
    assert "3 Defined" in page
    assert "index 50 of 100" in page
    assert "No level answers" in page
    assert "Disagreement" in page
    assert page.count('data-series="') == 3  # two teams and all teams
    assert "How these numbers are calculated" in page
    assert "population standard deviation" in page


def test_scorecard_compares_with_previous_closed_assessment_by_point_key(
    org, make_member
):
    person = make_member(org)
    earlier = make_assessment(
        org,
        period="Q1",
        status=AssessmentStatus.CLOSED,
        closed_at=timezone.now() - timedelta(days=90),
    )
    add_response(earlier, person, default=2)
    older = make_assessment(
        org,
        period="Q4",
        status=AssessmentStatus.CLOSED,
        closed_at=timezone.now() - timedelta(days=180),
    )
    add_response(older, person, default=5)
    current = make_assessment(org, period="Q2")
    add_response(current, person, default=3, levels={"M5": 4})
    card = assert_access(url("assessment-detail", current), organisation=org).context[
        "scorecard"
    ]
    assert card.previous == earlier
    m5 = next(row for row in card.points if row.point.key == "M5")
    assert float(m5.change) == 2
    process = next(row for row in card.pillars if row.pillar.key == "M")
    assert float(process.change) == pytest.approx(1.2)
    assert float(card.overall_change) == pytest.approx(1.05)


@pytest.mark.parametrize(("respondents", "label"), [(5, "small"), (50, "large")])
def test_scorecard_query_count_does_not_grow_with_respondents(
    org, admin_client, make_member, django_assert_num_queries, respondents, label
):
    previous = make_assessment(
        org,
        status=AssessmentStatus.CLOSED,
        closed_at=timezone.now() - timedelta(days=30),
    )
    current = make_assessment(org)
    teams = ["CRO", "Customer Service", "Marketing", "IT/Engineering"]
    for n in range(respondents):
        person = make_member(org, team=teams[n % 4])
        add_response(current, person, team=teams[n % 4], default=n % 5 + 1)
        add_response(previous, person, team=teams[n % 4], default=(n + 2) % 5 + 1)
    AgreedLevel.objects.create(
        assessment=current,
        point=current.maturity_model.pillars.get(key="S").points.get(key="S1"),
        level=3,
        rationale="Agreed",
    )
    Target.objects.create(organisation=org, point_key="S1", level=4)
    for days in range(1, respondents // 5 + 1):
        create_share_link(current, by=None, days=days)
    admin_client.get(reverse("assessments:assessment-list", args=[org.slug]))
    # One of them lists the share links, however many there are.
    with django_assert_num_queries(20):
        response = admin_client.get(url("assessment-detail", current))
    assert response.context["scorecard"].submitted == respondents


def test_move_to_consensus_then_close_with_double_submit_protection(assessment, org):
    response = assert_access(
        url("assessment-advance", assessment),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"from_status": "open"},
        ok=302,
        unchanged=lambda: Assessment.objects.values_list("status").get(),
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CONSENSUS
    assert assessment.consensus_at is not None
    client = response.client
    # A repeated click from the same page does not move it on twice.
    again = client.post(url("assessment-advance", assessment), {"from_status": "open"})
    assert again.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CONSENSUS
    client.post(url("assessment-advance", assessment), {"from_status": "consensus"})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CLOSED
    assert assessment.closed_at is not None
    client.post(url("assessment-advance", assessment), {"from_status": "closed"})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CLOSED


def test_invite_link_for_an_assessment_lands_newcomers_on_its_questionnaire(
    assessment, org, client
):
    response = assert_access(
        url("assessment-invite", assessment),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"days": 7},
        ok=302,
        unchanged=lambda: Invitation.objects.count(),
    )
    invitation = Invitation.objects.get(next_path__endswith="/respond/")
    assert invitation.role == Role.CONTRIBUTOR
    assert invitation.next_path == url("response-start", assessment)
    page = response.client.get(url("assessment-detail", assessment))
    assert invitation.get_absolute_url() in page.text

    team = org.teams.get(name="Marketing")
    joined = client.post(
        invitation.get_absolute_url(),
        {
            "account-username": "newbie",
            "account-first_name": "New",
            "account-last_name": "Bie",
            "account-email": "newbie@example.test",
            "account-password1": "a-long-enough-pass-42",
            "account-password2": "a-long-enough-pass-42",
            "join-team": team.pk,
        },
    )
    assert joined.status_code == 302
    assert joined["Location"] == url("response-start", assessment)
    start = client.get(joined["Location"])
    assert start.status_code == 200
    assert start.context["form"]["team"].value() == team.pk
    # A member opening the link again goes straight to the questionnaire.
    assert client.get(invitation.get_absolute_url())["Location"] == url(
        "response-start", assessment
    )


def test_invitation_landing_path_never_leaves_the_organisation(org, admin_user):
    invitation = create_invitation_link(
        org, created_by=admin_user, next_path="//evil.example/o/acme/"
    )
    assert invitation.landing_path == "/o/acme/"
    invitation.next_path = "/o/rival/assessments/1/respond/"
    assert invitation.landing_path == "/o/acme/"
    invitation.next_path = "/o/acme/assessments/1/respond/"
    assert invitation.landing_path == "/o/acme/assessments/1/respond/"


def test_no_invite_links_once_answers_are_frozen(org, admin_client):
    frozen = make_assessment(org, status=AssessmentStatus.CONSENSUS)
    admin_client.post(url("assessment-invite", frozen), {"days": 7})
    assert not Invitation.objects.exists()


def test_revoke_an_assessment_invite_link(assessment, org, admin_user):
    admin_client_link = create_invitation_link(
        org,
        created_by=admin_user,
        next_path=url("response-start", assessment),
    )
    other_link = create_invitation_link(org, created_by=admin_user)
    assert_access(
        url("assessment-invitation-revoke", assessment, admin_client_link.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=lambda: Invitation.objects.usable().count(),
    )
    admin_client_link.refresh_from_db()
    assert admin_client_link.state == "revoked"
    # A link that is not this assessment's cannot be revoked from here.
    response = assert_access(
        url("assessment-invitation-revoke", assessment, other_link.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=404,
    )
    assert response.status_code == 404
    other_link.refresh_from_db()
    assert other_link.state == "active"


def test_consensus_page_access_and_forms_only_in_consensus_for_editors(
    org, make_member, client
):
    consensus = make_assessment(org, status=AssessmentStatus.CONSENSUS)
    add_response(consensus, make_member(org), default=2)
    response = assert_access(url("consensus", consensus), organisation=org)
    assert not response.context["editable"]
    editor = make_member(org, role=Role.EDITOR)
    client.force_login(editor)
    page = client.get(url("consensus", consensus))
    assert page.context["editable"]
    assert "Agreed level for S1" in page.text


def test_record_agreed_level_keeps_raw_answers(org, make_member):
    consensus = make_assessment(org, status=AssessmentStatus.CONSENSUS)
    person = make_member(org)
    add_response(consensus, person, default=2)
    answers_before = list(
        consensus.responses.get().answers.order_by("pk").values_list("level")
    )
    response = assert_access(
        url("agreed-level-save", consensus, "S1"),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"S1-level": "3", "S1-rationale": "Strategy doc signed off in May."},
        ok=200,
        unchanged=lambda: AgreedLevel.objects.count(),
        htmx=True,
    )
    agreed = AgreedLevel.objects.get()
    assert (agreed.point.key, agreed.level, agreed.rationale) == (
        "S1",
        3,
        "Strategy doc signed off in May.",
    )
    assert agreed.recorded_by == response.client_user
    assert "Saved" in response.text
    assert 'id="consensus-S1"' in response.text
    assert "<html" not in response.text
    # Saving again updates the same record; clearing the level removes it.
    client = response.client
    client.post(
        url("agreed-level-save", consensus, "S1"),
        {"S1-level": "4", "S1-rationale": "Revised"},
    )
    assert AgreedLevel.objects.get().level == 4
    client.post(url("agreed-level-save", consensus, "S1"), {"S1-level": ""})
    assert not AgreedLevel.objects.exists()
    assert (
        list(consensus.responses.get().answers.order_by("pk").values_list("level"))
        == answers_before
    )
    card = client.get(url("assessment-detail", consensus)).context["scorecard"]
    assert float(card.result.overall) == 2


def test_saving_an_agreed_level_updates_the_count_of_agreed_points(
    org, make_member, admin_client
):
    consensus = make_assessment(org, status=AssessmentStatus.CONSENSUS)
    add_response(consensus, make_member(org), default=2)
    page = admin_client.get(url("consensus", consensus))
    assert "0 of 21 points have an agreed level." in page.text
    response = admin_client.post(
        url("agreed-level-save", consensus, "S1"),
        {"S1-level": "3", "S1-rationale": "Strategy doc signed off in May."},
        HTTP_HX_REQUEST="true",
    )
    count = re.search(r'<p [^>]*id="agreed-count"[^>]*>([^<]*)</p>', response.text)
    assert count is not None
    assert 'hx-swap-oob="true"' in count.group(0)
    assert count.group(1) == "1 of 21 points has an agreed level."
    response = admin_client.post(
        url("agreed-level-save", consensus, "S1"),
        {"S1-level": "", "S1-rationale": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "0 of 21 points have an agreed level." in response.text


def test_agreed_level_needs_a_rationale_and_the_consensus_stage(org, make_member):
    editor = make_member(org, role=Role.EDITOR)
    client = Client()
    client.force_login(editor)
    consensus = make_assessment(org, status=AssessmentStatus.CONSENSUS)
    response = client.post(
        url("agreed-level-save", consensus, "S1"),
        {"S1-level": "3", "S1-rationale": " "},
        HTTP_HX_REQUEST="true",
    )
    assert "Give the reason the group agreed this level." in response.text
    open_one = make_assessment(org)
    response = client.post(
        url("agreed-level-save", open_one, "S1"),
        {"S1-level": "3", "S1-rationale": "Because"},
        HTTP_HX_REQUEST="true",
    )
    assert "recorded while the assessment is in consensus" in response.text
    assert not AgreedLevel.objects.exists()


def test_agreed_level_and_target_gap_show_on_the_scorecard(org, make_member):
    consensus = make_assessment(org, status=AssessmentStatus.CONSENSUS)
    add_response(consensus, make_member(org), default=2)
    point = consensus.maturity_model.pillars.get(key="S").points.get(key="S2")
    AgreedLevel.objects.create(
        assessment=consensus, point=point, level=3, rationale="Sponsor named"
    )
    Target.objects.create(organisation=org, point_key="S2", level=4)
    response = assert_access(url("assessment-detail", consensus), organisation=org)
    row = next(r for r in response.context["scorecard"].points if r.point.key == "S2")
    assert row.agreed.level == 3
    assert float(row.gap) == 2
    assert "3 Defined" in response.text
    assert "+2.00" in response.text


def test_targets_are_set_by_admins_and_survive_new_assessments(org, admin_user):
    targets_url = reverse("assessments:target-list", args=[org.slug])
    page = assert_access(targets_url, organisation=org)
    assert "Only admins set targets." in page.text
    response = assert_access(
        targets_url,
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={"S1": "4", "M4": "3", "T1": ""},
        ok=302,
        unchanged=lambda: Target.objects.count(),
    )
    assert dict(Target.objects.values_list("point_key", "level")) == {
        "S1": 4,
        "M4": 3,
    }
    response.client.post(targets_url, {"S1": "", "M4": "5"})
    assert dict(Target.objects.values_list("point_key", "level")) == {"M4": 5}
    bad = response.client.post(targets_url, {"M4": "9"})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.text
    assert dict(Target.objects.values_list("point_key", "level")) == {"M4": 5}
    later = make_assessment(org)
    card = response.client.get(url("assessment-detail", later)).context["scorecard"]
    assert next(r for r in card.points if r.point.key == "M4").target == 5
