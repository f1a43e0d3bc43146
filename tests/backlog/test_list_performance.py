"""The ranked list renders page one in the same number of queries at any size."""

import pytest
from django.urls import reverse

from backlog.evidence import link_feedback
from backlog.models import Hypothesis, Page, Score, Tag
from tests.backlog.factories import give_ice, make_feedback

pytestmark = pytest.mark.django_db

# 15 with the query for experiments that register a guardrail (flagged red).
LIST_QUERIES = 15


def _fill(organisation, scorer, count, start=0):
    """Bulk-create scored, tagged hypotheses spread over two pages."""
    pages = list(Page.objects.for_org(organisation))
    tags = list(Tag.objects.for_org(organisation))
    hypotheses = Hypothesis.objects.bulk_create(
        [
            Hypothesis(
                organisation=organisation,
                title=f"Hypothesis {n}",
                metric="Orders",
                page=pages[n % len(pages)],
                owner=scorer,
                ice_score=1 + (n * 7919 % 900) / 100,
                ice_count=1,
                pie_score=5,
                pie_count=1,
            )
            for n in range(start, start + count)
        ],
        batch_size=1000,
    )
    through = Hypothesis.tags.through
    through.objects.bulk_create(
        [through(hypothesis=h, tag=tags[h.pk % len(tags)]) for h in hypotheses],
        batch_size=1000,
    )
    Score.objects.bulk_create(
        [
            Score(
                hypothesis=h,
                scorer=scorer,
                framework="ice",
                impact=5,
                confidence=5,
                ease=5,
            )
            for h in hypotheses[::2]
        ],
        batch_size=1000,
    )


@pytest.mark.parametrize(
    "query", ["", "?sort=pie", "?q=Hypothesis+1&status=any&flag=not-scored-by-me"]
)
def test_list_page_one_takes_the_same_queries_with_10_000_hypotheses(
    org, admin_user, admin_client, django_assert_num_queries, query
):
    Page.objects.create(
        organisation=org, name="Cart", daily_visitors=900, baseline_conversion_rate=40
    )
    Page.objects.create(
        organisation=org, name="Rental", daily_visitors=15, baseline_conversion_rate=3
    )
    Tag.objects.create(organisation=org, name="mobile")
    Tag.objects.create(organisation=org, name="trust")
    _fill(org, admin_user, 10)
    url = reverse("backlog:hypothesis-list", args=["acme"]) + query
    admin_client.get(url)  # the first visit remembers the organisation in the session
    with django_assert_num_queries(LIST_QUERIES):
        small = admin_client.get(url)
    assert small.context["page_obj"].paginator.count <= 10

    _fill(org, admin_user, 9_990, start=10)
    assert Hypothesis.objects.count() == 10_000
    with django_assert_num_queries(LIST_QUERIES):
        large = admin_client.get(url)
    assert len(large.context["rows"]) == 25
    assert large.context["page_obj"].paginator.count >= 25


def test_the_list_is_ranked_by_the_stored_score_across_pages(
    org, admin_user, admin_client
):
    Page.objects.create(organisation=org, name="Cart")
    Tag.objects.create(organisation=org, name="mobile")
    _fill(org, admin_user, 60)
    url = reverse("backlog:hypothesis-list", args=["acme"])
    scores = []
    for page in (1, 2, 3):
        rows = admin_client.get(f"{url}?page={page}").context["rows"]
        scores += [row.hypothesis.ice_score for row in rows]
    assert len(scores) == 60
    assert scores == sorted(scores, reverse=True)


def test_detail_page_queries_do_not_grow_with_scorers(
    org, make_hypothesis, make_member, admin_client, django_assert_num_queries
):
    hypothesis = make_hypothesis()
    url = reverse("backlog:hypothesis-detail", args=["acme", hypothesis.pk])
    give_ice(hypothesis, make_member(org), 5)
    admin_client.get(url)
    with django_assert_num_queries(19) as first:
        admin_client.get(url)
    for n in range(8):
        give_ice(hypothesis, make_member(org), 7)
        link_feedback(
            hypothesis,
            make_feedback(org, f"Feedback {n}", by=None, pseudonym_key=b"k"),
            by=None,
        )
    with django_assert_num_queries(len(first.captured_queries)):
        admin_client.get(url)
