"""Field-level rules: what a form or an API payload may set, whatever it sends.

Organisation, role, authorship and the scorer always come from the signed-in
member (or the API key), never from the request. Teams, pages, owners, tags and
assessments can only be this organisation's: another organisation's id is
refused with a message and nothing is written.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from assessments.models import Response
from backlog.authoring import save_hypothesis
from backlog.evidence import link_feedback
from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.models import Evidence, FeedbackItem, Hypothesis, Page, Score, Tag
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import score_hypothesis
from collaboration.models import Comment
from cromaturity.api_keys import create_api_key
from cromaturity.invitations import create_invitation_link
from cromaturity.models import Membership, Role, Team
from tests.access import member_client
from tests.assessments.factories import make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival(other_org, make_member):
    """One of everything in the other organisation, to smuggle into forms."""
    member = make_member(other_org, role=Role.EDITOR)
    hypothesis = save_hypothesis(
        Hypothesis(organisation=other_org, title="Their idea"),
        by=member,
        new_tag_names=["theirs"],
    )
    return {
        "member": member,
        "team": Team.objects.for_org(other_org).first(),
        "page": Page.objects.create(organisation=other_org, name="Their page"),
        "tag": Tag.objects.get(organisation=other_org),
        "hypothesis": hypothesis,
        "assessment": make_assessment(other_org),
        "item": record_feedback(
            other_org,
            FeedbackInput(text="Their customer", source="chat"),
            by=member,
            team=None,
            mask_contacts=False,
            pseudonym_key=b"k",
        ),
    }


@pytest.fixture
def contributor(org):
    return member_client(org, Role.CONTRIBUTOR)


def backlog(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def test_a_new_hypothesis_takes_organisation_author_and_state_from_the_server(
    org, other_org, rival, contributor
):
    response = contributor.post(
        backlog("hypothesis-create"),
        {
            "title": "Free returns banner",
            "kind": "test",
            "organisation": other_org.pk,
            "created_by": rival["member"].pk,
            "status": "concluded",
            "result": "won",
            "ice_score": "10",
            "evidence_items": "99",
            "version": "40",
        },
    )
    assert response.status_code == 302
    hypothesis = Hypothesis.objects.get(title="Free returns banner")
    assert (hypothesis.organisation, hypothesis.created_by) == (org, contributor.user)
    assert (hypothesis.status, hypothesis.result) == ("idea", "")
    assert (hypothesis.ice_score, hypothesis.evidence_items) == (None, 0)
    assert hypothesis.version == 1


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("team", "team"),
        ("page", "page"),
        ("owner", "member"),
        ("tags", "tag"),
        ("source_assessment", "assessment"),
    ],
)
def test_another_organisations_objects_cannot_be_attached_to_a_hypothesis(
    org, rival, admin_client, field, label
):
    value = {
        "team": rival["team"].pk,
        "page": rival["page"].pk,
        "owner": rival["member"].pk,
        "tags": [rival["tag"].pk],
        "source_assessment": rival["assessment"].pk,
    }[field]
    data = {"title": "Smuggled", "kind": "test", field: value}
    if field == "source_assessment":
        data["point_key"] = "S3"
    if field == "tags":
        # The tag choices appear once this organisation has a tag of its own.
        Tag.objects.create(organisation=org, name="ours")
    response = admin_client.post(backlog("hypothesis-create"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Hypothesis.objects.filter(title="Smuggled").exists()

    ours = save_hypothesis(Hypothesis(organisation=org, title="Ours"), by=None)
    response = admin_client.post(
        backlog("hypothesis-update", ours.pk), {**data, "version": ours.version}
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    ours.refresh_from_db()
    assert (ours.title, ours.team, ours.page, ours.owner) == ("Ours", None, None, None)
    assert not ours.tags.exists()


def test_a_score_is_always_the_signed_in_members_own(
    org, make_member, contributor, admin_user
):
    hypothesis = save_hypothesis(Hypothesis(organisation=org, title="Dates"), by=None)
    score_hypothesis(
        hypothesis,
        scorer=admin_user,
        framework=Framework.ICE,
        values={"impact": 2, "confidence": 2, "ease": 2},
    )
    response = contributor.post(
        backlog("hypothesis-score", hypothesis.pk),
        {
            "framework": "ice",
            "scorer": admin_user.pk,
            "ice-scorer": admin_user.pk,
            "hypothesis": 0,
            "ice-impact": 9,
            "ice-confidence": 9,
            "ice-ease": 9,
            "ice-version": 1,  # the version of the admin's score
        },
    )
    assert response.status_code == 302
    theirs = Score.objects.get(scorer=admin_user)
    assert (theirs.impact, theirs.version) == (2, 1)
    mine = Score.objects.get(scorer=contributor.user)
    assert (mine.impact, mine.hypothesis) == (9, hypothesis)


def test_feedback_takes_organisation_author_and_team_from_the_member(
    org, other_org, rival, contributor
):
    response = contributor.post(
        reverse("feedback:item-create", args=["acme"]),
        {
            "text": "The size guide is hidden",
            "source": "chat",
            "organisation": other_org.pk,
            "submitted_by": rival["member"].pk,
            "team": rival["team"].pk,
            "customer_ref": "cust-forged",
            "external_id": "T-1",
        },
    )
    assert response.status_code == 302
    item = FeedbackItem.objects.get(text="The size guide is hidden")
    membership = Membership.objects.get(user=contributor.user, organisation=org)
    assert (item.organisation, item.submitted_by, item.team) == (
        org,
        contributor.user,
        membership.team,
    )
    assert (item.customer_ref, item.external_id) == ("", None)

    edit = contributor.post(
        reverse("feedback:item-update", args=["acme", item.pk]),
        {
            "text": "The size guide is hidden on mobile",
            "source": "chat",
            "version": item.version,
            "organisation": other_org.pk,
            "submitted_by": rival["member"].pk,
            "team": rival["team"].pk,
        },
    )
    assert edit.status_code == 302
    item.refresh_from_db()
    assert (item.organisation, item.submitted_by, item.team) == (
        org,
        contributor.user,
        membership.team,
    )


def test_evidence_links_only_this_organisations_feedback_and_hypotheses(
    org, rival, admin_client, admin_user
):
    hypothesis = save_hypothesis(Hypothesis(organisation=org, title="Ours"), by=None)
    item = record_feedback(
        org,
        FeedbackInput(text="Our customer", source="chat"),
        by=admin_user,
        team=None,
        mask_contacts=False,
        pseudonym_key=b"k",
    )
    admin_client.post(
        backlog("evidence-link", hypothesis.pk),
        {"feedback_item": rival["item"].pk, "importance": 2},
    )
    admin_client.post(
        reverse("feedback:item-link", args=["acme", item.pk]),
        {"hypothesis": rival["hypothesis"].pk, "importance": 2},
    )
    assert not Evidence.objects.exists()
    link_feedback(hypothesis, item, by=admin_user)
    assert Evidence.objects.count() == 1


def test_comments_take_organisation_and_author_from_the_member(
    org, other_org, rival, contributor
):
    hypothesis = save_hypothesis(Hypothesis(organisation=org, title="Ours"), by=None)
    response = contributor.post(
        reverse("collaboration:comment-hypothesis", args=["acme", hypothesis.pk]),
        {
            "body": "Seen in chats too",
            "organisation": other_org.pk,
            "author": rival["member"].pk,
            "hypothesis": rival["hypothesis"].pk,
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.organisation, comment.author, comment.hypothesis) == (
        org,
        contributor.user,
        hypothesis,
    )


def test_answering_as_a_team_of_another_organisation_is_refused(
    org, rival, contributor
):
    assessment = make_assessment(org)
    response = contributor.post(
        reverse("assessments:response-start", args=["acme", assessment.pk]),
        {"team": rival["team"].pk},
    )
    assert response.status_code in (200, 400)
    assert "team" in response.context["form"].errors
    assert not Response.objects.exists()


def test_members_cannot_raise_their_own_role(org, contributor):
    membership = Membership.objects.get(user=contributor.user, organisation=org)
    response = contributor.post(
        reverse("member-update", args=["acme", membership.pk]),
        {f"m{membership.pk}-role": "admin"},
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.CONTRIBUTOR


def test_joining_by_invitation_gives_the_invited_role_whatever_is_posted(
    client, org, other_org, admin_user
):
    link = create_invitation_link(org, created_by=admin_user, role=Role.VIEWER)
    team = Team.objects.for_org(org).first()
    response = client.post(
        link.get_absolute_url(),
        {
            "account-username": "newbie",
            "account-first_name": "New",
            "account-last_name": "Bie",
            "account-email": "newbie@example.test",
            "account-password1": "a-long-enough-pass-42",
            "account-password2": "a-long-enough-pass-42",
            "account-is_staff": "on",
            "account-is_superuser": "on",
            "join-team": team.pk,
            "role": "admin",
            "join-role": "admin",
            "organisation": other_org.pk,
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newbie")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(user.memberships.values_list("organisation", "role")) == [
        (org.pk, Role.VIEWER)
    ]


def test_an_api_payload_cannot_choose_the_organisation_or_the_author(
    org, other_org, rival, admin_user
):
    _, key = create_api_key(org, name="desk", by=admin_user)
    response = Client().post(
        "/api/v1/feedback/batch",
        {
            "source_system": "zendesk",
            "organisation": other_org.slug,
            "organisation_id": other_org.pk,
            "items": [
                {
                    "external_id": "T-9",
                    "text": "Checkout fails",
                    "received_at": "2026-08-01T10:00:00Z",
                    "organisation": other_org.pk,
                    "submitted_by": rival["member"].pk,
                    "team": rival["team"].pk,
                    "id": rival["item"].pk,
                }
            ],
        },
        content_type="application/json",
        headers={"X-API-Key": key},
    )
    assert response.status_code == 200, response.text
    item = FeedbackItem.objects.get(external_id="T-9")
    assert (item.organisation, item.submitted_by, item.team) == (org, None, None)
    rival["item"].refresh_from_db()
    assert rival["item"].text == "Their customer"
    assert FeedbackItem.objects.for_org(other_org).count() == 1


@pytest.mark.parametrize("field", ["tags", "team", "page", "owner"])
def test_an_id_too_large_for_the_database_is_an_unknown_choice(
    org, admin_client, field
):
    Tag.objects.create(organisation=org, name="ours")
    response = admin_client.post(
        backlog("hypothesis-create"),
        {"title": "Huge ids", "kind": "test", field: str(2**64)},
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Hypothesis.objects.exists()
