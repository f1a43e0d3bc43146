"""Backing up and restoring all organisations, or one, with their uploaded files.

A backup is one ZIP file:

* ``manifest.json``: the format, what it holds (everything, or one
  organisation), the row count of each model, the uploaded files, and the
  migrations of the code that wrote it;
* ``data/NNNN-app.model.jsonl``: Django's JSON Lines serialisation of each
  model's rows, parents before children;
* ``media/...``: the uploaded files the rows refer to (feedback imports and
  their rejected rows), under their stored names.

A whole backup is restored, with its ids, into a database that has no
organisations or people yet (fresh from ``migrate``). One organisation is
restored into any database where no organisation has its address: its rows get
new ids, people are matched by username (and must have the same email), and a
maturity model that is already there is used instead of a copy. A restore is one
transaction: when anything is refused or fails, nothing is kept, files included.
"""

from cromaturity.backups.contents import (
    ORGANISATION_PATHS,
    SHARED,
    BackupError,
    BackupSummary,
    backed_up_models,
)
from cromaturity.backups.restoring import read_manifest, restore_backup
from cromaturity.backups.writing import write_backup

__all__ = [
    "ORGANISATION_PATHS",
    "SHARED",
    "BackupError",
    "BackupSummary",
    "backed_up_models",
    "read_manifest",
    "restore_backup",
    "write_backup",
]
