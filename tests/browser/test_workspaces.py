import re

import pytest
from playwright.sync_api import expect

from cromaturity.invitations import invite_by_email
from cromaturity.models import Membership, Role
from tests.browser.conftest import assert_accessible, expect_refusal

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_create_organisation_and_switch(
    page, live_server, sign_in, org, admin_user
):
    sign_in(page, admin_user.email)
    expect(page).to_have_url(f"{live_server.url}/o/acme/")
    expect(page.get_by_role("heading", name="Acme Shop")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Acme Shop").click()
    page.get_by_role("link", name="New organisation").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Bright Bikes")
    page.get_by_role("button", name="Create organisation").click()
    expect(page).to_have_url(f"{live_server.url}/o/bright-bikes/")
    expect(page.get_by_text("Bright Bikes is ready")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Bright Bikes").click()
    page.get_by_role("menuitem", name="Acme Shop").or_(
        page.get_by_role("link", name="Acme Shop")
    ).click()
    expect(page).to_have_url(f"{live_server.url}/o/acme/")
    expect(page.get_by_role("heading", name="Acme Shop")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/o/acme/")


def test_invite_by_link_and_join_as_a_second_user(
    page, make_page, live_server, sign_in, org, admin_user
):
    sign_in(page, admin_user.username)
    page.get_by_role("link", name="Members").click()
    expect(page).to_have_url(f"{live_server.url}/o/acme/members/")
    assert_accessible(page)
    link_section = page.get_by_role("region", name="Invite by link")
    link_section.get_by_label("Role").select_option("contributor")
    link_section.get_by_role("button", name="Create link").click()
    expect(page.get_by_text("Invite link created")).to_be_visible()
    assert_accessible(page)
    invite_url = page.get_by_label("Link", exact=True).input_value()
    assert re.search(r"/join/\d+:[\w-]+/$", invite_url)

    other = make_page(viewport={"width": 390, "height": 844})
    other.goto(invite_url)
    expect(other.get_by_role("heading", name="Join Acme Shop")).to_be_visible()
    assert_accessible(other)
    other.get_by_label("Username").fill("cara")
    other.get_by_label("First name").fill("Cara")
    other.get_by_label("Last name").fill("Lopez")
    other.get_by_label("Email").fill("cara@example.test")
    other.get_by_label(re.compile(r"^\s*Password\W*$")).fill("a-long-enough-pass-42")
    other.get_by_label("Password confirmation").fill("a-long-enough-pass-42")
    other.get_by_label("Your team").select_option(label="Customer Service")
    other.get_by_role("button", name="Join Acme Shop").click()
    expect(other).to_have_url(f"{live_server.url}/o/acme/")
    expect(other.get_by_text("Welcome to Acme Shop")).to_be_visible()
    assert_accessible(other)

    membership = Membership.objects.get(user__username="cara")
    assert membership.role == Role.CONTRIBUTOR
    assert membership.team.name == "Customer Service"

    page.reload()
    expect(page.get_by_role("cell", name="Cara Lopez", exact=True)).to_be_visible()
    expect(page.get_by_text("used 1 time")).to_be_visible()


def test_an_email_invitation_opened_under_another_account_says_whose_it_is(
    page, live_server, sign_in, org, admin_user, make_user
):
    invitation = invite_by_email(
        org,
        email="invitee@example.test",
        created_by=admin_user,
        base_url=live_server.url,
    )
    make_user("intruder", email="intruder@example.test")
    sign_in(page, "intruder")
    expect_refusal(page, 403)
    page.goto(live_server.url + invitation.get_absolute_url())
    expect(
        page.get_by_role("heading", name="This invitation is for another address")
    ).to_be_visible()
    expect(page.get_by_text("was sent to invitee@example.test")).to_be_visible()
    assert_accessible(page)

    page.get_by_role(
        "button", name="Sign out and continue as invitee@example.test"
    ).click()
    expect(page.get_by_role("heading", name="Join Acme Shop")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("invitee@example.test")
    expect(page.get_by_label("Email")).to_be_disabled()
    assert_accessible(page)
    assert not Membership.objects.filter(
        user__username="intruder", organisation=org
    ).exists()
