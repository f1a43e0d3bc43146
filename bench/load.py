"""A load test against the production-like server, on the loopback only.

    python -m bench.load [--scale 25 250] [--database postgres] [--seconds 10]

Starts `bin/serve-prod` (gunicorn with 2 workers, whitenoise, the task worker,
DEBUG off) on a benchmark database, signs in as the demo admin over HTTP, then
runs wrk from a second process with 8 concurrent connections for a bounded time
against two trivial views (/healthz: one database round-trip and no session; / for
the signed-in admin: the session, the user and a redirect), the backlog list (as
served from its cache, and rendered afresh with a new query string on every
request) and a 30-respondent scorecard. Prints throughput, p50/p95 latency and
errors, and the ratio of each page's throughput to each trivial view's in the
same run.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from bench.harness import ROOT, WORK, database_url, print_table, save_results
from bench.pages import database_name, seed

PORT = 8765
HEALTHZ = "trivial view (/healthz)"
SIGNED_IN = "trivial signed-in view (/)"
LIST = "backlog list"
LIST_AFRESH = "backlog list, rendered afresh"
UNIQUE_SUFFIX = "?fresh="
CONNECTIONS = 8
TARGET_RATIO = 0.35
REPORT = """
local made = 0
function setup(thread)
  made = made + 1
  thread:set("tid", made)
end

counter = 0
if os.getenv("UNIQUE") == "1" then
  -- Every request gets a query string of its own, so nothing is served from the
  -- cache: the page is rendered afresh each time.
  request = function()
    counter = counter + 1
    return wrk.format(nil, wrk.path .. tid .. "-" .. counter)
  end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.1f %.1f %d %d\\n",
    summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(  # noqa: S603 - installs the Debian package when allowed
        [str(ROOT / "bin" / "ensure-debian-package"), "wrk"], cwd=ROOT, check=False
    )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed for the load test: apt-get install wrk")
    return found


def start_server(database: str, scale: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database, database_name(scale)),
        "HOST": "127.0.0.1",
        "PORT": str(PORT),
        "MEDIA_ROOT": str(WORK / "media"),
        "SECRET_KEY": "benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    log = (WORK / f"serve-{database}-{scale}.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own script
        [str(ROOT / "bin" / "serve-prod")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(360):  # collectstatic compresses every file on a first start
        try:
            with urllib.request.urlopen(  # noqa: S310 - loopback only
                f"http://127.0.0.1:{PORT}/healthz", timeout=2
            ) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"the server did not start: see {log.name}")


def stop_server(server: subprocess.Popen) -> None:
    # The supervisor stops gunicorn and the task workers, each in a process group
    # of its own, and gives them up to 30 s before it kills them itself.
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=40)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def sign_in() -> str:
    """The demo admin's session cookie, from the real sign-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{PORT}"
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "demo", "password": "demo"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback only
        f"{base}/accounts/login/", data=data, headers={"Referer": base}
    )
    opener.open(request)
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit("signing in as demo failed")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def paths(database: str, scale: int) -> list[tuple[str, str]]:
    query = (
        "from assessments.models import Assessment;"
        "print(Assessment.objects.filter(organisation__slug='demo', status='closed')"
        ".order_by('-closed_at').first().pk)"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database, database_name(scale)),
        "DEBUG": "1",
    }
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "shell", "-c", query],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    scorecard = done.stdout.strip().splitlines()[-1]
    return [
        (HEALTHZ, "/healthz"),
        (SIGNED_IN, "/"),
        (LIST, "/o/demo/backlog/"),
        (LIST_AFRESH, "/o/demo/backlog/" + UNIQUE_SUFFIX),
        ("scorecard, 30 respondents", f"/o/demo/assessments/{scorecard}/"),
    ]


def hammer(wrk: str, path: str, cookie: str, seconds: int) -> dict:
    script = WORK / "wrk-report.lua"
    script.write_text(REPORT)
    unique = path.endswith(UNIQUE_SUFFIX)
    done = subprocess.run(  # noqa: S603 - wrk on the loopback
        [
            wrk,
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "UNIQUE": "1" if unique else "0"},
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    requests, duration_us, p50, p95, bad_status, socket_errors = line.split()[1:]
    return {
        "requests_per_second": round(int(requests) / (int(duration_us) / 1e6), 1),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "errors": int(bad_status) + int(socket_errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[25, 250])
    parser.add_argument(
        "--database", nargs="+", choices=["sqlite", "postgres"], default=["postgres"]
    )
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    wrk = ensure_wrk()
    rows = []
    for database in args.database:
        for scale in args.scale:
            seed(database, scale)
            server = start_server(database, scale)
            try:
                cookie = sign_in()
                results = {
                    label: hammer(wrk, path, cookie, args.seconds)
                    for label, path in paths(database, scale)
                }
            finally:
                stop_server(server)
            healthz = results[HEALTHZ]["requests_per_second"]
            signed_in = results[SIGNED_IN]["requests_per_second"]
            for figures in results.values():
                rate = figures["requests_per_second"]
                figures["ratio_to_healthz"] = round(rate / healthz, 3)
                figures["ratio_to_signed_in"] = round(rate / signed_in, 3)
            save_results("load", f"{database} scale {scale}", results)
            for label, figures in results.items():
                verdict = ""
                if label == LIST:
                    ok = (
                        figures["ratio_to_signed_in"] >= TARGET_RATIO
                        and not figures["errors"]
                    )
                    verdict = "ok" if ok else "MISSED"
                rows.append(
                    [
                        database,
                        scale,
                        label,
                        figures["requests_per_second"],
                        figures["p50_ms"],
                        figures["p95_ms"],
                        figures["errors"],
                        f"{figures['ratio_to_healthz']:.0%}",
                        f"{figures['ratio_to_signed_in']:.0%}",
                        verdict,
                    ]
                )
    print_table(
        f"Load: {CONNECTIONS} concurrent clients for {args.seconds} s each, "
        "gunicorn with 2 workers",
        [
            "database",
            "scale",
            "page",
            "req/s",
            "p50 ms",
            "p95 ms",
            "errors",
            "of /healthz",
            "of signed-in",
            f"≥ {TARGET_RATIO:.0%} of signed-in",
        ],
        rows,
    )


if __name__ == "__main__":
    sys.exit(main())
