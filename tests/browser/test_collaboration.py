import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from backlog.authoring import save_hypothesis
from backlog.evidence import link_feedback
from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.models import Hypothesis, Status
from backlog.pipeline import move_hypothesis
from collaboration.models import Comment, Notification
from cromaturity.models import Role
from tests.assessments.factories import make_assessment
from tests.backlog.factories import give_ice
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Show delivery dates on product pages"


def test_an_agent_mentions_the_analyst_who_follows_the_bell_to_the_comment(
    page, make_page, live_server, sign_in, org, admin_user, make_member
):
    carla = make_member(
        org,
        role=Role.EDITOR,
        team="CRO",
        username="carla",
        first_name="Carla",
        last_name="Jensen",
    )
    make_member(
        org,
        role=Role.CONTRIBUTOR,
        team="Customer Service",
        username="sam",
        first_name="Sam",
        last_name="Okafor",
    )
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title=TITLE, metric="Add-to-cart", owner=carla),
        by=carla,
    )

    # The customer-service agent comments and mentions Carla, chosen from the list.
    sign_in(page, "sam")
    page.goto(f"{live_server.url}{hypothesis.get_absolute_url()}")
    assert_accessible(page)
    field = page.get_by_label("Comment")
    field.fill("We get forty chats a week asking when it arrives. @Car")
    options = page.get_by_role("listbox", name="People to mention")
    expect(options.get_by_role("option")).to_have_count(1)
    expect(options.get_by_role("option")).to_contain_text("Carla Jensen")
    assert_accessible(page)
    field.press("Enter")
    expect(field).to_have_value(
        "We get forty chats a week asking when it arrives. @carla "
    )
    field.press_sequentially("could you test this?")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Comment posted.")).to_be_visible()
    comment = Comment.objects.get()
    expect(page.locator(f"#comment-{comment.pk} .mention")).to_have_text("@carla")
    assert_accessible(page)

    # The CRO analyst sees the unread notification under the bell, on a phone,
    # and opens the latest in place with the keyboard.
    other = make_page(viewport={"width": 390, "height": 844})
    sign_in(other, "carla")
    home = other.url
    bell = other.get_by_role("link", name=re.compile(r"^Notifications.*1 unread"))
    expect(bell).to_be_visible()
    expect(bell).to_have_attribute("href", "/o/acme/notifications/")
    bell.focus()
    with other.expect_response(lambda response: "part=latest" in response.url):
        other.keyboard.press("Enter")
    menu = other.locator("#bell-narrow-menu")
    expect(menu.get_by_role("status")).to_have_text("Latest notifications · 1 unread")
    expect(bell).to_have_attribute("aria-expanded", "true")
    assert other.url == home
    box = menu.bounding_box()  # the whole menu is on the phone's screen
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert_accessible(other)
    other.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(bell).to_be_focused()
    with other.expect_response(lambda response: "part=latest" in response.url):
        other.keyboard.press("Enter")
    title = f"Sam Okafor mentioned you on “{TITLE}”"
    item = menu.get_by_role("link", name=re.compile(re.escape(title)))
    expect(item).to_be_visible()
    other.keyboard.press("Tab")
    expect(item).to_be_focused()
    other.keyboard.press("Enter")
    other.wait_for_url(re.compile(rf"#comment-{comment.pk}$"))
    expect(other.locator(f"#comment-{comment.pk}")).to_contain_text(
        "could you test this?"
    )
    assert_accessible(other)
    bell = other.get_by_role("link", name="Notifications", exact=True)
    expect(bell).to_be_visible()
    # The whole list is a link away, and its titles are links too.
    bell.click()
    menu.get_by_role("link", name="All notifications").click()
    expect(other.get_by_role("heading", name="Notifications")).to_be_visible()
    assert_accessible(other)
    expect(other.get_by_role("link", name=title, exact=True)).to_have_attribute(
        "href", re.compile(r"/notifications/\d+/open/$")
    )
    assert Notification.objects.get(recipient=carla).read_at is not None


def test_the_agent_learns_how_the_test_turned_out(
    page, live_server, sign_in, org, admin_user, make_member
):
    carla = make_member(org, role=Role.EDITOR, team="CRO", username="carla")
    sam = make_member(
        org, role=Role.CONTRIBUTOR, team="Customer Service", username="sam"
    )
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title=TITLE, metric="Add-to-cart"), by=carla
    )
    item = record_feedback(
        org,
        FeedbackInput(text="When will my tent arrive?", source="chat"),
        by=sam,
        team=None,
        mask_contacts=False,
        pseudonym_key=b"k",
    )
    link_feedback(hypothesis, item, by=sam)
    give_ice(hypothesis, carla, 7)
    for status in (Status.BACKLOG, Status.READY, Status.RUNNING, Status.ANALYSING):
        move_hypothesis(hypothesis, status, by=carla)
    move_hypothesis(
        hypothesis,
        Status.CONCLUDED,
        by=carla,
        result="won",
        learning="A concrete date beats a delivery window.",
    )
    # Transactional tests empty the tables; the default model comes back.
    call_command("load_maturity_model", stdout=StringIO())
    make_assessment(org)

    sign_in(page, "sam")  # lands on the dashboard
    expect(page.get_by_role("heading", name="Recent learnings")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    menu = page.locator("#bell-wide-menu")
    expect(
        menu.get_by_role("link", name=re.compile("your feedback supported"))
    ).to_contain_text(f"“{TITLE}” won")
    assert_accessible(page)
    menu.get_by_role("link", name="All notifications").click()
    expect(
        page.get_by_role("link", name=re.compile("your feedback supported"))
    ).to_contain_text(f"“{TITLE}” won")
    expect(
        page.get_by_text("Learning: A concrete date beats a delivery window.")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Email settings").click()
    assert_accessible(page)
    page.get_by_role("group", name="Someone mentions you").get_by_label(
        "In the daily digest"
    ).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    expect(page.get_by_role("note")).to_contain_text("concluded won")
    assert_accessible(page)
    page.get_by_text("Change history").click()
    expect(page.get_by_text("linked", exact=False).first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What").select_option(label="Concluded a test")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".activity-list li")).to_have_count(1)
    assert_accessible(page)

    page.goto(f"{live_server.url}/o/acme/assessments/")
    assert_accessible(page)
    page.get_by_role("link", name="Maturity check").first.click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Discuss S1")).click()
    expect(page.get_by_role("heading", name=re.compile("S1"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Comment").fill("Our teams see this differently.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Our teams see this differently.")).to_be_visible()
    assert_accessible(page)


def test_a_new_organisations_home_leads_to_the_first_steps(
    page, live_server, sign_in, org, admin_user
):
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/")
    themes = page.locator("section", has=page.locator("#themes-heading"))
    expect(themes).to_contain_text("No customer feedback yet.")
    expect(themes).not_to_contain_text("Every theme customers raise")
    top = page.locator("section", has=page.locator("#top-heading"))
    expect(top).to_contain_text("The backlog is empty.")
    assert_accessible(page)
    themes.get_by_role("link", name="Add feedback").click()
    expect(
        page.get_by_role("heading", name=re.compile("feedback", re.I))
    ).to_be_visible()
    assert_accessible(page)
