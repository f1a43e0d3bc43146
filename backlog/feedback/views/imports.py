"""Uploading help-desk exports: mapping, progress, report and rejected rows."""

import csv
import io
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from backlog.feedback.forms import MappingForm, UploadForm, too_big_message
from backlog.feedback.importing.previewing import preview
from backlog.feedback.importing.problems import file_deleted_message
from backlog.feedback.importing.progress import read_progress_state
from backlog.feedback.importing.run import (
    FileProblem,
    ImportRefused,
    confirm_import,
    prepare_import,
    retry_import,
    save_choices,
)
from backlog.feedback.importing.stale import is_stalled, show_stalled_as_failed
from backlog.feedback.privacy import masks_contacts
from backlog.models import FeedbackImport, ImportStatus
from backlog.uploads import SizeCappedUploadHandler, original_upload, upload_context
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required
from cromaturity.spreadsheets import export_filename, restore_cell


def _imports_page(request, form=None, status=200, error=""):
    imports = FeedbackImport.objects.for_org(request.organisation).select_related(
        "uploaded_by"
    )
    page = Paginator(imports, 20).get_page(request.GET.get("page"))
    for feedback_import in page:
        show_stalled_as_failed(feedback_import)
    return render(
        request,
        "backlog/feedback/import_list.html",
        {
            "form": form or UploadForm(),
            "page": page,
            "upload_error": error,
            "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@member_required(Role.CONTRIBUTOR)
def import_list(request: OrgRequest):
    return _imports_page(request)


@member_required(Role.CONTRIBUTOR)
@require_POST
@csrf_exempt
def import_create(request: OrgRequest):
    # The size is checked before the body is read: first from the declared
    # length, then while receiving, so an oversized file is never stored. CSRF is
    # checked after the cap is in place (reading the token would read the body).
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.UPLOAD_MAX_BYTES + 64 * 1024:
        return _imports_page(request, error=too_big_message(), status=413)
    cap = SizeCappedUploadHandler(request, limit=settings.UPLOAD_MAX_BYTES)
    request.upload_handlers.insert(0, cap)
    return _import_create(request, cap)


@csrf_protect
def _import_create(request, cap):
    form = UploadForm(request.POST, request.FILES)
    if cap.exceeded:
        return _imports_page(request, error=too_big_message(), status=413)
    if not form.is_valid():
        return _imports_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        feedback_import = prepare_import(
            request.organisation,
            uploaded=upload,
            original_name=upload.name,
            by=request.user,
            mask_contacts=masks_contacts(request.organisation),
        )
    except FileProblem as problem:
        form.add_error("file", str(problem))
        return _imports_page(request, form, status=400)
    return redirect(
        "feedback:import-detail", request.organisation.slug, feedback_import.pk
    )


def _import(request: OrgRequest, feedback_import_id: int) -> FeedbackImport:
    return get_in_org(
        request,
        FeedbackImport.objects.select_related("uploaded_by"),
        feedback_import_id,
    )


def _mapping_form(feedback_import: FeedbackImport, data=None) -> MappingForm:
    initial = {
        f"map_{field}": column for field, column in feedback_import.mapping.items()
    }
    initial["source_system"] = feedback_import.source_system
    initial["date_format"] = feedback_import.date_format
    initial["time_zone"] = feedback_import.time_zone
    initial["no_date"] = feedback_import.no_date
    initial["attribute_columns"] = feedback_import.attribute_columns
    initial["html_text"] = bool(feedback_import.html_columns)
    return MappingForm(data, header=feedback_import.header, initial=initial)


def _detail(request, feedback_import, form=None, status=200):
    context = {
        "feedback_import": feedback_import,
        **upload_context(
            request,
            feedback_import,
            reverse(
                "feedback:import-original",
                args=[request.organisation.slug, feedback_import.pk],
            ),
        ),
    }
    if (
        feedback_import.status == ImportStatus.UPLOADED
        and feedback_import.file_deleted_at
    ):
        context["file_problem"] = file_deleted_message(feedback_import)
    elif feedback_import.status == ImportStatus.UPLOADED:
        context["form"] = form or _mapping_form(feedback_import)
        try:
            context["preview"] = preview(feedback_import)
        except FileProblem as problem:
            context["file_problem"] = str(problem)
    if feedback_import.status == ImportStatus.RUNNING:
        live = read_progress_state(feedback_import.pk)
        if live is not None:
            feedback_import.rows_read, context["saving"] = live
    show_stalled_as_failed(feedback_import)
    if feedback_import.status == ImportStatus.SUCCEEDED and feedback_import.rejected:
        context["rejected_rows"] = _first_rejected_rows(feedback_import)
    template = "backlog/feedback/import_detail.html"
    if request.htmx and request.GET.get("part") == "progress":
        template += "#progress"
    return render(request, template, context, status=status)


def _first_rejected_rows(feedback_import: FeedbackImport, limit: int = 50):
    with feedback_import.rejected_file.open("rb") as handle:
        text = io.StringIO(handle.read(512 * 1024).decode("utf-8-sig", "replace"))
    reader = csv.reader(text)
    next(reader, [])
    rows: list[dict] = []
    for row in reader:
        if len(rows) >= limit:
            break
        if row:
            rows.append(
                {
                    "line": row[0],
                    "reason": row[-1],
                    "cells": [restore_cell(cell) for cell in row[1:-1]],
                }
            )
    return rows


@member_required(Role.CONTRIBUTOR)
def import_detail(request: OrgRequest, feedback_import_id):
    return _detail(request, _import(request, feedback_import_id))


@member_required(Role.CONTRIBUTOR)
@require_POST
def import_confirm(request: OrgRequest, feedback_import_id):
    feedback_import = _import(request, feedback_import_id)
    form = _mapping_form(feedback_import, request.POST)
    if not form.is_valid():
        return _detail(request, feedback_import, form, status=400)
    checking = request.POST.get("action") == "check"
    try:
        if checking:
            feedback_import = save_choices(feedback_import, **form.choices())
        else:
            confirm_import(
                feedback_import,
                **form.choices(),
                save_as=form.cleaned_data["save_as"],
                by=request.user,
            )
    except ImportRefused as problem:
        form.add_error(None, str(problem))
        return _detail(request, feedback_import, form, status=400)
    url = reverse(
        "feedback:import-detail", args=[request.organisation.slug, feedback_import.pk]
    )
    return redirect(url + ("#preview-heading" if checking else ""))


@member_required(Role.CONTRIBUTOR)
@require_POST
def import_retry(request: OrgRequest, feedback_import_id):
    feedback_import = _import(request, feedback_import_id)
    try:
        if feedback_import.status == ImportStatus.RUNNING and not is_stalled(
            feedback_import
        ):
            raise ImportRefused("This import is still running.")
        retry_import(feedback_import)
    except ImportRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, "The import was queued again.")
    return redirect(
        "feedback:import-detail", request.organisation.slug, feedback_import.pk
    )


@member_required(Role.ADMIN)
def import_original(request: OrgRequest, feedback_import_id):
    return original_upload(
        request, _import(request, feedback_import_id), "feedback import"
    )


@member_required(Role.CONTRIBUTOR)
def import_rejected(request: OrgRequest, feedback_import_id):
    feedback_import = _import(request, feedback_import_id)
    if not feedback_import.rejected_file:
        raise Http404("This import rejected no rows.")
    stem = Path(feedback_import.original_name).stem
    return FileResponse(
        feedback_import.rejected_file.open("rb"),
        as_attachment=True,
        filename=export_filename(
            request.organisation.slug, f"{stem} rejected rows", "csv"
        ),
        content_type="text/csv; charset=utf-8",
    )
