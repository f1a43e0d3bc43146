"""The ranked list is cached under the organisation's content stamp: served again
without its queries while nothing changed, rendered afresh after any change that
it shows, and never shown to another member or for another query string.

These tests commit their writes (the stamp is renewed when a write commits), so
they run with the real cache on a transactional database.
"""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.configuration import settings_for
from backlog.evidence import link_feedback
from backlog.models import Hypothesis, Score, Tag
from cromaturity.models import Membership, Organisation, Role, Team
from tests.backlog.factories import give_ice

pytestmark = pytest.mark.django_db(transaction=True)

# Session, user, membership with its organisation; the layout's organisation menu
# and unread notifications.
CACHED_QUERIES = 5


def list_url(query: str = "") -> str:
    return reverse("backlog:hypothesis-list", args=["acme"]) + query


def get_list(client: Client, query: str = "") -> tuple[str, int]:
    """The list's main content (the layout around it carries a fresh nonce on
    every request) and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(list_url(query))
    assert response.status_code == 200
    text = response.text
    return text[text.index('<main id="main"') : text.index("</main>")], len(queries)


def stamp(organisation: Organisation) -> str:
    return Organisation.objects.get(pk=organisation.pk).content_stamp


@pytest.fixture
def listed(make_hypothesis, admin_user):
    hypothesis = make_hypothesis(
        title="Show delivery dates", owner=admin_user, tags=["mobile"]
    )
    give_ice(hypothesis, admin_user, 6)
    return hypothesis


def test_a_second_view_is_served_from_the_cache(admin_client, listed):
    first, rendered = get_list(admin_client)
    again, cached = get_list(admin_client)
    assert again == first
    assert cached <= CACHED_QUERIES < rendered
    assert "Show delivery dates" in again


def test_other_query_strings_are_rendered_for_themselves(admin_client, listed):
    get_list(admin_client)
    text, queries = get_list(admin_client, "?status=concluded")
    assert queries > CACHED_QUERIES
    assert "Show delivery dates" not in text


def _retitle(hypothesis, **_):
    hypothesis.title = "Show delivery dates early"
    hypothesis.save()
    return "Show delivery dates early"


def _score(hypothesis, client, admin_user, **_):
    prefix = f"h{hypothesis.pk}-ice"
    mine = Score.objects.get(hypothesis=hypothesis, scorer=admin_user, framework="ice")
    response = client.post(
        reverse("backlog:hypothesis-score", args=["acme", hypothesis.pk]),
        {
            "framework": "ice",
            "in": "row",
            f"{prefix}-impact": 9,
            f"{prefix}-confidence": 9,
            f"{prefix}-ease": 9,
            f"{prefix}-version": mine.version,
        },
    )
    assert response.status_code == 302
    return "Yours: 9.0"


def _tag(hypothesis, **_):
    hypothesis.tags.add(
        Tag.objects.create(organisation=hypothesis.organisation, name="returns")
    )
    return ">returns<"


def _rename_tag(hypothesis, **_):
    tag = hypothesis.tags.get(name="mobile")
    tag.name = "checkout"
    tag.save()
    return ">checkout<"


def _rename_team(hypothesis, **_):
    team = Team.objects.get(pk=hypothesis.team_id)
    team.name = "Growth squad"
    team.save()
    return "Growth squad"


def _rename_owner(hypothesis, **_):
    owner = hypothesis.owner
    owner.first_name, owner.last_name = "Ada", "Byron"
    owner.save()
    return "Ada Byron"


def _primary_framework(hypothesis, **_):
    backlog_settings = settings_for(hypothesis.organisation)
    backlog_settings.primary_framework = "pie"
    backlog_settings.save()
    return "Ranked by PIE"


def _evidence(hypothesis, make_feedback, admin_user, **_):
    link_feedback(
        hypothesis, make_feedback(customer="c-1"), by=admin_user, snippet="too late"
    )
    return "1 feedback from 1 customer"


@pytest.mark.parametrize(
    "change",
    [
        _retitle,
        _score,
        _tag,
        _rename_tag,
        _rename_team,
        _rename_owner,
        _primary_framework,
        _evidence,
    ],
)
def test_any_change_the_list_shows_renders_it_afresh(
    change, admin_client, listed, make_feedback, admin_user
):
    listed.team = Team.objects.for_org(listed.organisation).first()
    listed.save()
    before, _ = get_list(admin_client)
    get_list(admin_client)
    shown = change(
        Hypothesis.objects.get(pk=listed.pk),
        client=admin_client,
        make_feedback=make_feedback,
        admin_user=admin_user,
    )
    assert shown not in before
    after, queries = get_list(admin_client)
    assert queries > CACHED_QUERIES
    assert shown in after


def test_a_write_that_is_rolled_back_keeps_the_cache(admin_client, listed):
    get_list(admin_client)
    kept = stamp(listed.organisation)

    def retitle_then_fail():
        with transaction.atomic():
            _retitle(Hypothesis.objects.get(pk=listed.pk))
            raise RuntimeError("undone")

    with pytest.raises(RuntimeError):
        retitle_then_fail()
    assert stamp(listed.organisation) == kept
    text, queries = get_list(admin_client)
    assert queries <= CACHED_QUERIES
    assert "Show delivery dates early" not in text


def test_changes_in_another_organisation_keep_the_cache(
    admin_client, listed, other_org, make_hypothesis
):
    get_list(admin_client)
    kept = stamp(listed.organisation)
    make_hypothesis(title="Rival idea", organisation=other_org)
    assert stamp(listed.organisation) == kept
    _, queries = get_list(admin_client)
    assert queries <= CACHED_QUERIES


def test_many_writes_in_one_transaction_renew_the_stamp_once(listed):
    organisation = listed.organisation
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for n in range(5):
            listed.title = f"Version {n}"
            listed.save()
    renewals = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("UPDATE") and "content_stamp" in q["sql"]
    ]
    assert len(renewals) == 1
    assert stamp(organisation) != organisation.content_stamp


def test_members_never_see_each_others_list(org, listed, make_member):
    colleague = make_member(org, role=Role.CONTRIBUTOR)
    admin = Client()
    admin.force_login(listed.owner)
    mine, _ = get_list(admin)
    assert "Yours: 6.0" in mine
    other = Client()
    other.force_login(colleague)
    theirs, queries = get_list(other)
    assert queries > CACHED_QUERIES
    assert "Yours: 6.0" not in theirs
    assert "Score it" in theirs


def test_a_new_role_is_rendered_for_itself(org, listed, make_member):
    viewer = make_member(org, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    text, _ = get_list(client)
    assert "New hypothesis" not in text
    Membership.objects.filter(user=viewer, organisation=org).update(
        role=Role.CONTRIBUTOR
    )
    text, queries = get_list(client)
    assert queries > CACHED_QUERIES
    assert "New hypothesis" in text
