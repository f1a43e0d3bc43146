"""An admin says where the customers call from; an agent's note keeps no number."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from backlog.configuration import settings_for
from backlog.models import FeedbackItem
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_feedback_is_masked_as_the_organisations_country_writes_numbers(
    page, live_server, sign_in, org, admin_user, settings
):
    settings.PHONE_REGION = "GB"
    sign_in(page, admin_user.username)
    page.goto(live_server.url + reverse("organisation-settings", args=[org.slug]))
    backlog = page.locator("#backlog")
    expect(backlog.get_by_label("Country for phone numbers")).to_have_value("")
    expect(
        backlog.get_by_label("Country for phone numbers").locator("option").first
    ).to_have_text("The server's (GB)")
    assert_accessible(page)
    backlog.get_by_label("Country for phone numbers").select_option(
        label="United States (US)"
    )
    backlog.get_by_label("Time zone of feedback exports").select_option(
        "America/New_York"
    )
    backlog.get_by_role("button", name="Save backlog settings").click()
    expect(page.get_by_text("Backlog settings saved.")).to_be_visible()
    assert_accessible(page)
    current = settings_for(org)
    assert (current.country, current.time_zone) == ("US", "America/New_York")

    page.goto(live_server.url + reverse("feedback:item-create", args=[org.slug]))
    assert_accessible(page)
    page.get_by_label("What did the customer say?").fill(
        "Call me back on 867-5309 (not order 4500012345) or mail jo@example.org"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#feedback-text")).to_have_text(
        "Call me back on [phone] (not order 4500012345) or mail [email]"
    )
    assert_accessible(page)
    assert FeedbackItem.objects.get().text.startswith("Call me back on [phone]")
