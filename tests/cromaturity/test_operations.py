import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.utils import OperationalError

from cromaturity.models import Membership, Organisation

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    counts = (Organisation.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Organisation.objects.count(), Membership.objects.count()) == counts
    out = capsys.readouterr().out
    assert "exists; kept its data" in out
    assert "Demo login: username “demo”, password “demo”" in out


def test_seed_demo_demo_login_works(client):
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"username": "demo", "password": "demo"})
    assert response.status_code == 302
    assert client.get("/o/demo/").status_code == 200


def test_seed_demo_scale_adds_people():
    call_command("seed_demo", scale=3)
    assert Membership.objects.filter(organisation__slug="demo").count() == 7 * 3


def test_seed_demo_refuses_bad_scale():

    with pytest.raises(CommandError, match="--scale"):
        call_command("seed_demo", scale=0)


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.text
    assert " style=" not in response.text


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_sqlite_runs_in_wal_mode_with_immediate_transactions(settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def _run_manage(*args, env_extra):
    local_only = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in local_only}
    env.update(env_extra)
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "cro.example.com",
    "EMAIL_HOST": "smtp.example.com",
}


def test_production_settings_pass_the_deploy_check():
    result = _run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.findall(r"\(([a-z_]+\.[EW]\d+)\)", output) == [], output
    # Only the reminder about HSTS preloading is silenced, by its id.
    assert "(1 silenced)" in output


def test_the_deploy_check_fails_on_a_weak_secret_key():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={**PRODUCTION, "SECRET_KEY": "short-and-guessable"},
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_cookies_are_secure_and_out_of_reach_of_scripts():
    result = _run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SESSION_COOKIE_SAMESITE)",
        env_extra=PRODUCTION,
    )
    assert result.stdout.split() == ["True"] * 6 + ["Lax"], result.stderr


def test_missing_secret_key_without_debug_is_a_clear_error():
    result = _run_manage("check", env_extra={"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_find_python_picks_312_or_newer():
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [str(ROOT / "bin" / "find-python")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHON": "/nonexistent/python"},
    )
    python = result.stdout.strip()
    version = subprocess.run(  # noqa: S603 - path found above
        [python, "-c", "import sys; print(sys.version_info[:2] >= (3, 12))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "True"


def test_the_session_and_csrf_cookies_are_out_of_reach_of_scripts(client, make_user):
    make_user("ada")
    page = client.get("/accounts/login/")
    assert page.cookies["csrftoken"]["httponly"] is True
    response = client.post(
        "/accounts/login/", {"username": "ada", "password": "correct-horse-battery"}
    )
    session = response.cookies["sessionid"]
    assert (session["httponly"], session["samesite"]) == (True, "Lax")


def _site_url(**env_extra):
    result = _run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SITE_URL)",
        env_extra={"DEBUG": "1", **env_extra},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "site_url"),
    [
        ({"HOST": "127.0.0.1", "PORT": "8301"}, "http://127.0.0.1:8301"),
        ({"PORT": "8301"}, "http://127.0.0.1:8301"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),  # noqa: S104
        ({"HOST": "::1", "PORT": "9000"}, "http://[::1]:9000"),
        ({"HOST": "cro.local", "PORT": "8000"}, "http://cro.local:8000"),
        (
            {
                "HOST": "127.0.0.1",
                "PORT": "8301",
                "SITE_URL": "https://cro.example.com/",
            },
            "https://cro.example.com",
        ),
    ],
)
def test_links_in_emails_follow_the_host_and_port_unless_site_url_is_set(env, site_url):
    without = {"HOST": "", "PORT": "", "SITE_URL": ""}
    assert _site_url(**{**without, **env}) == site_url


def test_serve_dev_hands_its_host_and_port_to_the_server_and_workers(tmp_path):
    # A stand-in for the virtualenv's python reports the environment it was given.
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho "HOST=$HOST PORT=$PORT"\n')
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in {"HOST", "PORT"}}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [str(ROOT / "bin" / "serve-dev"), "127.0.0.1", "8301"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "http://127.0.0.1:8301/" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "HOST=127.0.0.1 PORT=8301"


def test_make_run_hands_host_and_port_to_what_it_starts():
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["make", "-s", "-f", "-", "-f", "Makefile", "show", "PORT=8301"],  # noqa: S607
        cwd=ROOT,
        input='show:\n\t@echo "HOST=$$HOST PORT=$$PORT"\n',
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "HOST=127.0.0.1 PORT=8301"


def test_static_files_keep_their_long_cache_header_in_production():
    # WhiteNoise answers static files before the no-store middleware sees them.
    result = _run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; m = settings.MIDDLEWARE; "
        "print(m.index('whitenoise.middleware.WhiteNoiseMiddleware') "
        "< m.index('cromaturity.cache_headers.PrivateNoStoreMiddleware'))",
        env_extra=PRODUCTION,
    )
    assert result.stdout.strip() == "True", result.stderr
