import re

import pytest
from django.urls import reverse

from backlog.models import Hypothesis, Status
from backlog.views.board import CARDS_PER_COLUMN
from cromaturity.models import Role
from tests.access import assert_access, member_client
from tests.backlog.factories import give_ice

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def _statuses():
    return sorted(Hypothesis.objects.values_list("pk", "status", "result", "learning"))


def test_board_access_matrix_shows_a_column_per_status(org, make_hypothesis):
    make_hypothesis("An idea")
    make_hypothesis("A finished test", status=Status.CONCLUDED, result="lost")
    response = assert_access(url("board"), organisation=org)
    columns = response.context["columns"]
    assert [c.status for c in columns] == list(Status)
    by_status = {c.status: [h.title for h in c.cards] for c in columns}
    assert by_status[Status.IDEA] == ["An idea"]
    assert by_status[Status.CONCLUDED] == ["A finished test"]
    assert "Lost" in response.text


def test_viewers_and_contributors_see_no_move_controls(org, make_hypothesis):
    make_hypothesis()
    for role in (Role.VIEWER, Role.CONTRIBUTOR):
        text = member_client(org, role).get(url("board")).text
        assert 'name="to_status"' not in text
        assert "draggable" not in text
        assert "Move to…" not in text
        assert 'id="board-drop"' not in text


