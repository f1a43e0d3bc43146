import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_fit_a_phone_and_lead_back_to_the_app(
    make_page, live_server, sign_in, org, admin_user
):
    page = make_page(viewport={"width": 390, "height": 844})
    sign_in(page, admin_user.email)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("cromaturity API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.clientWidth") == 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="Back to the app").click()
    expect(page).to_have_url(f"{live_server.url}/o/acme/")
    expect(page.get_by_role("heading", name="Acme Shop")).to_be_visible()
    assert_accessible(page)
