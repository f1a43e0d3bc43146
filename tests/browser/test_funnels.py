import pytest
from playwright.sync_api import expect

from backlog.funnels.definition import save_funnel
from backlog.models import Funnel, FunnelCount
from tests.browser.conftest import assert_accessible
from tests.fixtures.funnel_exports import layouts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_ga4_export_is_mapped_imported_and_shows_where_mobile_leaks(
    page, live_server, sign_in, org, admin_user, tmp_path, width
):
    page.set_viewport_size({"width": width, "height": 900})
    funnel = save_funnel(
        Funnel(organisation=org, name="Checkout"),
        ["Product view", "Cart", "Begin checkout", "Add payment info", "Purchase"],
    )
    export = tmp_path / "funnel-exploration.csv"
    export.write_bytes(layouts.ga4_exploration_csv(trended=True))
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/backlog/funnels/{funnel.pk}/")
    expect(page.get_by_text("No counts yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Funnel export").set_input_files(str(export))
    page.get_by_role("button", name="Read the file").click()
    expect(page.get_by_role("heading", name="Map the steps of")).to_be_visible()
    assert_accessible(page)
    # “2. Add to cart” is not a step of the funnel by name: it is chosen by hand.
    expect(page.get_by_label("2. Add to cart")).to_have_value("")
    page.get_by_label("2. Add to cart").select_option(label="Cart")
    page.get_by_role("button", name="Import the counts").click()
    expect(page.get_by_role("status").filter(has_text="imported")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Checkout").last.click()
    expect(page.get_by_text("1 Jan 2024 – 7 Jan 2024 · all traffic")).to_be_visible()
    leak = page.locator("#biggest-leak")
    expect(leak).to_contain_text("on mobile loses")
    expect(leak).to_contain_text("more than on desktop")
    assert_accessible(page)
    page.get_by_label("Segment", exact=True).select_option(label="mobile")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("1 Jan 2024 – 7 Jan 2024 · mobile")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(tmp_path / f"funnel-{width}.png"), full_page=True)
    assert FunnelCount.objects.filter(step__name="Cart").exists()
