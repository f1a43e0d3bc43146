"""The browser checks themselves must be able to fail."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_accessibility_check_fails_on_an_unlabelled_field(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    page.evaluate("document.querySelector('label[for=id_username]').remove()")
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page)


def test_inline_script_is_blocked_and_reported(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    with page.expect_console_message(
        lambda message: "Content Security Policy" in message.text
    ):
        page.evaluate(
            """() => {
                const s = document.createElement('script');
                s.textContent = 'document.body.dataset.ran = "yes"';
                document.body.appendChild(s);
            }"""
        )
    assert page.evaluate("document.body.dataset.ran") is None
    errors = page._checks.errors
    assert any("Content Security Policy" in e for e in errors), errors
    errors.clear()


def test_a_missing_resource_is_reported_but_a_form_answered_again_is_not(
    page, live_server, sign_in, admin_user
):
    sign_in(page, admin_user.username)
    with page.expect_console_message(lambda message: "status of 404" in message.text):
        page.evaluate(
            """() => {
                const img = document.createElement('img');
                img.alt = '';
                img.src = '/static/missing-image.png';
                document.body.appendChild(img);
            }"""
        )
    errors = page._checks.errors
    assert any("status of 404" in e for e in errors), errors
    errors.clear()
    # A form answered again with its errors (status 400) is the page working:
    # the check ignores the page's own status, never a resource's.
    page.goto(f"{live_server.url}/o/acme/backlog/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Add to the backlog").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    assert_accessible(page)
    assert not errors, errors


CLOCK_WAITS = re.compile(r"wait_for_timeout\(|time\.sleep\(|asyncio\.sleep\(")


def test_browser_tests_wait_for_signals_never_for_the_clock():
    """A fixed pause passes on a quiet machine and fails on a busy one."""
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(Path(__file__).parent.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if CLOCK_WAITS.search(line) and "CLOCK_WAITS" not in line
    ]
    assert not offenders, f"clock waits in browser tests: {offenders}"
