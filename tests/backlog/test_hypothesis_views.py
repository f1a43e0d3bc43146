import pytest
from django.test import Client
from django.urls import reverse

from backlog.configuration import update_backlog_settings
from backlog.models import Hypothesis, Kind, Score, Status, Tag
from backlog.scoring.recording import score_hypothesis
from backlog.views import shared
from cromaturity.models import Role, Team
from tests.access import assert_access, member_client
from tests.backlog.factories import give_ice

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def _scores():
    return sorted(
        Score.objects.values_list("hypothesis_id", "scorer_id", "framework", "impact")
    )


def _hypotheses():
    return sorted(Hypothesis.objects.values_list("pk", "title", "status", "metric"))


def test_list_access_matrix_and_ranking(org, make_hypothesis, admin_user):
    low = make_hypothesis("Low scorer")
    high = make_hypothesis("High scorer")
    make_hypothesis("Unscored idea")
    give_ice(low, admin_user, 3)
    give_ice(high, admin_user, 9)
    response = assert_access(url("hypothesis-list"), organisation=org)
    text = response.text
    assert (
        text.index("High scorer")
        < text.index("Low scorer")
        < text.index("Unscored idea")
    )
    assert "3 hypotheses" in text


def test_ties_in_the_ranking_go_to_the_older_hypothesis(
    org, make_hypothesis, admin_user, admin_client
):
    newer = make_hypothesis("Newer idea")
    older = make_hypothesis("Older idea")
    Hypothesis.objects.filter(pk=older.pk).update(
        created_at=newer.created_at.replace(year=newer.created_at.year - 1)
    )
    give_ice(newer, admin_user, 6)
    give_ice(older, admin_user, 6)
    text = admin_client.get(url("hypothesis-list")).text
    assert text.index("Older idea") < text.index("Newer idea")


def test_list_ranks_by_the_primary_framework_of_the_organisation(
    org, make_hypothesis, admin_user, admin_client
):

    ice_best = make_hypothesis("Best by ICE")
    pie_best = make_hypothesis("Best by PIE")
    give_ice(ice_best, admin_user, 9)
    give_ice(pie_best, admin_user, 2)
    for hypothesis, value in ((ice_best, 2), (pie_best, 9)):
        score_hypothesis(
            hypothesis,
            scorer=admin_user,
            framework="pie",
            values={"potential": value, "importance": value, "ease": value},
        )
    text = admin_client.get(url("hypothesis-list")).text
    assert text.index("Best by ICE") < text.index("Best by PIE")
    update_backlog_settings(org, primary_framework="pie")
    text = admin_client.get(url("hypothesis-list")).text
    assert text.index("Best by PIE") < text.index("Best by ICE")
    assert "Ranked by PIE" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Delivery dates", "Trust badges", "Size guide"}),
        ("status=any", {"Delivery dates", "Trust badges", "Size guide", "Old test"}),
        ("status=concluded", {"Old test"}),
        ("q=badge", {"Trust badges"}),
        ("q=returns+fit", {"Size guide"}),
        ("kind=improvement", {"Size guide"}),
        ("team=MARKETING", {"Trust badges"}),
        ("tag=TRUST", {"Trust badges"}),
        ("step=PAGE", {"Delivery dates"}),
        ("score_min=6", {"Delivery dates"}),
        ("score_max=5", {"Trust badges"}),
        ("score_min=5&score_max=5", {"Trust badges"}),
        ("framework=pie&score_min=1", set()),
        ("flag=unscored", {"Size guide"}),
        ("flag=not-scored-by-me", {"Trust badges", "Size guide"}),
        ("flag=disagreement", {"Trust badges"}),
        ("flag=too-long", {"Delivery dates"}),
        ("owner=OWNER", {"Delivery dates"}),
    ],
)
def test_list_filters(
    org, make_hypothesis, admin_user, make_member, checkout_page, query, expected
):

    marketing = Team.objects.get(organisation=org, name="Marketing")
    colleague = make_member(org, role=Role.EDITOR)
    checkout_page.daily_visitors = 10
    checkout_page.save()
    delivery = make_hypothesis(
        "Delivery dates", page=checkout_page, owner=colleague, tags=["shipping"]
    )
    badges = make_hypothesis("Trust badges", team=marketing, tags=["trust"])
    make_hypothesis(
        "Size guide",
        kind=Kind.IMPROVEMENT,
        observation="Returns because of fit",
    )
    make_hypothesis("Old test", status=Status.CONCLUDED)
    give_ice(delivery, admin_user, 8)
    give_ice(badges, colleague, 2)
    give_ice(badges, make_member(org), 8)
    query = (
        query.replace("MARKETING", str(marketing.pk))
        .replace("TRUST", str(Tag.objects.get(name="trust").pk))
        .replace("PAGE", str(checkout_page.pk))
        .replace("OWNER", str(colleague.pk))
    )
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"{url('hypothesis-list')}?{query}")
    shown = {row.hypothesis.title for row in response.context["rows"]}
    assert shown == expected


