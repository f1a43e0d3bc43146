"""Three colleagues from two teams answer; the facilitator agrees a level."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import AgreedLevel, Answer, AssessmentStatus, Response
from cromaturity.models import Role
from tests.assessments.factories import add_response, make_assessment
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

STEPS = {
    "Strategy & Culture": ["S1", "S2", "S3", "S4", "S5", "S6"],
    "Tools & Tech": ["T1", "T2", "T3", "T4", "T5"],
    "People & Skills": ["P1", "P2", "P3", "P4", "P5"],
    "Process & Methodology": ["M1", "M2", "M3", "M4", "M5"],
}


def choose(page, key, choice):
    point = page.get_by_role("group", name=re.compile(rf"^{key} "))
    if choice == "na":
        radio = point.get_by_role("radio", name="Not applicable")
    elif choice == "dk":
        radio = point.get_by_role("radio", name="Don't know")
    else:
        radio = point.get_by_role("radio", name=re.compile(rf"Level {choice} · "))
    radio.check()
    expect(page.locator(f"#status-{key}")).to_contain_text("Saved")


def open_questionnaire(page, live_server, team=None):
    page.goto(f"{live_server.url}/o/acme/assessments/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Answer")).click()
    expect(page.get_by_role("heading", name=re.compile("Spring check"))).to_be_visible()
    assert_accessible(page)
    if team:
        page.get_by_label("I answer as a member of").select_option(label=team)
    page.get_by_role("button", name=re.compile("^(Start|Continue)$")).click()
    expect(page.get_by_role("heading", name=re.compile("Step 1 of 4"))).to_be_visible()
    assert_accessible(page)


def answer_steps(page, levels, default, *, skip=()):
    """Answer every point not in `skip`, step by step, then submit."""
    for pillar, keys in STEPS.items():
        expect(page.get_by_role("heading", name=re.compile(pillar))).to_be_visible()
        for key in keys:
            if key not in skip:
                choose(page, key, levels.get(key, default))
        button = page.get_by_role("button", name=re.compile("^Save and"))
        button.click()
        page.wait_for_load_state()
        assert_accessible(page)
    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.get_by_text("21 / 21 answered")).to_be_visible()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_text("your answers are submitted")).to_be_visible()
    assert_accessible(page)


@pytest.fixture
def people(org, make_member, admin_user):
    return {
        "facilitator": admin_user,
        "alice": make_member(
            org, role=Role.CONTRIBUTOR, team="CRO", username="alice", first_name="Alice"
        ),
        "bob": make_member(
            org,
            role=Role.CONTRIBUTOR,
            team="Customer Service",
            username="bob",
            first_name="Bob",
        ),
        "cara": make_member(
            org,
            role=Role.CONTRIBUTOR,
            team="Customer Service",
            username="cara",
            first_name="Cara",
        ),
    }


def test_three_colleagues_answer_and_the_facilitator_reaches_consensus(
    page, make_page, live_server, sign_in, org, people
):
    # The facilitator opens an assessment.
    sign_in(page, people["facilitator"].username)
    page.get_by_role("link", name="Assessments").click()
    assert_accessible(page)
    page.get_by_role("link", name="New assessment").first.click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Spring check")
    page.get_by_label("Period").fill("Q2 2026")
    page.get_by_role("button", name="Create and open for answers").click()
    expect(page.get_by_role("heading", name="Spring check")).to_be_visible()
    assert_accessible(page)
    scorecard_url = page.url

    # Alice (CRO) answers on a desktop, reloading half-way through the first step.
    alice = make_page()
    sign_in(alice, "alice")
    open_questionnaire(alice, live_server)
    choose(alice, "S1", 4)
    choose(alice, "S2", 3)
    alice.get_by_label("Evidence or comment").nth(1).fill("Sponsor reviews results.")
    expect(alice.locator("#status-S2")).to_contain_text("with evidence")
    expect(alice.get_by_text("2 / 21 answered")).to_be_visible()
    alice.reload()
    assert_accessible(alice)
    expect(alice.get_by_text("2 / 21 answered")).to_be_visible()
    s1 = alice.get_by_role("group", name=re.compile("^S1 "))
    expect(s1.get_by_role("radio", name=re.compile("Level 4 · "))).to_be_checked()
    expect(alice.get_by_label("Evidence or comment").nth(1)).to_have_value(
        "Sponsor reviews results."
    )
    answer_steps(alice, {"S4": 5, "T3": "na"}, 4, skip={"S1", "S2"})

    # Bob (Customer Service) answers on a phone and sees the customer side lower.
    bob = make_page(viewport={"width": 390, "height": 844})
    sign_in(bob, "bob")
    open_questionnaire(bob, live_server)
    answer_steps(bob, {"S4": 1}, 2)

    # Cara (Customer Service) does not know about the testing platform.
    cara = make_page()
    sign_in(cara, "cara")
    open_questionnaire(cara, live_server)
    answer_steps(cara, {"S4": 1, "T3": "dk"}, 2)

    assert Response.objects.filter(submitted_at__isnull=False).count() == 3
    assert Answer.objects.count() == 63
    assert Answer.objects.get(
        response__respondent__username="alice", point__key="S2"
    ).evidence == ("Sponsor reviews results.")

    # The facilitator freezes the answers and records consensus on S4.
    page.goto(scorecard_url)
    assert_accessible(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Move to consensus").click()
    expect(page.get_by_text("Answers are now frozen")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Consensus")).click()
    expect(page.get_by_role("heading", name="Consensus")).to_be_visible()
    assert_accessible(page)
    expect(page.locator("#agreed-count")).to_have_text(
        "0 of 21 points have an agreed level."
    )
    s4 = page.locator("#consensus-S4")
    s4.get_by_label("Agreed level for S4").select_option("3")
    s4.get_by_label("Rationale for S4").fill("Roadmap covers tests, not tickets.")
    s4.get_by_role("button", name="Save").click()
    expect(page.locator("#consensus-S4")).to_contain_text("Saved")
    expect(page.locator("#agreed-count")).to_have_text(
        "1 of 21 points has an agreed level."
    )
    expect(page.locator("#agreed-count")).to_have_count(1)
    agreed = AgreedLevel.objects.get()
    assert (agreed.point.key, agreed.level) == ("S4", 3)

    # The scorecard shows the radar, the disagreement and the weakest points.
    page.goto(scorecard_url)
    assert_accessible(page)
    radar = page.locator("svg#radar")
    expect(radar).to_be_visible()
    expect(radar.locator("polygon[data-series]")).to_have_count(3)
    expect(radar.locator('polygon[data-series="CRO (1)"]')).to_have_count(1)
    expect(radar.locator('polygon[data-series="Customer Service (2)"]')).to_have_count(
        1
    )
    s4_row = page.locator("#row-S4")
    expect(s4_row).to_contain_text("Disagreement")
    expect(s4_row).to_contain_text("3 Defined")
    expect(s4_row).to_contain_text("2.33")
    weakest = page.get_by_role("region", name="The three weakest points")
    expect(weakest.get_by_text("Next step:")).to_have_count(3)
    expect(page.get_by_test_id("overall-level")).to_contain_text("2 Developing")

    # Answers are frozen for respondents now.
    alice.goto(f"{live_server.url}{scorecard_url.split(live_server.url)[1]}respond/S/")
    assert_accessible(alice)
    expect(alice.get_by_text("answers can no longer change")).to_be_visible()
    assert Response.objects.first().assessment.status == AssessmentStatus.CONSENSUS


CHART_TEXT = """(svg) => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll("text")].map((text) => {
        const r = text.getBoundingClientRect();
        return {
            text: text.textContent,
            px: scale * parseFloat(text.getAttribute("font-size")),
            inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5,
        };
    });
}"""


@pytest.mark.parametrize(
    ("width", "visible", "hidden"),
    [(1280, "#trend", "#trend-narrow"), (390, "#trend-narrow", "#trend")],
)
def test_trend_labels_fit_and_stay_readable_on_a_desktop_and_a_phone(
    make_page,
    live_server,
    sign_in,
    org,
    admin_user,
    make_member,
    width,
    visible,
    hidden,
):
    member = make_member(org)
    for period in ("Q1 2026", "Q2 2026", "Q3 2026"):
        closed = make_assessment(org, period=period, status=AssessmentStatus.CLOSED)
        add_response(closed, member, default=3)
    page = make_page(viewport={"width": width, "height": 900})
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/assessments/")
    assert_accessible(page)
    chart = page.locator(f"svg{visible}")
    expect(chart).to_be_visible()
    expect(page.locator(f"svg{hidden}")).to_be_hidden()
    texts = chart.evaluate(CHART_TEXT)
    assert "Q3 2026" in [t["text"] for t in texts]
    assert [t["text"] for t in texts if not t["inside"]] == []
    assert min(t["px"] for t in texts) >= 10


def test_moving_to_consensus_names_and_reminds_who_has_not_submitted(
    page, live_server, sign_in, org, people
):
    assessment = make_assessment(org, title="Spring check", period="Q2 2026")
    add_response(assessment, people["alice"], default=3)
    add_response(
        assessment,
        people["bob"],
        team="Customer Service",
        submitted=False,
        only={"S1", "S2", "S3"},
    )
    sign_in(page, people["facilitator"].username)
    page.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    assert_accessible(page)
    page.get_by_role("link", name="Move to consensus…").click()
    expect(
        page.get_by_role("heading", name="Move “Spring check” to consensus?")
    ).to_be_visible()
    assert_accessible(page)
    waiting = page.get_by_role("region", name="Started but not submitted")
    expect(waiting.get_by_role("listitem")).to_have_text(
        re.compile(r"^Bob .*\(Customer Service\) · answered 3 of 21 · started ")
    )
    waiting.get_by_role("button", name="Remind them to submit").click()
    expect(
        page.get_by_text("Reminded 1 colleague to submit their answers")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Move to consensus anyway").click()
    expect(page.get_by_text("Answers are now frozen")).to_be_visible()
    assert_accessible(page)
    not_counted = page.get_by_role(
        "region", name="Not counted: started but never submitted"
    )
    expect(not_counted).to_contain_text("answered 3 of 21")
    assessment.refresh_from_db()
    assert assessment.in_consensus
    assert Answer.objects.filter(response__respondent=people["bob"]).count() == 3


# Point headings (fieldset legends) that stick out of the top of their card.
LEGENDS_OUT_OF_CARD = """() => [...document.querySelectorAll("fieldset.point-card")]
  .map(card => {
    const legend = card.querySelector("legend").getBoundingClientRect();
    const box = card.getBoundingClientRect();
    return {
      point: card.id, legendTop: legend.top, legendLines: legend.height,
      cardTop: box.top + parseFloat(getComputedStyle(card).borderTopWidth),
    };
  })
  .filter(point => point.legendTop < point.cardTop)"""


def test_long_point_headings_stay_inside_their_card_on_a_phone(
    page, live_server, sign_in, org, people
):
    make_assessment(org, title="Spring check", period="Q2 2026")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "alice")
    open_questionnaire(page, live_server)
    heading = page.get_by_role("group", name=re.compile("^S1 "))
    assert heading.locator("legend").bounding_box()["height"] > 40  # two lines
    for pillar in STEPS:
        expect(page.get_by_role("heading", name=re.compile(pillar))).to_be_visible()
        assert page.evaluate(LEGENDS_OUT_OF_CARD) == []
        if pillar != "Process & Methodology":
            page.get_by_role("button", name=re.compile("^Save and")).click()
            page.wait_for_load_state()
            assert_accessible(page)
