"""The browser checks themselves must be able to fail."""

import pytest

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
    page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'document.body.dataset.ran = "yes"';
            document.body.appendChild(s);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("document.body.dataset.ran") is None
    errors = page._checks.errors
    assert any("Content Security Policy" in e for e in errors), errors
    errors.clear()
