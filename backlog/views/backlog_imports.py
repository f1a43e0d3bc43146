"""Bringing a team's backlog sheet in: upload, columns, status words, progress,
the report and its downloads. Editors and admins only."""

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

from backlog.backlog_import.columns import (
    FIELDS_BY_NAME,
    ICE_PARTS,
    PIE_PARTS,
    TOOL_NAMES,
)
from backlog.backlog_import.dates import FORMAT_CHOICES
from backlog.backlog_import.importing import (
    confirm_columns,
    confirm_statuses,
    prepare_import,
    preview,
    retry_import,
    status_table,
)
from backlog.backlog_import.progress import read_progress
from backlog.backlog_import.report import NOTE_KINDS
from backlog.feedback.forms import too_big_message
from backlog.feedback.importing.problems import ImportRefused, file_deleted_message
from backlog.feedback.importing.reading import FileProblem
from backlog.forms.backlog_imports import (
    BacklogUploadForm,
    ColumnsForm,
    StatusTableForm,
)
from backlog.models import BacklogImport, BacklogImportStatus
from backlog.uploads import SizeCappedUploadHandler, original_upload, upload_context
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required
from cromaturity.spreadsheets import export_filename, restore_cell

S = BacklogImportStatus
REJECTED_SHOWN = 50


