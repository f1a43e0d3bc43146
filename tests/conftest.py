import os

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from assessments.models import MaturityModel
from cromaturity.models import Membership, Role
from tests.cromaturity import factories

# Property tests judge results, never the clock: the test machines are shared and
# busy, so neither an example's time nor the time taken to generate inputs may
# fail a test. Tests that give their own settings keep these unless they say.
hypothesis_settings.register_profile(
    "cromaturity", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("cromaturity")


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Run background tasks inline so tests see their effects at once, and hash
    passwords cheaply (the real hasher is slow on purpose)."""
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _commits(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return (marker is not None and bool(marker.kwargs.get("transaction"))) or bool(
        {"transactional_db", "live_server"} & set(item.fixturenames)
    )


def commits(request) -> bool:
    """Whether the test commits its writes (transactional and browser tests)."""
    return _commits(request.node)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests inside a rolled-back transaction first, then those that
    commit, then those without a database. pytest-django sorts so, but pytest
    then groups tests by session-scoped parameters (Playwright's browser name)
    and can move tests that commit, and empty every table when they end, in front
    of tests that expect the data the migrations load. Sorted again, stably."""

    def order(item) -> int:
        if _commits(item):
            return 1
        uses_db = item.get_closest_marker("django_db") is not None
        return 0 if uses_db or "db" in item.fixturenames else 2

    items.sort(key=order)


@pytest.fixture(autouse=True)
def _cache(request, settings):
    """Cached pages are keyed by a content stamp renewed when a write commits.
    Tests that run inside one rolled-back transaction never commit, so they render
    every page afresh; tests that commit use the real cache, empty at the start."""
    if commits(request):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": request.node.nodeid,
            }
        }
    else:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        }


@pytest.fixture(autouse=True)
def _default_maturity_model(request):
    """Migrations load the default maturity model, and a test that commits empties
    every table when it ends: the tests that commit after it load the model again."""
    if not commits(request):
        return
    request.getfixturevalue("transactional_db")
    if not MaturityModel.objects.exists():
        call_command("load_maturity_model", verbosity=0)


@pytest.fixture
def make_user(db):
    return factories.make_user


@pytest.fixture
def make_org(db):
    return factories.make_org


@pytest.fixture
def make_member(db):
    return factories.make_member


@pytest.fixture
def org(make_org):
    return make_org(name="Acme Shop", slug="acme")


@pytest.fixture
def other_org(make_org):
    return make_org(name="Rival Retail", slug="rival")


@pytest.fixture
def admin_user(org):
    return Membership.objects.get(organisation=org, role=Role.ADMIN).user


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped browser test is a failure, whatever the reason."""
    report = yield
    if (
        report.skipped
        and os.environ.get("CI") == "true"
        and item.get_closest_marker("browser")
    ):
        report.outcome = "failed"
        report.longrepr = f"browser test skipped under CI=true: {report.longrepr}"
    return report


def pytest_terminal_summary(terminalreporter):
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if "tests/browser/" in r.nodeid
    ]
    if skipped:
        terminalreporter.write_sep(
            "!", f"{len(skipped)} BROWSER TESTS SKIPPED: install Chromium", red=True
        )
