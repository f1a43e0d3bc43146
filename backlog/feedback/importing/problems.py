"""What can stop an import, in words for the people who uploaded the file."""


class FileProblem(Exception):
    """The file cannot be imported at all; the message says why, for people."""


class ImportRefused(Exception):
    """The import cannot go ahead as asked; the message says why, for people."""


def too_many_rows(limit: int) -> ImportRefused:
    return ImportRefused(
        f"The file has more than {limit:,} rows; split it into smaller files."
    )


def file_deleted_message(upload) -> str:
    return (
        "The uploaded file was deleted at the end of the organisation's "
        f"retention period ({upload.file_deleted_at:%d %b %Y}); upload it again."
    )


def refuse_without_file(upload) -> None:
    """Refuse a step that needs the uploaded file once retention deleted it."""
    if upload.file_deleted_at:
        raise ImportRefused(file_deleted_message(upload))


class BrokenRecord(list):
    """The cells of a record the file itself gets wrong, with what is wrong.

    Yielded in place of a record's cells so that the row is rejected with its
    reason while the rows after it are still read.
    """

    def __init__(self, cells: list[str], problem: str):
        super().__init__(cells)
        self.problem = problem
