"""The app's settings with a SQLite busy timeout of a second instead of twenty,
so that a worker test meets "database is locked" without a long wait."""

from cromaturity.settings import *  # noqa: F403
from cromaturity.settings import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    options = DATABASES["default"]["OPTIONS"]
    options["timeout"] = 1
    options["init_command"] = options["init_command"].replace(
        "busy_timeout=20000", "busy_timeout=1000"
    )
