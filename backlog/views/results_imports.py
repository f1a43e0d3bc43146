"""Bringing a testing tool's results file into one experiment: the upload, the
preview with the mapping of names, and the report. Editors and admins only."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from backlog.experiments.results_files import ResultsFileError
from backlog.experiments.results_files.reading import MAX_BYTES
from backlog.experiments.results_importing import (
    ResultsImportRefused,
    apply_results_import,
    left_out,
    metric_targets,
    names_in,
    prepare_results_import,
    same_file_applied,
    stored_rows,
    tool_label,
    variant_targets,
)
from backlog.forms.results_imports import (
    ResultsMappingForm,
    ResultsUploadForm,
    too_big_message,
)
from backlog.models import Experiment, ResultsImport, ResultsImportStatus
from backlog.uploads import SizeCappedUploadHandler
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required

PREVIEW_ROWS = 20
NOTHING_CHANGED = "Nothing changed: these are the results already stored."


def _detail_url(request: OrgRequest, results_import: ResultsImport) -> str:
    return reverse(
        "backlog:results-import-detail",
        args=[request.organisation.slug, results_import.pk],
    )


def _upload_page(request, experiment, form=None, *, error="", status=200):
    return render(
        request,
        "backlog/resultsimport_form.html",
        {
            "experiment": experiment,
            "hypothesis": experiment.hypothesis,
            "form": form or ResultsUploadForm(),
            "upload_error": error,
        },
        status=status,
    )


@member_required(Role.EDITOR)
@csrf_exempt
def results_import_create(request: OrgRequest, experiment_id):
    experiment = get_in_org(
        request, Experiment.objects.select_related("hypothesis"), experiment_id
    )
    if request.method != "POST":
        return _upload_page(request, experiment)
    # The size is checked before the body is read, as for the other imports;
    # CSRF once the cap is in place (reading the token reads the body).
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > MAX_BYTES + 64 * 1024:
        return _upload_page(request, experiment, error=too_big_message(), status=413)
    cap = SizeCappedUploadHandler(request, limit=MAX_BYTES)
    request.upload_handlers.insert(0, cap)
    return _results_import_create(request, experiment, cap)


@csrf_protect
def _results_import_create(request, experiment, cap):
    form = ResultsUploadForm(request.POST, request.FILES)
    if cap.exceeded:
        return _upload_page(request, experiment, error=too_big_message(), status=413)
    if not form.is_valid():
        return _upload_page(request, experiment, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        results_import = prepare_results_import(
            experiment,
            upload.read(),
            filename=upload.name,
            tool=form.cleaned_data["tool"] or None,
            by=request.user,
        )
    except ResultsFileError as problem:
        form.add_error("file", str(problem))
        return _upload_page(request, experiment, form, status=400)
    return redirect(_detail_url(request, results_import))


def _import(request: OrgRequest, results_import_id) -> ResultsImport:
    return get_in_org(
        request,
        ResultsImport.objects.select_related("experiment__hypothesis", "uploaded_by"),
        results_import_id,
    )


def _mapping_form(results_import: ResultsImport, data=None) -> ResultsMappingForm:
    experiment = results_import.experiment
    variant_names, metric_names = names_in(stored_rows(results_import))
    return ResultsMappingForm(
        data,
        variant_names=variant_names,
        metric_names=metric_names,
        variants=variant_targets(experiment),
        metrics=metric_targets(experiment),
        mapping=results_import.mapping,
    )


def _preview(request, results_import, form=None, problems=(), status=200):
    form = form or _mapping_form(results_import)
    if form.is_bound and form.is_valid():
        variants, metrics = form.choices()
    else:
        variants = results_import.mapping.get("variants", {})
        metrics = results_import.mapping.get("metrics", {})
    rows = stored_rows(results_import)
    return render(
        request,
        "backlog/resultsimport_detail.html",
        {
            **_context(results_import),
            "form": form,
            "problems": problems,
            "metric_rows": list(zip(form.metric_fields, _measures(rows), strict=True)),
            "rows": rows[:PREVIEW_ROWS],
            "row_count": len(rows),
            "same_file": same_file_applied(results_import),
            "left_out": left_out(results_import.experiment, variants, metrics),
        },
        status=status,
    )


def _measures(rows) -> list[str]:
    """What the file gives for each of its metrics, in words."""
    kinds: dict[str, set[bool]] = {}
    for row in rows:
        kinds.setdefault(row.metric, set()).add(row.conversions is not None)
    words = {
        frozenset({True}): "conversions",
        frozenset({False}): "sum and sum of squares",
    }
    return [
        words.get(frozenset(has), "conversions on some rows, sums on others")
        for has in kinds.values()
    ]


def _context(results_import: ResultsImport) -> dict:
    experiment = results_import.experiment
    return {
        "results_import": results_import,
        "experiment": experiment,
        "hypothesis": experiment.hypothesis,
        "tool_label": tool_label(results_import.tool),
        "rejected": results_import.report.get("rejected", []),
    }


@member_required(Role.EDITOR)
def results_import_detail(request: OrgRequest, results_import_id):
    results_import = _import(request, results_import_id)
    if results_import.status == ResultsImportStatus.PREVIEW:
        return _preview(request, results_import)
    return render(
        request,
        "backlog/resultsimport_detail.html",
        {
            **_context(results_import),
            "mapping_parts": [
                (
                    "Variants",
                    _mapped(results_import, "variants"),
                    results_import.report.get("ignored_variants", []),
                ),
                (
                    "Metrics",
                    _mapped(results_import, "metrics"),
                    results_import.report.get("ignored_metrics", []),
                ),
            ],
            "nothing_changed": NOTHING_CHANGED,
        },
    )


def _mapped(results_import: ResultsImport, part: str) -> list[tuple[str, str]]:
    """The file's names with what each went to, in the experiment's order of
    variants or metrics (a stored mapping keeps no order: PostgreSQL's JSON
    sorts its keys)."""
    experiment = results_import.experiment
    targets = (
        metric_targets(experiment) if part == "metrics" else variant_targets(experiment)
    )
    labels = {t.value: t.label for t in targets}
    position = {t.value: index for index, t in enumerate(targets)}
    pairs = [
        (name, value)
        for name, value in results_import.mapping.get(part, {}).items()
        if value
    ]
    pairs.sort(
        key=lambda pair: (position.get(pair[1], len(position)), pair[0].casefold())
    )
    return [(name, labels.get(value, value)) for name, value in pairs]


@member_required(Role.EDITOR)
@require_POST
def results_import_apply(request: OrgRequest, results_import_id):
    results_import = _import(request, results_import_id)
    if results_import.status != ResultsImportStatus.PREVIEW:
        messages.info(request, "This file was already imported; here is its report.")
        return redirect(_detail_url(request, results_import))
    form = _mapping_form(results_import, request.POST)
    if not form.is_valid():
        return _preview(request, results_import, form, status=400)
    variants, metrics = form.choices()
    try:
        outcome = apply_results_import(
            results_import, variants, metrics, by=request.user
        )
    except ResultsImportRefused as refused:
        return _preview(request, results_import, form, refused.problems, status=400)
    if outcome.changed:
        messages.success(
            request,
            f"The results of “{results_import.experiment.name}” now come from "
            f"{results_import.filename}.",
        )
    else:
        messages.info(request, NOTHING_CHANGED)
    return redirect(_detail_url(request, results_import))