def test_a_cards_move_form_is_fetched_only_when_its_menu_opens(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis(status=Status.IDEA)
    form_url = url("hypothesis-move-form", hypothesis.pk)
    board = admin_client.get(url("board") + "?kind=test").text
    assert f'id="move-{hypothesis.pk}"' not in board
    assert f'hx-get="{form_url}?board_query=kind%3Dtest"' in board
    assert f'data-move-url="{url("hypothesis-move", hypothesis.pk)}"' in board
    assert 'id="board-drop"' in board

    response = admin_client.get(
        form_url, {"board_query": "kind=test"}, HTTP_HX_REQUEST="true"
    )
    text = response.text
    assert "<html" not in text
    assert text.lstrip().startswith('<form method="post"')
    assert f'action="{url("hypothesis-move", hypothesis.pk)}"' in text
    options = re.findall(r'<option value="(\w+)">', text)
    assert options == ["backlog", "parked", "rejected"]
    assert 'name="board_query" value="kind=test"' in text
    assert f'name="next" value="{url("board")}?kind=test"' in text


def test_without_javascript_a_cards_move_menu_opens_the_hypothesis(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis()
    response = admin_client.get(url("hypothesis-move-form", hypothesis.pk))
    assert response["Location"] == url("hypothesis-detail", hypothesis.pk) + (
        "#pipeline-heading"
    )
    detail = admin_client.get(response["Location"]).text
    assert 'id="pipeline-heading"' in detail
    assert 'name="to_status"' in detail


def test_move_form_access_matrix(org, make_hypothesis):
    hypothesis = make_hypothesis()
    assert_access(
        url("hypothesis-move-form", hypothesis.pk),
        organisation=org,
        role=Role.EDITOR,
        htmx=True,
    )


def test_move_access_matrix_viewer_and_contributor_cannot_move(org, make_hypothesis):
    hypothesis = make_hypothesis()
    assert_access(
        url("hypothesis-move", hypothesis.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"to_status": "backlog"},
        ok=302,
        unchanged=_statuses,
    )
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.BACKLOG
    viewer = member_client(org, Role.VIEWER)
    response = viewer.post(url("hypothesis-move", hypothesis.pk), {"to_status": "idea"})
    assert response.status_code == 403
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.BACKLOG


def test_a_refused_move_says_why_as_a_message(make_hypothesis, admin_client):
    hypothesis = make_hypothesis(status=Status.BACKLOG, metric="")
    response = admin_client.post(
        url("hypothesis-move", hypothesis.pk),
        {"to_status": "ready", "next": url("board")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("board")
    assert "was not moved. It cannot be ready yet: it needs a primary metric" in (
        response.text
    )
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.BACKLOG


def test_htmx_move_answers_with_the_board_and_the_reason_next_to_the_card(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis(status=Status.IDEA)
    response = admin_client.post(
        url("hypothesis-move", hypothesis.pk),
        {"to_status": "running", "board_query": "kind=test"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.text
    assert text.lstrip().startswith('<div id="board"')
    assert "Not moved: A hypothesis cannot go from Idea to Running" in text
    # The refused card's menu is open with its form, to try another status.
    assert '<details class="board-move-menu mt-2" open>' in text
    assert f'id="move-{hypothesis.pk}"' in text
    assert response.context["filters"].form.cleaned_data["kind"] == "test"
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.IDEA


def test_htmx_move_that_works_marks_the_moved_card(make_hypothesis, admin_client):
    hypothesis = make_hypothesis(status=Status.IDEA)
    response = admin_client.post(
        url("hypothesis-move", hypothesis.pk),
        {"to_status": "parked"},
        HTTP_HX_REQUEST="true",
    )
    assert "moved to Parked" in response.text
    assert f'class="board-card just-moved" id="card-{hypothesis.pk}"' in response.text


def test_moving_to_concluded_asks_for_the_result_and_learning(
    make_hypothesis, admin_client, admin_user
):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    give_ice(hypothesis, admin_user, 5)
    conclude = url("hypothesis-conclude", hypothesis.pk)
    response = admin_client.post(
        url("hypothesis-move", hypothesis.pk), {"to_status": "concluded"}
    )
    assert response["Location"] == conclude
    response = admin_client.post(
        url("hypothesis-move", hypothesis.pk),
        {"to_status": "concluded"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == conclude
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.ANALYSING


def test_conclude_access_matrix(org, make_hypothesis):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    assert_access(
        url("hypothesis-conclude", hypothesis.pk), organisation=org, role=Role.EDITOR
    )
    assert_access(
        url("hypothesis-conclude", hypothesis.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"result": "won", "learning": "Dates beat windows."},
        ok=302,
        unchanged=_statuses,
    )
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.CONCLUDED
    assert hypothesis.result == "won"
    assert hypothesis.learning == "Dates beat windows."


def test_concluding_without_a_learning_is_refused_next_to_the_field(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk), {"result": "won", "learning": ""}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["learning"]
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.ANALYSING


def test_concluding_from_the_wrong_status_says_why(make_hypothesis, admin_client):
    hypothesis = make_hypothesis(status=Status.BACKLOG)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Too early."},
    )
    assert response.status_code == 400
    assert "cannot go from Backlog to Concluded" in response.text
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.BACKLOG


def test_a_full_column_shows_its_best_cards_and_links_to_the_rest(
    org, make_hypothesis, admin_user, admin_client
):
    for n in range(CARDS_PER_COLUMN + 3):
        hypothesis = make_hypothesis(f"Idea {n:02}")
        give_ice(hypothesis, admin_user, 1 + n % 10)
    response = admin_client.get(url("board"))
    idea = response.context["columns"][0]
    assert idea.total == CARDS_PER_COLUMN + 3
    assert len(idea.cards) == CARDS_PER_COLUMN
    scores = [card.ice_score for card in idea.cards]
    assert scores == sorted(scores, reverse=True)
    assert f"Show all {CARDS_PER_COLUMN + 3} in the list" in response.text


def test_board_queries_do_not_grow_with_cards(
    org, make_hypothesis, admin_client, django_assert_num_queries
):
    make_hypothesis("First", tags=["a"])
    admin_client.get(url("board"))
    # 14 with the query for experiments that register a guardrail.
    with django_assert_num_queries(14) as first:
        admin_client.get(url("board"))
    for n in range(30):
        status = list(Status)[n % len(Status)]
        make_hypothesis(f"More {n}", status=status, tags=["a", "b"])
    with django_assert_num_queries(len(first.captured_queries)):
        admin_client.get(url("board"))
