"""The home dashboard: what it shows, whose items first, and a fixed query count."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog.evidence import link_feedback
from backlog.models import Hypothesis, Status
from cromaturity.models import Membership, Team
from tests.assessments.factories import add_response, make_assessment
from tests.backlog.factories import give_ice
from tests.collaboration.factories import make_comment

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
                make_comment(org, people["zoe"], "@sam look", hypothesis=hypothesis)
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


def _home(client, user):
    client.force_login(user)
    return client.get(reverse("home", args=["acme"]))


def test_dashboard_top_is_the_whole_backlogs_top_with_the_members_team_marked(
    org, people, client, make_hypothesis
):
    cs = Team.objects.get(organisation=org, name="Customer Service")
    cro = Team.objects.get(organisation=org, name="CRO")
    ours = make_hypothesis(title="CRO idea at 5.1", team=cro)
    give_ice(ours, people["sam"], 5, 5, 5)
    give_ice(ours, people["zoe"], 5, 5, 6)
    give_ice(ours, people["admin"], 5, 5, 5)
    make_hypothesis(title="Unscored CRO idea", team=cro)
    for title in ("Service idea at 7.3", "Another service idea at 7.3"):
        give_ice(make_hypothesis(title=title, team=cs), people["sam"], 7, 7, 8)
    running = make_hypothesis(title="Running at 9", team=cs, status=Status.RUNNING)
    give_ice(running, people["sam"], 9)

    response = _home(client, people["carla"])  # CRO
    top = response.context["dashboard"].top
    assert [h.title for h in top] == [
        "Service idea at 7.3",
        "Another service idea at 7.3",
        "CRO idea at 5.1",
        "Unscored CRO idea",
    ]
    panel = response.text.split('id="top-heading"')[1].split("</section>")[0]
    assert "by ICE · all teams · not started" in panel
    assert panel.count("your team</span>") == 2
    assert "ICE 7.3" in panel
    assert "not scored yet" in panel
    assert f'?team={cro.pk}">Your team' in panel
    sam_top = _home(client, people["sam"]).context["dashboard"].top
    assert [h.title for h in sam_top] == [h.title for h in top]


def test_dashboard_running_tests_show_the_members_team_first(
    org, people, client, make_hypothesis
):
    cs = Team.objects.get(organisation=org, name="Customer Service")
    cro = Team.objects.get(organisation=org, name="CRO")
    for n, team in enumerate([cs, None, cro, None, cro, cs, None]):
        hypothesis = make_hypothesis(
            title=f"Test {n}", team=team, status=Status.RUNNING
        )
        Hypothesis.objects.filter(pk=hypothesis.pk).update(
            status_changed_at=timezone.now() - timezone.timedelta(days=n)
        )
    running = _home(client, people["sam"]).context["dashboard"].running
    assert [h.title for h in running] == [
        "Test 0",
        "Test 5",
        "Test 1",
        "Test 2",
        "Test 3",
    ]
    Membership.objects.filter(user=people["sam"]).update(team=None)
    running = _home(client, people["sam"]).context["dashboard"].running
    assert [h.title for h in running] == [f"Test {n}" for n in range(5)]


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


def _panel(text: str, heading_id: str) -> str:
    return text.split(f'id="{heading_id}"')[1].split("</section>")[0]


def test_a_new_organisations_home_says_what_to_do_first_in_every_panel(
    org, people, client
):
    text = _home(client, people["admin"]).text
    assert "Every theme customers raise has a hypothesis" not in text
    themes = _panel(text, "themes-heading")
    assert "No customer feedback yet." in themes
    assert f'href="{reverse("feedback:item-create", args=["acme"])}"' in themes
    assert f'href="{reverse("feedback:import-list", args=["acme"])}"' in themes
    top = _panel(text, "top-heading")
    assert "The backlog is empty." in top
    assert f'href="{reverse("backlog:hypothesis-create", args=["acme"])}"' in top
    assert f'href="{reverse("backlog:import-list", args=["acme"])}"' in top
    start = reverse("assessments:assessment-create", args=["acme"])
    for heading in ("maturity-heading", "open-assessments-heading"):
        assert f'href="{start}">Start an assessment' in _panel(text, heading)
    assert "moved to running on the board" in _panel(text, "running-heading")
    assert "conclude it on the board" in _panel(text, "learnings-heading")
    assert "show here as people work" in _panel(text, "activity-heading")


def test_a_viewers_empty_home_offers_no_action_it_cannot_take(org, people, client):
    text = _home(client, people["priya"]).text
    assert "Customer-service colleagues add feedback" in text
    assert "Contributors and editors propose hypotheses" in text
    assert "An editor starts an assessment" in text
    for name in ("feedback:item-create", "backlog:hypothesis-create"):
        assert f'href="{reverse(name, args=["acme"])}"' not in text


def test_the_themes_panel_tells_feedback_without_themes_from_themes_addressed(
    org, people, client, make_feedback, make_hypothesis
):
    make_feedback(text="Parcel arrived late")
    themes = _panel(_home(client, people["carla"]).text, "themes-heading")
    assert "No feedback has a theme yet." in themes
    item = make_feedback(text="Parcel late again", themes="delivery")
    themes = _panel(_home(client, people["carla"]).text, "themes-heading")
    assert "delivery" in themes
    link_feedback(make_hypothesis("Show delivery dates"), item, by=people["carla"])
    themes = _panel(_home(client, people["carla"]).text, "themes-heading")
    assert "Every theme customers raise has a hypothesis." in themes


def test_a_backlog_with_nothing_waiting_says_so_rather_than_empty(
    org, people, client, make_hypothesis
):
    make_hypothesis("Checkout test", status=Status.RUNNING)
    top = _panel(_home(client, people["carla"]).text, "top-heading")
    assert "No hypothesis waits to be started" in top
    assert "The backlog is empty." not in top
