"""Browser tests: Playwright for Python driving the system Chromium.

Every page a test visits must pass an automated accessibility check (axe-core from
the npm registry, no serious or critical violations) and must log no console
error, which includes every Content-Security-Policy violation.
"""

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.cromaturity.factories import PASSWORD

# Playwright's sync API runs an event loop in the test thread; the ORM calls that
# tests make to arrange data are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FORM_ANSWER = re.compile(
    r"Failed to load resource: the server responded with a status of "
    r"(400 \(Bad Request\)|409 \(Conflict\))"
)
# How long a step may wait for the app's own signal (an element, a text, a
# finished request) before it fails. Only an upper bound: every wait ends as
# soon as the signal comes, so the tests are as fast as the app on a quiet
# machine and still pass on a busy 2-core one running other suites beside them.
SIGNAL_TIMEOUT_MS = 30_000
expect.set_options(timeout=SIGNAL_TIMEOUT_MS)
SKIP_MESSAGE = (
    "BROWSER TESTS SKIPPED: the system Chromium is not installed "
    "(Debian package 'chromium')."
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail(SKIP_MESSAGE + " CI requires them.", pytrace=False)
        pytest.skip(SKIP_MESSAGE)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


class PageChecks:
    """What a page logged, and which visited pages had their accessibility checked."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.visited: list[str] = []
        self.checked: set[str] = set()
        # Statuses a test expects the page itself to be answered with.
        self.refusals: set[int] = set()
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("framenavigated", self._on_navigated)

    def _on_console(self, message):
        if (
            message.type == "error"
            and not self._is_form_answer(message)
            and not self._is_expected_refusal(message)
        ):
            self.errors.append(f"console error on {self.page.url}: {message.text}")

    def _is_expected_refusal(self, message) -> bool:
        """The page itself answered with a status the test said it expects."""
        return message.location.get("url") == self.page.url and any(
            message.text.startswith(
                "Failed to load resource: the server responded with a status of "
                f"{status} "
            )
            for status in self.refusals
        )

    def _is_form_answer(self, message) -> bool:
        """Chromium logs the status of the page itself when a form it posted is
        answered with the form again: 400 (invalid input) or 409 (an edit
        conflict). That is the page working, not an error of it; a resource the
        page loads (script, style, fragment) failing is still reported."""
        return (
            message.location.get("url") == self.page.url
            and FORM_ANSWER.fullmatch(message.text) is not None
        )

    def _on_navigated(self, frame):
        if frame == self.page.main_frame:
            path = urlsplit(frame.url).path
            if path and path not in self.visited:
                self.visited.append(path)


def expect_refusal(page, status: int) -> None:
    """Let the pages this test opens answer `status` (a refusal it checks)."""
    page._checks.refusals.add(status)


def assert_accessible(page) -> None:
    """Run axe-core on the current page; fail on serious or critical violations."""
    page.wait_for_load_state("load")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))
            }));
        }"""
    )
    bad = [v for v in result if v["impact"] in {"serious", "critical"}]
    assert not bad, f"accessibility violations on {page.url}:\n" + json.dumps(
        bad, indent=2
    )
    checks = getattr(page, "_checks", None)
    if checks is not None:
        checks.checked.add(urlsplit(page.url).path)


def _watch(page):
    checks = PageChecks(page)
    page._checks = checks
    page.set_default_timeout(SIGNAL_TIMEOUT_MS)
    return checks


def _verify(checks: PageChecks) -> None:
    assert not checks.errors, "\n".join(checks.errors)
    unchecked = [path for path in checks.visited if path not in checks.checked]
    assert not unchecked, f"pages visited without an accessibility check: {unchecked}"


@pytest.fixture
def context(context):
    context.add_init_script(path=str(AXE_SOURCE))
    return context


@pytest.fixture
def page(page):
    checks = _watch(page)
    yield page
    _verify(checks)


@pytest.fixture
def make_page(browser, browser_context_args):
    """Open another watched page in a fresh browser context (a second person)."""
    opened = []

    def make(**context_args):
        context = browser.new_context(**{**browser_context_args, **context_args})
        context.add_init_script(path=str(AXE_SOURCE))
        page = context.new_page()
        opened.append((context, _watch(page)))
        return page

    yield make
    for context, checks in opened:
        context.close()
        _verify(checks)


@pytest.fixture
def sign_in(live_server):
    def sign_in(page, username, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        assert_accessible(page)
        page.get_by_label("Username or email").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        assert_accessible(page)

    return sign_in
