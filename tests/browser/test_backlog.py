import re

import pytest
from playwright.sync_api import expect

from backlog.models import Hypothesis, Page, Score, Status
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import score_hypothesis
from cromaturity.models import Role
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Show delivery dates on product pages"


def _card(page, title=TITLE):
    return page.locator(".board-card", has_text=title)


def _move_with_menu(page, status):
    """Open the card's "Move to…" menu (its form loads then) and move it."""
    card = _card(page)
    if card.locator("details.board-move-menu").get_attribute("open") is None:
        card.locator("summary", has_text="Move to…").click()
    card.get_by_label(re.compile("^Move .* to$")).select_option(label=status)
    card.get_by_role("button", name=re.compile("^Move")).click()


def test_a_hypothesis_from_idea_to_learning(
    page, make_page, live_server, sign_in, org, admin_user, make_member
):
    Page.objects.create(
        organisation=org,
        name="Product page",
        daily_visitors=9500,
        baseline_conversion_rate="7.5",
    )
    make_member(org, role=Role.CONTRIBUTOR, team="Customer Service", username="sam")

    # Propose it from the ranked list.
    sign_in(page, admin_user.username)
    page.get_by_role("button", name="Backlog").click()
    page.get_by_role("link", name="Ranked list").click()
    expect(page.get_by_role("heading", name="Backlog", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="New hypothesis").first.click()
    assert_accessible(page)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Because we saw").fill("Forty chats a week ask when it arrives.")
    page.get_by_label("We expect that").fill("showing the delivery date")
    page.get_by_label("For", exact=True).fill("visitors on product pages")
    page.get_by_label("Will cause").fill("more add-to-carts")
    page.get_by_label("Page or funnel step").select_option(label="Product page")
    page.get_by_label("Tags").fill("shipping, trust")
    page.get_by_role("button", name="Add to the backlog").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("5 of 6 parts")).to_be_visible()
    assert_accessible(page)

    # Score it: ICE on its page as the first person…
    ice = page.locator("#score-ice")
    ice.get_by_label("Impact").select_option("8")
    ice.get_by_label("Confidence").select_option("6")
    ice.get_by_label("Ease").select_option("7")
    ice.get_by_role("button", name="Save my ICE score").click()
    expect(page.get_by_text("Your ICE score is saved.")).to_be_visible()
    assert_accessible(page)

    # …and from the list, without leaving it, as a colleague on a phone.
    other = make_page(viewport={"width": 390, "height": 844})
    sign_in(other, "sam")
    other.goto(f"{live_server.url}/o/acme/backlog/")
    assert_accessible(other)
    row = other.locator("tr", has_text=TITLE)
    row.get_by_text("Score it").click()
    row.get_by_label("Impact").select_option("3")
    row.get_by_label("Confidence").select_option("2")
    row.get_by_label("Ease").select_option("4")
    row.get_by_role("button", name="Save score").click()
    row = other.locator("tr", has_text=TITLE)
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(row.get_by_text("2 scorers")).to_be_visible()
    assert other.url.endswith("/o/acme/backlog/")
    assert_accessible(other)
    hypothesis = Hypothesis.objects.get(title=TITLE)
    assert Score.objects.filter(hypothesis=hypothesis, framework="ice").count() == 2
    hypothesis.refresh_from_db()
    assert hypothesis.ice_score == pytest.approx((7 + 3) / 2)

    # Across the board: drag into the backlog, then a move that is refused.
    page.get_by_role("button", name="Backlog").click()
    page.get_by_role("link", name="Board").click()
    expect(page.get_by_role("heading", name="Board", exact=True)).to_be_visible()
    assert_accessible(page)
    _card(page).drag_to(page.locator('.board-column[data-status="backlog"]'))
    expect(
        page.locator('.board-column[data-status="backlog"] .board-card', has_text=TITLE)
    ).to_be_visible()
    assert Hypothesis.objects.get(pk=hypothesis.pk).status == Status.BACKLOG
    _move_with_menu(page, "Ready")
    expect(_card(page).get_by_role("alert")).to_contain_text(
        "It cannot be ready yet: it needs a primary metric"
    )
    assert_accessible(page)
    assert Hypothesis.objects.get(pk=hypothesis.pk).status == Status.BACKLOG

    # Give it its metric, then through ready, running and analysing.
    _card(page).get_by_role("link", name=TITLE).click()
    assert_accessible(page)
    page.get_by_role("link", name="Edit").click()
    assert_accessible(page)
    page.get_by_label("Measured by").fill("Add-to-cart rate")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("6 of 6 parts")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Backlog").click()
    page.get_by_role("link", name="Board").click()
    assert_accessible(page)
    _move_with_menu(page, "Ready")
    expect(
        page.locator('.board-column[data-status="ready"] .board-card', has_text=TITLE)
    ).to_be_visible()
    _card(page).drag_to(page.locator('.board-column[data-status="running"]'))
    expect(
        page.locator('.board-column[data-status="running"] .board-card', has_text=TITLE)
    ).to_be_visible()
    _move_with_menu(page, "Analysing")
    expect(
        page.locator(
            '.board-column[data-status="analysing"] .board-card', has_text=TITLE
        )
    ).to_be_visible()
    assert_accessible(page)

    # Concluding asks for the result and the learning.
    _move_with_menu(page, "Concluded…")
    expect(page.get_by_role("heading", name=f"Conclude “{TITLE}”")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Won").check()
    page.get_by_label("Learning").fill("A concrete date beats a delivery window.")
    page.get_by_role("button", name="Conclude").click()
    expect(page.get_by_text("is concluded: Won")).to_be_visible()
    assert_accessible(page)
    hypothesis.refresh_from_db()
    assert (hypothesis.status, hypothesis.result) == (Status.CONCLUDED, "won")

    # Found again in the learnings library.
    page.get_by_role("button", name="Backlog").click()
    page.get_by_role("link", name="Learnings").click()
    assert_accessible(page)
    page.get_by_role("textbox", name="Search").fill("delivery window")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("A concrete date beats a delivery window.")).to_be_visible()
    assert_accessible(page)


