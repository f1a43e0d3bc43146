"""Two people edit the same hypothesis in two browsers: nobody's edit is lost."""

import pytest
from playwright.sync_api import expect

from backlog.authoring import save_hypothesis
from backlog.models import Hypothesis
from cromaturity.models import Role
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_second_editor_sees_both_versions_and_chooses(
    page, make_page, live_server, sign_in, org, admin_user, make_member
):
    make_member(org, role=Role.EDITOR, username="carla", first_name="Carla")
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title="Show delivery dates", metric="Orders"),
        by=admin_user,
    )
    edit_url = f"{live_server.url}/o/acme/backlog/{hypothesis.pk}/edit/"

    # Both open the edit page.
    sign_in(page, admin_user.username)
    page.goto(edit_url)
    assert_accessible(page)
    carla = make_page()
    sign_in(carla, "carla")
    carla.goto(edit_url)
    assert_accessible(carla)

    # Carla saves first.
    carla.get_by_label("Title").fill("Delivery dates above the fold")
    carla.get_by_role("button", name="Save").click()
    expect(carla.get_by_text("Hypothesis saved.")).to_be_visible()
    assert_accessible(carla)

    # The admin's save meets Carla's version instead of overwriting it.
    page.get_by_label("Title").fill("Delivery dates in the basket")
    page.get_by_label("Measured by").fill("Revenue per visitor")
    page.get_by_role("button", name="Save").click()
    conflict = page.get_by_role("alert").filter(has_text="was changed since")
    expect(conflict).to_contain_text(
        "This hypothesis was changed since you opened it (by Carla, "
    )
    title_row = conflict.get_by_role("row", name="Title")
    expect(title_row).to_contain_text("Delivery dates above the fold")
    expect(title_row).to_contain_text("Delivery dates in the basket")
    expect(conflict.get_by_role("row", name="Measured by")).to_contain_text(
        "Revenue per visitor"
    )
    expect(page.get_by_label("Title")).to_have_value("Delivery dates in the basket")
    assert_accessible(page)
    hypothesis.refresh_from_db()
    assert hypothesis.title == "Delivery dates above the fold"

    # Having compared, the admin keeps the title Carla chose and saves again.
    page.get_by_label("Title").fill("Delivery dates above the fold")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Hypothesis saved.")).to_be_visible()
    assert_accessible(page)
    hypothesis.refresh_from_db()
    assert (hypothesis.title, hypothesis.metric, hypothesis.version) == (
        "Delivery dates above the fold",
        "Revenue per visitor",
        3,
    )
