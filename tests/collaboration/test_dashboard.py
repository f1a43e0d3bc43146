"""The home dashboard: what it shows, whose items first, and a fixed query count."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog.models import Hypothesis, Status
from collaboration.discussion import post_comment
from cromaturity.models import Membership, Team
from tests.assessments.factories import add_response, make_assessment
from tests.backlog.conftest import give_ice

pytestmark = pytest.mark.django_db

# Sign-in and membership, the bell and the organisation menu, then a few
# queries per panel and the teams at the bottom.
QUERY_BUDGET = 26
_numbers = itertools.count(1)


def _fill(org, people, make_hypothesis, make_feedback, rounds: int) -> None:
    """Some of everything the dashboard shows, `rounds` times over."""
    teams = list(Team.objects.for_org(org))
    for _ in range(rounds):
        n = next(_numbers)
        closed = make_assessment(
            org, status="closed", title=f"Check {n}", period=f"P{n}"
        )
        add_response(closed, people["sam"], team="Customer Service", default=2 + n % 3)
        add_response(closed, people["carla"], team="CRO", default=3)
        opened = make_assessment(org, title=f"Open {n}", period=f"Q{n}")
        add_response(opened, people["zoe"], team="Customer Service", submitted=False)
        for status in (Status.BACKLOG, Status.RUNNING, Status.CONCLUDED):
            for team in teams[:3]:
                hypothesis = make_hypothesis(
                    title=f"{status} {team} {n}",
                    status=status,
                    team=team,
                    owner=people["carla"],
                )
                give_ice(hypothesis, people["sam"], 4 + n % 5)
                post_comment(
                    org, author=people["zoe"], body="@sam look", hypothesis=hypothesis
                )
        make_feedback(text=f"Parcel {n} late", themes=f"delivery, theme{n}")


def test_dashboard_queries_do_not_grow_with_the_organisations_data(
    org,
    people,
    client,
    make_hypothesis,
    make_feedback,
    django_assert_max_num_queries,
):
    client.force_login(people["sam"])
    home = reverse("home", args=["acme"])
    _fill(org, people, make_hypothesis, make_feedback, rounds=1)
    client.get(home)
    with django_assert_max_num_queries(QUERY_BUDGET) as small:
        response = client.get(home)
    assert response.status_code == 200

    _fill(org, people, make_hypothesis, make_feedback, rounds=6)
    with django_assert_max_num_queries(QUERY_BUDGET) as large:
        response = client.get(home)
    assert len(large.captured_queries) == len(small.captured_queries)
    dashboard = response.context["dashboard"]
    assert len(dashboard.top) == 5
    assert len(dashboard.learnings) == 5
    assert len(dashboard.open_assessments) == 3


def test_dashboard_shows_maturity_with_trend_and_assessment_progress(
    org, people, client
):
    earlier = make_assessment(
        org,
        status="closed",
        period="Q1",
        closed_at=timezone.now() - timezone.timedelta(days=90),
    )
    add_response(earlier, people["sam"], team="Customer Service", default=2)
    latest = make_assessment(org, status="closed", period="Q2")
    add_response(latest, people["sam"], team="Customer Service", default=3)
    running = make_assessment(org, title="Autumn check", period="Q3")
    add_response(running, people["zoe"], team="Customer Service")
    add_response(running, people["carla"], team="CRO", submitted=False)
    client.force_login(people["sam"])
    response = client.get(reverse("home", args=["acme"]))
    maturity = response.context["dashboard"].maturity
    assert maturity.level == 3
    assert maturity.index == 50
    assert maturity.index_change == 25
    page = response.text
    assert "3 Defined" in page
    assert "+25" in page
    assert "since Q1" in page
    # Invited: the admin, carla, sam and zoe may answer; priya is a viewer.
    assert "1 of 4 answered, 1 still answering" in page
    assert "Answer it" in page


def test_dashboard_lists_the_members_team_first(org, people, client, make_hypothesis):
    cs = Team.objects.get(organisation=org, name="Customer Service")
    cro = Team.objects.get(organisation=org, name="CRO")
    best = make_hypothesis(title="Best CRO idea", team=cro)
    give_ice(best, people["carla"], 9)
    ours = make_hypothesis(title="Our modest idea", team=cs)
    give_ice(ours, people["carla"], 3)
    client.force_login(people["sam"])
    top = client.get(reverse("home", args=["acme"])).context["dashboard"].top
    assert [h.title for h in top] == ["Our modest idea", "Best CRO idea"]
    client.force_login(people["carla"])
    top = client.get(reverse("home", args=["acme"])).context["dashboard"].top
    assert [h.title for h in top] == ["Best CRO idea", "Our modest idea"]


def test_dashboard_fills_a_panel_from_other_teams_and_from_no_team(
    org, people, client, make_hypothesis
):
    cs = Team.objects.get(organisation=org, name="Customer Service")
    cro = Team.objects.get(organisation=org, name="CRO")
    for n, team in enumerate([cs, None, cro, None, cro, cs, None]):
        hypothesis = make_hypothesis(title=f"Idea {n}", team=team)
        give_ice(hypothesis, people["carla"], 10 - n)
    client.force_login(people["sam"])  # Customer Service
    top = client.get(reverse("home", args=["acme"])).context["dashboard"].top
    assert [h.title for h in top] == ["Idea 0", "Idea 5", "Idea 1", "Idea 2", "Idea 3"]
    Membership.objects.filter(user=people["sam"]).update(team=None)
    top = client.get(reverse("home", args=["acme"])).context["dashboard"].top
    assert [h.title for h in top] == [f"Idea {n}" for n in range(5)]


def test_dashboard_panels_link_to_the_full_views(org, people, client):
    client.force_login(people["sam"])
    page = client.get(reverse("home", args=["acme"])).text
    for name in (
        "assessments:assessment-list",
        "backlog:hypothesis-list",
        "backlog:learning-list",
        "feedback:theme-list",
        "collaboration:activity",
    ):
        assert f'href="{reverse(name, args=["acme"])}' in page, name
    assert Hypothesis.objects.count() == 0
