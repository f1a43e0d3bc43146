"""Customer feedback as evidence: links, strength, suggestions, PXL, ranking."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from backlog.evidence import (
    EvidenceError,
    feedback_like,
    hypotheses_like,
    link_feedback,
    unlink_feedback,
)
from backlog.feedback.capture import FeedbackInput, delete_feedback, update_feedback
from backlog.models import Evidence, Status
from backlog.scoring.frameworks import (
    EvidenceSummary,
    Framework,
    pxl_score,
    rank_key,
    suggested_confidence,
)
from backlog.scoring.recording import score_hypothesis
from cromaturity.models import Role
from tests.access import assert_access

NOW = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("items", "customers", "channels", "age_days", "expected"),
    [
        (0, 0, 0, 0, None),
        (1, 1, 1, 1, 3),
        (2, 2, 1, 1, 4),
        (5, 4, 1, 1, 5),
        (20, 16, 1, 1, 7),
        (200, 150, 1, 1, 7),
        (3, 2, 2, 1, 5),
        (9, 8, 5, 1, 8),
        (9, 8, 5, 400, 7),
        (1, 1, 1, 400, 2),
    ],
)
def test_suggested_confidence(items, customers, channels, age_days, expected):
    summary = EvidenceSummary(
        items=items,
        customers=customers,
        channels=channels,
        latest=NOW - timedelta(days=age_days) if items else None,
    )
    suggestion = suggested_confidence(summary, NOW)
    assert (suggestion.value if suggestion else None) == expected
    if suggestion:
        assert suggestion.explanation.endswith(f"= {expected}")
        assert 1 <= suggestion.value <= 10


def test_the_suggestion_explains_itself():
    summary = EvidenceSummary(items=9, customers=8, channels=2, latest=NOW)
    explanation = suggested_confidence(summary, NOW).explanation
    assert explanation == (
        "3 for linked feedback +3 for 8 distinct customers +1 for 2 channels = 7"
    )


def test_linked_feedback_ticks_the_pxl_feedback_question():
    answers = {"above_the_fold": True, "found_in_qualitative_feedback": False}
    assert pxl_score(answers, 1) == 2
    assert pxl_score(answers, 1, feedback_linked=True) == 3
    assert pxl_score({**answers, "found_in_qualitative_feedback": True}, 1) == 3


def test_ranking_ties_go_to_stronger_evidence_then_more_items_then_age():
    old, new = NOW - timedelta(days=9), NOW
    items = [
        ("older, no evidence", 7.0, old, 1, 0, 0),
        ("newer, strong evidence", 7.0, new, 2, 6, 9),
        ("newer, weaker evidence", 7.0, new, 3, 4, 20),
        ("same strength, more items", 7.0, new, 4, 6, 12),
        ("best score", 8.0, new, 5, 0, 0),
    ]
    ranked = sorted(items, key=lambda item: rank_key(*item[1:]))
    assert [name for name, *_ in ranked] == [
        "best score",
        "same strength, more items",
        "newer, strong evidence",
        "newer, weaker evidence",
        "older, no evidence",
    ]


pytestmark = pytest.mark.django_db


def test_linking_counts_items_customers_channels_and_latest(
    make_hypothesis, make_feedback, admin_user
):
    hypothesis = make_hypothesis()
    first = make_feedback("Delivery cost shows late", customer="ann@x.test", days_ago=5)
    second = make_feedback(
        "Shipping fee surprise", customer="ANN@x.test", source="email"
    )
    third = make_feedback("Why is delivery so expensive", days_ago=30)
    for item in (first, second, third):
        link_feedback(hypothesis, item, by=admin_user)
    hypothesis.refresh_from_db()
    assert (
        hypothesis.evidence_items,
        hypothesis.evidence_customers,
        hypothesis.evidence_channels,
    ) == (3, 2, 2)
    assert hypothesis.evidence_latest == second.received_at
    assert hypothesis.evidence_strength == 5


def test_linking_again_updates_the_quote_instead_of_duplicating(
    make_hypothesis, make_feedback, admin_user
):
    hypothesis, item = make_hypothesis(), make_feedback()
    link_feedback(hypothesis, item, by=admin_user, snippet="Delivery costs")
    link_feedback(hypothesis, item, by=admin_user, snippet="too late", importance=3)
    evidence = Evidence.objects.get()
    assert (evidence.snippet, evidence.importance) == ("too late", 3)


@pytest.mark.parametrize(
    ("snippet", "ok"),
    [
        ("costs appear   too LATE", True),
        ("costs are shown", False),
    ],
)
def test_the_quote_must_be_words_of_the_feedback(
    make_hypothesis, make_feedback, admin_user, snippet, ok
):
    hypothesis, item = make_hypothesis(), make_feedback()
    if ok:
        assert link_feedback(hypothesis, item, by=admin_user, snippet=snippet)
    else:
        with pytest.raises(EvidenceError, match="words from the feedback"):
            link_feedback(hypothesis, item, by=admin_user, snippet=snippet)
        assert not Evidence.objects.exists()


def test_feedback_of_another_organisation_cannot_be_linked(
    make_hypothesis, make_feedback, other_org, admin_user
):
    with pytest.raises(EvidenceError, match="another organisation"):
        link_feedback(
            make_hypothesis(), make_feedback(organisation=other_org), by=admin_user
        )
    assert not Evidence.objects.exists()


def test_importance_is_limited_to_0_to_3(make_hypothesis, make_feedback, admin_user):
    with pytest.raises(EvidenceError):
        link_feedback(make_hypothesis(), make_feedback(), by=admin_user, importance=4)


def test_unlinking_is_recorded_and_recounted(
    make_hypothesis, make_feedback, admin_user
):
    hypothesis, item = make_hypothesis(), make_feedback()
    evidence = link_feedback(hypothesis, item, by=admin_user)
    unlink_feedback(evidence, by=admin_user)
    evidence.refresh_from_db()
    hypothesis.refresh_from_db()
    assert evidence.unlinked_by == admin_user
    assert evidence.unlinked_at is not None
    assert (hypothesis.evidence_items, hypothesis.evidence_strength) == (0, 0)
    link_feedback(hypothesis, item, by=admin_user)
    assert Evidence.objects.count() == 2
    assert Evidence.objects.active().count() == 1


def test_pxl_scores_follow_links(make_hypothesis, make_feedback, admin_user):
    hypothesis = make_hypothesis()
    values = {
        key: False
        for key in (
            "above_the_fold",
            "noticeable_in_5_seconds",
            "adds_or_removes_element",
            "increases_motivation",
            "high_traffic_page",
            "found_in_user_testing",
            "found_in_qualitative_feedback",
            "found_in_analytics",
            "backed_by_heatmaps",
        )
    }
    score_hypothesis(
        hypothesis,
        scorer=admin_user,
        framework=Framework.PXL,
        values={**values, "pxl_ease": 2},
    )
    hypothesis.refresh_from_db()
    assert hypothesis.pxl_score == 2
    evidence = link_feedback(hypothesis, make_feedback(), by=admin_user)
    hypothesis.refresh_from_db()
    assert hypothesis.pxl_score == 3
    unlink_feedback(evidence, by=admin_user)
    hypothesis.refresh_from_db()
    assert hypothesis.pxl_score == 2


def test_editing_or_deleting_linked_feedback_refreshes_the_hypothesis(
    make_hypothesis, make_feedback, admin_user
):
    hypothesis, item = make_hypothesis(), make_feedback(days_ago=1)
    other = make_feedback("Also delivery", days_ago=3)
    link_feedback(hypothesis, item, by=admin_user)
    link_feedback(hypothesis, other, by=admin_user)
    update_feedback(
        item,
        FeedbackInput(text=item.text, source="call", received_at=item.received_at),
        mask_contacts=False,
        pseudonym_key=b"test",
    )
    hypothesis.refresh_from_db()
    assert hypothesis.evidence_channels == 2
    delete_feedback(item)
    hypothesis.refresh_from_db()
    assert (hypothesis.evidence_items, hypothesis.evidence_latest) == (
        1,
        other.received_at,
    )


def test_the_list_ranks_ties_by_evidence_and_filters_on_it(
    admin_client, make_hypothesis, make_feedback, admin_user
):
    plain = make_hypothesis("Plain idea")
    backed = make_hypothesis("Backed idea")
    link_feedback(backed, make_feedback(), by=admin_user)
    url = reverse("backlog:hypothesis-list", args=["acme"])
    rows = admin_client.get(url).context["rows"]
    titles = [row.hypothesis.title for row in rows]
    assert titles.index("Backed idea") < titles.index("Plain idea")
    with_evidence = admin_client.get(url, {"evidence": "yes"}).context["rows"]
    assert [row.hypothesis for row in with_evidence] == [backed]
    without = admin_client.get(url, {"evidence": "no"}).context["rows"]
    assert [row.hypothesis for row in without] == [plain]


def test_suggestions_work_both_ways(make_hypothesis, make_feedback, admin_user):
    sizing = make_hypothesis(
        "Clearer size guide", observation="Customers ask which size fits"
    )
    make_hypothesis("Faster checkout", observation="Checkout has too many steps")
    closed = make_hypothesis("Old size test", status=Status.REJECTED)
    item = make_feedback("Which size should I order? The size guide is unclear")
    suggested = [h for h, _ in hypotheses_like(item)]
    assert suggested[0] == sizing
    assert closed not in suggested
    make_feedback("Love the colours")
    similar = [suggestion.item for suggestion in feedback_like(sizing)]
    assert similar == [item]
    link_feedback(sizing, item, by=admin_user)
    assert feedback_like(sizing) == []
    assert sizing not in [h for h, _ in hypotheses_like(item)]


def url(name, *args):
    return reverse(name, args=["acme", *args])


def test_link_from_feedback_access_matrix(org, make_hypothesis, make_feedback):
    hypothesis, item = make_hypothesis(), make_feedback()
    assert_access(
        url("feedback:item-link", item.pk),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={"hypothesis": hypothesis.pk, "snippet": "too late", "importance": 2},
        ok=302,
        unchanged=lambda: Evidence.objects.count(),
    )
    evidence = Evidence.objects.get()
    assert (evidence.hypothesis, evidence.snippet, evidence.importance) == (
        hypothesis,
        "too late",
        2,
    )


def test_a_hypothesis_of_another_organisation_cannot_be_chosen(
    admin_client, make_hypothesis, make_feedback, other_org
):
    foreign = make_hypothesis(organisation=other_org)
    item = make_feedback()
    response = admin_client.post(
        url("feedback:item-link", item.pk),
        {"hypothesis": foreign.pk, "importance": 1},
        follow=True,
    )
    assert "Choose the hypothesis" in response.text
    assert not Evidence.objects.exists()


def test_link_from_hypothesis_access_matrix(org, make_hypothesis, make_feedback):
    hypothesis, item = make_hypothesis(), make_feedback()
    assert_access(
        url("backlog:evidence-link", hypothesis.pk),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={"feedback_item": item.pk, "importance": 1},
        ok=302,
        unchanged=lambda: Evidence.objects.count(),
    )
    assert Evidence.objects.get().feedback_item == item


def test_feedback_of_another_organisation_among_the_chosen_links_nothing(
    admin_client, make_hypothesis, make_feedback, other_org
):
    hypothesis, ours = make_hypothesis(), make_feedback()
    foreign = make_feedback(organisation=other_org)
    response = admin_client.post(
        url("backlog:evidence-link", hypothesis.pk),
        {"feedback_item": [ours.pk, foreign.pk], "importance": 1},
        follow=True,
    )
    assert "Choose the feedback to attach" in response.text
    assert not Evidence.objects.exists()


def test_the_page_a_link_is_made_from_fixes_its_own_side(
    admin_client, make_hypothesis, make_feedback
):
    hypothesis, other = make_hypothesis("Ours"), make_hypothesis("Another")
    item = make_feedback()
    admin_client.post(
        url("feedback:item-link", item.pk),
        {"hypothesis": hypothesis.pk, "feedback_item": 0, "importance": 1},
    )
    admin_client.post(
        url("backlog:evidence-link", other.pk),
        {"hypothesis": hypothesis.pk, "feedback_item": item.pk, "importance": 1},
    )
    assert sorted(
        Evidence.objects.values_list("hypothesis__title", "feedback_item")
    ) == [("Another", item.pk), ("Ours", item.pk)]


def test_candidate_searches_access_matrix(org, make_hypothesis, make_feedback):
    hypothesis = make_hypothesis(
        "Delivery dates in checkout", observation="Delivery questions"
    )
    item = make_feedback("When will my delivery arrive?")
    response = assert_access(
        url("feedback:item-link-candidates", item.pk), organisation=org
    )
    assert "Delivery dates in checkout" in response.text
    response = assert_access(
        url("backlog:evidence-candidates", hypothesis.pk) + "?q=arrive",
        organisation=org,
    )
    assert "When will my delivery arrive?" in response.text


def test_unlink_access_matrix_and_only_linkers_or_editors(
    org, make_hypothesis, make_feedback, make_member, client, admin_user
):
    evidence = link_feedback(make_hypothesis(), make_feedback(), by=admin_user)
    contributor = make_member(org, role=Role.CONTRIBUTOR)
    client.force_login(contributor)
    assert client.post(url("backlog:evidence-unlink", evidence.pk)).status_code == 403
    assert_access(
        url("backlog:evidence-unlink", evidence.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=lambda: Evidence.objects.get().unlinked_at,
    )
    assert Evidence.objects.get().unlinked_at is not None


def test_pages_show_evidence_and_suggested_confidence(
    admin_client, make_hypothesis, make_feedback, admin_user
):
    hypothesis = make_hypothesis()
    item = make_feedback("Delivery costs appear too late", customer="a@x.test")
    link_feedback(hypothesis, item, by=admin_user, snippet="appear too late")
    detail = admin_client.get(url("backlog:hypothesis-detail", hypothesis.pk))
    assert "Suggested Confidence (ICE) and Potential (PIE): 3 of 10." in detail.text
    assert "“appear too late”" in detail.text
    feedback_page = admin_client.get(url("feedback:item-detail", item.pk))
    assert hypothesis.title in feedback_page.text
