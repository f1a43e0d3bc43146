"""The benchmarks' harness: their own databases, Django set up, phases in fresh
processes, the results file and the printed tables."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
WORK = ROOT / "var" / "bench"
POSTGRES_SERVER = os.environ.get(
    "BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432"
)


def database_url(database: str, name: str) -> str:
    """The URL of a benchmark database, never the one `make run` uses."""
    if database == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{WORK / (name + '.sqlite3')}"
    if database == "postgres":
        return f"{POSTGRES_SERVER}/{name}"
    raise SystemExit(f"unknown database {database!r}: use sqlite or postgres")


def ensure_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database: str, name: str, *, pages: bool = False, **env: str) -> None:
    """Point Django at the benchmark database, set it up and migrate it."""
    if database == "postgres":
        ensure_postgres_database(name)
    os.environ["DATABASE_URL"] = database_url(database, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cromaturity.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("MEDIA_ROOT", str(WORK / "media"))
    # Served over plain HTTP inside the process: no redirect to HTTPS.
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if pages:
        # Pages are rendered as in production, with hashed static file names.
        call_command("collectstatic", verbosity=0, interactive=False)


def run_phase(module: str, *args: str) -> dict:
    """Run one measurement in a fresh interpreter; it prints one JSON object."""
    done = subprocess.run(  # noqa: S603 - our own module, our own arguments
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def save_results(section: str, key: str, value) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault(section, {})[key] = value
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print(
            "  ".join(
                c.rjust(w) if n else c.ljust(w)
                for c, w in zip(row, widths, strict=True)
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))


def run_module(module: str, *args: str) -> None:
    """Run a benchmark module as its own process, its output shown as it comes."""
    subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, check=True)  # noqa: S603


def reset_database(database: str, name: str) -> None:
    """Drop a benchmark's own database, so that its first import starts empty."""
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