# The filter menus whose longest choice does not fit their box, measured in the
# page's own font: a cut menu reads "Open (idea to anal".
CUT_MENUS = """() => [...document.querySelectorAll("#filters select")]
  .filter(select => select.offsetParent !== null)
  .map(select => {
    const style = getComputedStyle(select);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const widest = Math.max(...[...select.options].map(
      option => context.measureText(option.text).width));
    const room = select.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    return {name: select.name, widest: Math.ceil(widest), room: Math.floor(room)};
  })
  .filter(menu => menu.widest > menu.room)"""


@pytest.mark.parametrize("width", [390, 1280])
def test_every_backlog_tab_and_filter_menu_fits_a_phone_and_a_desktop(
    page, live_server, sign_in, org, admin_user, width
):
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, admin_user.username)
    for view in ("", "board/", "learnings/"):
        page.goto(f"{live_server.url}/o/acme/backlog/{view}")
        tabs = page.get_by_role("navigation", name="Backlog views").get_by_role("link")
        expect(tabs).to_have_count(7)
        for tab in tabs.all():
            box = tab.bounding_box()
            assert box["x"] >= 0, tab.text_content()
            assert box["x"] + box["width"] <= width, tab.text_content()
        if width < 992:
            page.get_by_role("button", name="Filters").click()
        expect(page.locator("#filters form")).to_be_visible()
        expect(page.locator("#filters")).not_to_have_class(re.compile("collapsing"))
        assert page.evaluate(CUT_MENUS) == []
        assert_accessible(page)


def test_a_score_given_in_the_list_moves_the_row_to_its_rank(
    page, live_server, sign_in, org, admin_user, make_member
):
    colleague = make_member(org, role=Role.EDITOR, username="carla")
    leader = Hypothesis.objects.create(organisation=org, title="Leader at 7.7")
    score_hypothesis(
        leader,
        scorer=colleague,
        framework=Framework.ICE,
        values={"impact": 7, "confidence": 8, "ease": 8},
    )
    Hypothesis.objects.create(organisation=org, title="Climber")
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/backlog/")
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("Leader at 7.7")
    climber = page.locator("tr", has_text="Climber")
    climber.get_by_text("Score it").click()
    climber.get_by_label("Impact").select_option("8")
    climber.get_by_label("Confidence").select_option("8")
    climber.get_by_label("Ease").select_option("8")
    climber.get_by_role("button", name="Save score").click()
    expect(rows.first.get_by_role("status")).to_have_text("Saved")
    expect(rows.first).to_contain_text("Climber")
    expect(rows.first.locator(".rank-cell")).to_have_text("1")
    expect(rows.nth(1)).to_contain_text("Leader at 7.7")
    expect(rows.first.locator("summary")).to_be_focused()
    expect(rows.first).to_be_in_viewport()
    assert_accessible(page)