def test_a_filter_value_from_another_organisation_is_refused_not_used(
    org, other_org, make_hypothesis, admin_client
):

    make_hypothesis("Ours")
    foreign_team = Team.objects.filter(organisation=other_org).first()
    response = admin_client.get(f"{url('hypothesis-list')}?team={foreign_team.pk}")
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert [r.hypothesis.title for r in response.context["rows"]] == ["Ours"]


def test_create_access_matrix(org):
    response = assert_access(
        url("hypothesis-create"), organisation=org, role=Role.CONTRIBUTOR
    )
    assert "Because we saw" in response.text


def test_contributor_proposes_a_hypothesis_with_new_tags(org, make_member):
    response = assert_access(
        url("hypothesis-create"),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={
            "title": "  Free  returns badge ",
            "kind": "test",
            "observation": "Chats ask about returns.",
            "change": "a badge",
            "new_tags": "Returns, trust, returns",
        },
        ok=302,
        unchanged=_hypotheses,
    )
    hypothesis = Hypothesis.objects.get()
    assert hypothesis.title == "Free returns badge"
    assert hypothesis.status == Status.IDEA
    assert hypothesis.created_by == response.client_user
    assert sorted(t.name for t in hypothesis.tags.all()) == ["Returns", "trust"]
    assert response["Location"] == hypothesis.get_absolute_url()


def test_create_form_can_be_prefilled_from_the_link(admin_client):
    response = admin_client.get(
        url("hypothesis-create") + "?kind=improvement&title=Document+learnings"
    )
    form = response.context["form"]
    assert form.initial["kind"] == "improvement"
    assert form.initial["title"] == "Document learnings"


def test_a_hypothesis_without_a_title_is_refused_next_to_the_field(admin_client):
    response = admin_client.post(url("hypothesis-create"), {"kind": "test"})
    assert response.status_code == 400
    assert response.context["form"].errors["title"]
    assert not Hypothesis.objects.exists()


def test_detail_access_matrix(org, make_hypothesis, admin_user):
    hypothesis = make_hypothesis(observation="Chats ask when it arrives")
    give_ice(hypothesis, admin_user, 7)
    response = assert_access(url("hypothesis-detail", hypothesis.pk), organisation=org)
    assert "Chats ask when it arrives" in response.text
    assert 'Mean <strong class="fs-5">7.0</strong>' in response.text
    assert "2 of 6 parts" in response.text