def _imports_page(request, form=None, status=200, error=""):
    imports = BacklogImport.objects.for_org(request.organisation).select_related(
        "uploaded_by"
    )
    page = Paginator(imports, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "backlog/backlogimport_list.html",
        {
            "form": form or BacklogUploadForm(),
            "page": page,
            "upload_error": error,
            "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@member_required(Role.EDITOR)
def import_list(request: OrgRequest):
    return _imports_page(request)


@member_required(Role.EDITOR)
@require_POST
@csrf_exempt
def import_create(request: OrgRequest):
    # The size is checked before the body is read, as for feedback exports; CSRF
    # is checked once the cap is in place (reading the token reads the body).
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.UPLOAD_MAX_BYTES + 64 * 1024:
        return _imports_page(request, error=too_big_message(), status=413)
    cap = SizeCappedUploadHandler(request, limit=settings.UPLOAD_MAX_BYTES)
    request.upload_handlers.insert(0, cap)
    return _import_create(request, cap)


@csrf_protect
def _import_create(request, cap):
    form = BacklogUploadForm(request.POST, request.FILES)
    if cap.exceeded:
        return _imports_page(request, error=too_big_message(), status=413)
    if not form.is_valid():
        return _imports_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        backlog_import = prepare_import(
            request.organisation,
            uploaded=upload,
            original_name=upload.name,
            by=request.user,
        )
    except FileProblem as problem:
        form.add_error("file", str(problem))
        return _imports_page(request, form, status=400)
    return redirect(backlog_import.get_absolute_url())


def _import(request: OrgRequest, backlog_import_id: int) -> BacklogImport:
    return get_in_org(
        request, BacklogImport.objects.select_related("uploaded_by"), backlog_import_id
    )


def _columns_form(backlog_import: BacklogImport, data=None) -> ColumnsForm:
    initial = {f"map_{name}": column for name, column in backlog_import.mapping.items()}
    initial.update(
        source=backlog_import.source,
        date_format=backlog_import.date_format,
        time_zone=backlog_import.time_zone,
        create_missing_pages=backlog_import.create_missing_pages,
        create_missing_tags=backlog_import.create_missing_tags,
    )
    return ColumnsForm(data, header=backlog_import.header, initial=initial)


def _mapped_fields(backlog_import: BacklogImport) -> list[tuple[str, str]]:
    return [
        (FIELDS_BY_NAME[name].label, column)
        for name, column in backlog_import.mapping.items()
        if name in FIELDS_BY_NAME
    ]


def _detail(request, backlog_import, *, columns=None, statuses=None, status=200):
    context = {
        "backlog_import": backlog_import,
        "tool_name": TOOL_NAMES.get(backlog_import.tool, ""),
        **upload_context(
            request,
            backlog_import,
            reverse(
                "backlog:import-original",
                args=[request.organisation.slug, backlog_import.pk],
            ),
        ),
    }
    step = backlog_import.status
    if step == S.MAPPED and (columns or request.GET.get("step") == "columns"):
        step = S.UPLOADED
    context["step"] = step
    if step == S.UPLOADED:
        context["form"] = columns or _columns_form(backlog_import)
        if backlog_import.file_deleted_at:
            context["file_problem"] = file_deleted_message(backlog_import)
            return render(request, "backlog/backlogimport_detail.html", context)
        try:
            context["preview"] = preview(backlog_import)
        except FileProblem as problem:
            context["file_problem"] = str(problem)
    elif step == S.MAPPED:
        context["form"] = statuses or StatusTableForm(rows=status_table(backlog_import))
        context["mapped"] = _mapped_fields(backlog_import)
        context["date_format"] = dict(FORMAT_CHOICES).get(
            backlog_import.date_format, backlog_import.date_format
        )
    if backlog_import.status in {S.QUEUED, S.RUNNING}:
        live = read_progress(backlog_import.pk)
        if live is not None:
            backlog_import.rows_read, context["phase"] = live
    if backlog_import.status == S.SUCCEEDED:
        context["rejected_rows"] = _first_rejected_rows(backlog_import)
        context["note_groups"] = [
            {"kind": kind, "label": label, **backlog_import.notes[kind]}
            for kind, label in NOTE_KINDS.items()
            if kind in backlog_import.notes
        ]
        mapping = backlog_import.mapping
        context["sheet_scores_only"] = [
            column
            for total, parts in (("ice_total", ICE_PARTS), ("pie_total", PIE_PARTS))
            if (column := mapping.get(total)) and not mapping.get(parts[0])
        ] + ([mapping["score"]] if mapping.get("score") else [])
    template = "backlog/backlogimport_detail.html"
    if request.htmx and request.GET.get("part") == "progress":
        template += "#progress"
    return render(request, template, context, status=status)


def _first_rejected_rows(backlog_import: BacklogImport) -> list[dict]:
    """The first rejected rows with their title and reason (not every cell: a
    row may quote a customer)."""
    if not backlog_import.rejected_file:
        return []
    with backlog_import.rejected_file.open("rb") as handle:
        text = io.StringIO(handle.read(512 * 1024).decode("utf-8-sig", "replace"))
    reader = csv.reader(text)
    header = next(reader, [])
    title_column = backlog_import.mapping.get("title")
    title_at = header.index(title_column) if title_column in header else None
    rows: list[dict[str, str]] = []
    for row in reader:
        if len(rows) >= REJECTED_SHOWN:
            break
        if row:
            title = (
                row[title_at] if title_at is not None and title_at < len(row) else ""
            )
            rows.append(
                {"line": row[0], "title": restore_cell(title), "reason": row[-1]}
            )
    return rows


@member_required(Role.EDITOR)
def import_detail(request: OrgRequest, backlog_import_id):
    return _detail(request, _import(request, backlog_import_id))


@member_required(Role.EDITOR)
@require_POST
def import_columns(request: OrgRequest, backlog_import_id):
    backlog_import = _import(request, backlog_import_id)
    form = _columns_form(backlog_import, request.POST)
    if not form.is_valid():
        return _detail(request, backlog_import, columns=form, status=400)
    data = form.cleaned_data
    try:
        confirm_columns(
            backlog_import,
            mapping=form.mapping(),
            source=data["source"],
            date_format=data["date_format"],
            time_zone=data["time_zone"],
            create_missing_pages=data["create_missing_pages"],
            create_missing_tags=data["create_missing_tags"],
        )
    except (ImportRefused, FileProblem) as problem:
        form.add_error(None, str(problem))
        return _detail(request, backlog_import, columns=form, status=400)
    return redirect(backlog_import.get_absolute_url())


@member_required(Role.EDITOR)
@require_POST
def import_statuses(request: OrgRequest, backlog_import_id):
    backlog_import = _import(request, backlog_import_id)
    if backlog_import.status != S.MAPPED:
        messages.error(
            request,
            "Confirm the columns first."
            if backlog_import.status == S.UPLOADED
            else "This import has already been started.",
        )
        return redirect(backlog_import.get_absolute_url())
    form = StatusTableForm(request.POST, rows=status_table(backlog_import))
    if not form.is_valid():
        return _detail(request, backlog_import, statuses=form, status=400)
    try:
        confirm_statuses(backlog_import, form.status_map())
    except ImportRefused as problem:
        form.add_error(None, str(problem))
        return _detail(request, backlog_import, statuses=form, status=400)
    return redirect(backlog_import.get_absolute_url())


@member_required(Role.EDITOR)
@require_POST
def import_retry(request: OrgRequest, backlog_import_id):
    backlog_import = _import(request, backlog_import_id)
    try:
        retry_import(backlog_import)
    except ImportRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, "The import was queued again.")
    return redirect(backlog_import.get_absolute_url())


def _download(request, backlog_import, stored, what: str):
    if not stored:
        raise Http404("This import has no such file.")
    stem = Path(backlog_import.original_name).stem
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=export_filename(request.organisation.slug, f"{stem} {what}", "csv"),
        content_type="text/csv; charset=utf-8",
    )


@member_required(Role.ADMIN)
def import_original(request: OrgRequest, backlog_import_id):
    return original_upload(
        request, _import(request, backlog_import_id), "backlog import"
    )


@member_required(Role.EDITOR)
def import_rejected(request: OrgRequest, backlog_import_id):
    backlog_import = _import(request, backlog_import_id)
    return _download(
        request, backlog_import, backlog_import.rejected_file, "rejected rows"
    )


@member_required(Role.EDITOR)
def import_report(request: OrgRequest, backlog_import_id):
    backlog_import = _import(request, backlog_import_id)
    return _download(request, backlog_import, backlog_import.report_file, "report")
