"""A new hypothesis drafted from a feedback item or a theme: a form, saved on Save."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from backlog.evidence import link_feedback
from backlog.models import Evidence, Hypothesis, Kind, Status, Theme
from cromaturity.models import Role, Team
from tests.access import assert_access

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name, args=["acme", *args])


@pytest.fixture
def author(org, make_member):
    team = Team.objects.create(organisation=org, name="Customer care")
    user = make_member(org, role=Role.CONTRIBUTOR, team=team)
    client = Client()
    client.force_login(user)
    client.team = team
    return client


def _nothing_stored():
    return Hypothesis.objects.count(), Evidence.objects.count()


def _posted(form) -> dict:
    """The drafted form as a browser would send it back, unchanged."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    return data


def test_create_from_feedback_opens_a_prefilled_form_and_saves_nothing(
    org, author, make_feedback
):
    item = make_feedback(
        "Checkout wants an account first. I gave up.", themes="checkout"
    )
    response = author.get(url("backlog:hypothesis-create") + f"?feedback={item.pk}")
    assert response.status_code == 200
    assert _nothing_stored() == (0, 0)
    initial = response.context["form"].initial
    assert initial["title"] == "Customers struggle with checkout"
    assert "“Checkout wants an account first. I gave up.”" in initial["observation"]
    assert initial["team"] == author.team.pk
    assert initial["new_tags"] == "checkout"
    assert initial["kind"] == Kind.TEST
    assert "New hypothesis" in response.text
    assert f'href="{item.get_absolute_url()}">Cancel' in response.text


def test_saving_a_hypothesis_drafted_from_feedback_links_it_as_evidence(
    org, author, make_feedback
):
    item = make_feedback("Checkout wants an account first.", themes="checkout")
    address = url("backlog:hypothesis-create") + f"?feedback={item.pk}"
    form = author.get(address).context["form"]
    response = author.post(address, _posted(form))
    hypothesis = Hypothesis.objects.get()
    assert response["Location"] == hypothesis.get_absolute_url()
    assert hypothesis.title == "Customers struggle with checkout"
    assert hypothesis.team == author.team
    assert (hypothesis.status, hypothesis.kind) == (Status.IDEA, Kind.TEST)
    assert list(hypothesis.tags.values_list("name", flat=True)) == ["checkout"]
    assert [e.feedback_item for e in Evidence.objects.all()] == [item]
    assert hypothesis.evidence_items == 1


def test_feedback_without_a_theme_leaves_the_title_to_the_author(author, make_feedback):
    item = make_feedback("The size guide is in cm only.")
    address = url("backlog:hypothesis-create") + f"?feedback={item.pk}"
    response = author.get(address)
    assert not response.context["form"].initial["title"]
    refused = author.post(address, _posted(response.context["form"]))
    assert refused.status_code == 400
    assert _nothing_stored() == (0, 0)


def test_create_from_theme_opens_a_prefilled_form_and_links_its_newest_items_on_save(
    org, author, make_feedback
):
    items = [
        make_feedback(f"Sizes run small {n}", themes="sizing", days_ago=n)
        for n in range(7)
    ]
    theme = Theme.objects.get(organisation=org, name="sizing")
    address = url("backlog:hypothesis-create") + f"?theme={theme.pk}"
    response = author.get(address)
    assert _nothing_stored() == (0, 0)
    initial = response.context["form"].initial
    assert initial["title"] == "Customers struggle with sizing"
    assert initial["observation"].startswith("7 feedback items raise “sizing”.")
    assert initial["team"] == author.team.pk
    assert f'href="{url("feedback:theme-list")}">Cancel' in response.text
    author.post(address, _posted(response.context["form"]))
    hypothesis = Hypothesis.objects.get()
    linked = set(Evidence.objects.values_list("feedback_item", flat=True))
    assert linked == {item.pk for item in items[:5]}
    assert hypothesis.evidence_items == 5


def test_a_feedback_item_of_another_organisation_is_not_drafted_nor_linked(
    other_org, author, make_feedback
):
    theirs = make_feedback("Their secret complaint", organisation=other_org)
    address = url("backlog:hypothesis-create") + f"?feedback={theirs.pk}"
    response = author.get(address)
    assert "Their secret complaint" not in response.text
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "That feedback item was not found; nothing will be linked to the new "
        "hypothesis."
    ]
    author.post(address, {"title": "Ours", "kind": "test"})
    assert Hypothesis.objects.get().title == "Ours"
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-1", ""])
def test_a_malformed_source_is_named_and_ignored(author, value):
    response = author.get(url("backlog:hypothesis-create") + f"?theme={value}")
    assert response.status_code == 200
    assert "That theme was not found" in response.text
    assert _nothing_stored() == (0, 0)


def test_drafting_from_feedback_needs_the_contributor_role(org, make_feedback):
    item = make_feedback(themes="delivery")
    assert_access(
        url("backlog:hypothesis-create") + f"?feedback={item.pk}",
        organisation=org,
        role=Role.CONTRIBUTOR,
        unchanged=_nothing_stored,
    )
    assert _nothing_stored() == (0, 0)


def test_the_feedback_page_and_the_theme_list_link_to_the_form_instead_of_saving(
    org, make_feedback, make_hypothesis, admin_client, admin_user
):
    item = make_feedback("Sizes run small", themes="sizing")
    addressed = make_feedback("Delivery late", themes="delivery")
    link_feedback(make_hypothesis(), addressed, by=admin_user)
    before = _nothing_stored()
    page = admin_client.get(item.get_absolute_url())
    assert f'href="{url("backlog:hypothesis-create")}?feedback={item.pk}"' in page.text
    themes = admin_client.get(url("feedback:theme-list"))
    assert [t.name for t in themes.context["unaddressed"]] == ["sizing"]
    sizing = Theme.objects.get(name="sizing")
    assert f'href="{url("backlog:hypothesis-create")}?theme={sizing.pk}"' in (
        themes.text
    )
    assert _nothing_stored() == before
