"""The uploaded file of an import: read up to a size cap, then kept for admins
to download while retention keeps it."""

import mimetypes
from datetime import timedelta
from pathlib import Path

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404

from backlog.configuration import settings_for
from cromaturity.audit import client_ip, record_event
from cromaturity.models import AuditAction, Role


class SizeCappedUploadHandler(FileUploadHandler):
    """Stop reading an upload as soon as it passes the size cap."""

    def __init__(self, request=None, limit: int = 0):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_context(request, upload, download_url: str) -> dict:
    """What the import's page says about its original file."""
    days = settings_for(request.organisation).upload_retention_days
    return {
        "original": {
            "url": download_url,
            "can_download": request.membership.allows(Role.ADMIN),
            "retention_days": days,
            "deleted_at": upload.file_deleted_at,
            "deleted_from": upload.created_at + timedelta(days=days),
        }
    }


def original_upload(request, upload, what: str) -> FileResponse:
    if not upload.file:
        raise Http404(
            "The uploaded file was deleted at the end of the retention period."
        )
    record_event(
        AuditAction.EXPORTED,
        f"Downloaded the original upload of the {what} “{upload.original_name}”",
        actor=request.user,
        organisation=request.organisation,
        ip=client_ip(request),
    )
    content_type, _ = mimetypes.guess_type(upload.original_name)
    response = FileResponse(
        upload.file.open("rb"),
        as_attachment=True,
        filename=Path(upload.original_name).name,
        content_type=content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