def test_update_access_matrix_for_editors(org, make_hypothesis):
    hypothesis = make_hypothesis()
    assert_access(
        url("hypothesis-update", hypothesis.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={
            "title": "Delivery dates above the fold",
            "kind": "test",
            "version": hypothesis.version,
        },
        ok=302,
        unchanged=_hypotheses,
    )
    hypothesis.refresh_from_db()
    assert hypothesis.title == "Delivery dates above the fold"


def test_contributors_edit_their_own_ideas_only(org, make_hypothesis):
    author = member_client(org, Role.CONTRIBUTOR)
    own = make_hypothesis("Mine", by=author.user)
    theirs = make_hypothesis("Theirs")
    data = {"title": "Changed", "kind": "test", "version": 1}
    assert author.post(url("hypothesis-update", theirs.pk), data).status_code == 403
    assert author.post(url("hypothesis-update", own.pk), data).status_code == 302
    own.refresh_from_db()
    assert own.title == "Changed"
    Hypothesis.objects.filter(pk=own.pk).update(status=Status.BACKLOG)
    assert author.get(url("hypothesis-update", own.pk)).status_code == 403


def test_clearing_the_metric_of_a_ready_hypothesis_is_refused(
    org, make_hypothesis, admin_user, admin_client
):
    hypothesis = make_hypothesis(status=Status.READY)
    response = admin_client.post(
        url("hypothesis-update", hypothesis.pk),
        {"title": hypothesis.title, "kind": "test", "metric": ""},
    )
    assert response.status_code == 400
    assert "metric" in response.context["form"].errors
    hypothesis.refresh_from_db()
    assert hypothesis.metric == "Orders"


def test_editing_a_concluded_hypothesis_needs_result_and_learning(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis(status=Status.CONCLUDED)
    response = admin_client.post(
        url("hypothesis-update", hypothesis.pk),
        {
            "title": "x",
            "kind": "test",
            "metric": "Orders",
            "result": "",
            "learning": "",
        },
    )
    assert response.status_code == 400
    assert {"result", "learning"} <= set(response.context["form"].errors)
    response = admin_client.post(
        url("hypothesis-update", hypothesis.pk),
        {
            "title": "x",
            "kind": "test",
            "metric": "Orders",
            "result": "lost",
            "learning": "Corrected.",
            "version": hypothesis.version,
        },
    )
    assert response.status_code == 302
    hypothesis.refresh_from_db()
    assert (hypothesis.result, hypothesis.learning) == ("lost", "Corrected.")


def test_delete_access_matrix(org, make_hypothesis):
    hypothesis = make_hypothesis()
    assert_access(
        url("hypothesis-delete", hypothesis.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=_hypotheses,
    )
    assert not Hypothesis.objects.exists()


def test_score_access_matrix_and_viewer_cannot_score(org, make_hypothesis):
    hypothesis = make_hypothesis()
    response = assert_access(
        url("hypothesis-score", hypothesis.pk),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={
            "framework": "ice",
            "ice-impact": 8,
            "ice-confidence": 6,
            "ice-ease": 4,
            "ice-note": "Seen in chats",
        },
        ok=302,
        unchanged=_scores,
    )
    score = Score.objects.get()
    assert (score.impact, score.confidence, score.ease) == (8, 6, 4)
    assert score.scorer == response.client_user
    assert score.note == "Seen in chats"
    hypothesis.refresh_from_db()
    assert hypothesis.ice_score == 6


def test_scoring_twice_through_the_page_updates_the_score(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis()
    for version, impact in enumerate((3, 9)):
        admin_client.post(
            url("hypothesis-score", hypothesis.pk),
            {
                "framework": "pie",
                "pie-potential": impact,
                "pie-importance": 5,
                "pie-ease": 5,
                "pie-version": version,
            },
        )
    assert Score.objects.count() == 1
    assert Score.objects.get().potential == 9


def test_pxl_score_through_the_page(make_hypothesis, admin_client):
    hypothesis = make_hypothesis()
    admin_client.post(
        url("hypothesis-score", hypothesis.pk),
        {
            "framework": "pxl",
            "pxl-noticeable_in_5_seconds": "on",
            "pxl-found_in_analytics": "on",
            "pxl-pxl_ease": "3",
        },
    )
    hypothesis.refresh_from_db()
    assert hypothesis.pxl_score == 2 + 1 + 3


def test_an_incomplete_score_is_shown_with_the_missing_part(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis()
    response = admin_client.post(
        url("hypothesis-score", hypothesis.pk),
        {"framework": "ice", "ice-impact": 8, "ice-confidence": 6},
    )
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not Score.objects.exists()


def test_unknown_framework_is_a_bad_request(make_hypothesis, admin_client):
    hypothesis = make_hypothesis()
    response = admin_client.post(
        url("hypothesis-score", hypothesis.pk), {"framework": "rice"}
    )
    assert response.status_code == 400


def test_a_rows_score_form_is_fetched_only_when_opened(
    make_hypothesis, admin_client, admin_user
):
    hypothesis = make_hypothesis()
    give_ice(hypothesis, admin_user, 7)
    form_url = url("hypothesis-score-form", hypothesis.pk)
    listed = admin_client.get(url("hypothesis-list") + "?sort=title").text
    assert f'name="h{hypothesis.pk}-ice-impact"' not in listed
    assert f'hx-get="{form_url}?position=1&amp;next=' in listed
    assert "Yours: 7.0 · change" in listed

    back = url("hypothesis-list") + "?sort=title&page=2"
    response = admin_client.get(
        form_url, {"position": "3", "next": back}, HTTP_HX_REQUEST="true"
    )
    text = response.text
    assert "<html" not in text
    assert text.lstrip().startswith('<form method="post"')
    assert '<option value="7" selected>' in text
    assert 'name="position" value="3"' in text
    assert f'name="next" value="{back}"'.replace("&", "&amp;") in text


def test_without_javascript_a_rows_score_form_opens_the_hypothesis(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis()
    response = admin_client.get(url("hypothesis-score-form", hypothesis.pk))
    assert response["Location"] == url("hypothesis-detail", hypothesis.pk) + (
        "#score-ice"
    )


def test_viewers_get_no_score_form(org, make_hypothesis):
    hypothesis = make_hypothesis()
    assert_access(
        url("hypothesis-score-form", hypothesis.pk),
        organisation=org,
        role=Role.CONTRIBUTOR,
        htmx=True,
    )


def _score_from_row(client, hypothesis, rating, *, position=1, next_url=None):
    prefix = f"h{hypothesis.pk}-ice"
    data = {
        "framework": "ice",
        "in": "row",
        "position": str(position),
        f"{prefix}-impact": rating,
        f"{prefix}-confidence": rating,
        f"{prefix}-ease": rating,
    }
    if next_url is not None:
        data["next"] = next_url
    return client.post(
        url("hypothesis-score", hypothesis.pk), data, HTTP_HX_REQUEST="true"
    )


def _listed(response) -> list[str]:
    return [row.hypothesis.title for row in response.context["rows"]]


def test_scoring_from_the_list_moves_the_row_to_its_new_rank(
    make_hypothesis, admin_client, admin_user
):
    leader = make_hypothesis("Leader at 7.7")
    give_ice(leader, admin_user, 7, 8, 8)
    climber = make_hypothesis("Climber")
    response = _score_from_row(
        admin_client, climber, 8, position=2, next_url=url("hypothesis-list")
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#results"
    assert response["HX-Reswap"] == "outerHTML"
    text = response.text
    assert text.lstrip().startswith('<div id="results">')
    assert "<html" not in text
    assert _listed(response) == ["Climber", "Leader at 7.7"]
    first = text[text.index(f'<tr id="hypothesis-{climber.pk}"') :]
    first = first[: first.index("</tr>")]
    assert 'data-label="Rank">1<' in first
    assert "Yours: 8.0" in first
    assert '<span class="badge text-bg-success ms-1" role="status">Saved</span>' in (
        first
    )
    assert "autofocus" in first
    # The rows' forms go back to the list, not to the scoring address.
    assert f'&amp;next={url("hypothesis-list")}"' in text


def test_scoring_from_the_list_keeps_its_filters_and_sort(
    make_hypothesis, admin_client, admin_user
):
    alpha = make_hypothesis("Alpha")
    give_ice(alpha, admin_user, 2)
    zulu = make_hypothesis("Zulu")
    back = url("hypothesis-list") + "?kind=test&sort=title"
    response = _score_from_row(admin_client, zulu, 9, position=2, next_url=back)
    assert _listed(response) == ["Alpha", "Zulu"]
    assert 'href="?kind=test&amp;sort=ice"' in response.text


def test_a_row_scored_onto_another_page_says_where_it_went(
    make_hypothesis, admin_client, admin_user, monkeypatch
):
    monkeypatch.setattr(shared, "PAGE_SIZE", 2)
    best = make_hypothesis("Best")
    give_ice(best, admin_user, 9)
    second = make_hypothesis("Second")
    give_ice(second, admin_user, 7)
    climber = make_hypothesis("Climber")
    page_two = url("hypothesis-list") + "?page=2"
    response = _score_from_row(admin_client, climber, 8, position=3, next_url=page_two)
    assert _listed(response) == ["Second"]
    text = response.text
    assert "Your ICE score of “Climber” is saved." in text
    assert "It now ranks #2:" in text
    assert f'href="?page=1#hypothesis-{climber.pk}" autofocus>see it on page 1' in (
        text
    )


def test_a_row_scored_out_of_the_filters_says_so(make_hypothesis, admin_client):
    make_hypothesis("Waiting")
    scored = make_hypothesis("Scored now")
    back = url("hypothesis-list") + "?flag=unscored"
    response = _score_from_row(admin_client, scored, 6, next_url=back)
    assert _listed(response) == ["Waiting"]
    assert "It no longer matches these filters" in response.text
    assert Score.objects.get().hypothesis == scored


def test_inline_score_with_a_missing_part_keeps_the_row_open_with_the_error(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis()
    response = admin_client.post(
        url("hypothesis-score", hypothesis.pk),
        {"framework": "ice", "in": "row", f"h{hypothesis.pk}-ice-impact": 9},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert '<details class="inline-score" open>' in response.text
    assert "This field is required." in response.text
    assert not Score.objects.exists()


def test_inline_score_without_javascript_goes_back_to_the_list(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis()
    prefix = f"h{hypothesis.pk}-ice"
    back = url("hypothesis-list") + "?sort=title&page=2"
    response = admin_client.post(
        url("hypothesis-score", hypothesis.pk),
        {
            "framework": "ice",
            "in": "row",
            "next": back,
            f"{prefix}-impact": 5,
            f"{prefix}-confidence": 5,
            f"{prefix}-ease": 5,
        },
    )
    assert response["Location"] == back
    assert Score.objects.get().impact == 5


def test_next_pointing_elsewhere_is_ignored(make_hypothesis, admin_client):
    hypothesis = make_hypothesis()
    prefix = f"h{hypothesis.pk}-ice"
    response = admin_client.post(
        url("hypothesis-score", hypothesis.pk),
        {
            "framework": "ice",
            "in": "row",
            "next": "https://evil.example/",
            f"{prefix}-impact": 5,
            f"{prefix}-confidence": 5,
            f"{prefix}-ease": 5,
        },
    )
    assert response["Location"] == url("hypothesis-list")


def test_hypotheses_of_another_organisation_never_show(
    org, other_org, make_hypothesis, admin_client
):
    make_hypothesis("Ours")
    make_hypothesis("Theirs", organisation=other_org)
    for name in ("hypothesis-list", "board", "learning-list"):
        text = admin_client.get(url(name)).text
        assert "Theirs" not in text
    assert Hypothesis.objects.count() == 2
