from datetime import date

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backlog.configuration import settings_for
from backlog.forms.funnels import (
    FunnelForm,
    FunnelUploadForm,
    StepMappingForm,
    StepPagesForm,
)
from backlog.funnels.definition import StepInUse, link_step_pages, save_funnel
from backlog.funnels.files import FORMATS, FunnelFileError
from backlog.funnels.importing import (
    FunnelImportRefused,
    apply_funnel_import,
    prepare_funnel_import,
)
from backlog.funnels.measured import forget_measured_pages
from backlog.funnels.overview import funnel_overview
from backlog.funnels.reports import ALL_TRAFFIC, data_span, find_segment
from backlog.models import Funnel, FunnelImport, FunnelImportStatus, Page
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required


def _funnel_list(request: OrgRequest, form: FunnelForm, status: int = 200):
    funnels = [
        (funnel, data_span(funnel))
        for funnel in Funnel.objects.for_org(request.organisation).prefetch_related(
            "steps"
        )
    ]
    return render(
        request,
        "backlog/funnel_list.html",
        {"funnels": funnels, "form": form},
        status=status,
    )


@member_required(Role.VIEWER, write_role=Role.EDITOR)
def funnel_list(request: OrgRequest):
    organisation = request.organisation
    form = FunnelForm(
        request.POST or None,
        organisation=organisation,
        instance=Funnel(organisation=organisation),
    )
    if request.method == "POST":
        if form.is_valid():
            funnel = save_funnel(form.save(commit=False), form.cleaned_data["steps"])
            messages.success(request, f"Funnel “{funnel}” added: import its counts.")
            return redirect("backlog:funnel-detail", organisation.slug, funnel.pk)
        return _funnel_list(request, form, status=400)
    return _funnel_list(request, form)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@member_required(Role.VIEWER)
def funnel_detail(request: OrgRequest, funnel_id):
    funnel = get_in_org(request, Funnel, funnel_id)
    start, end = _day(request.GET.get("from")), _day(request.GET.get("to"))
    problems = []
    if (request.GET.get("from") and start is None) or (
        request.GET.get("to") and end is None
    ):
        problems.append("A date is not one; the last 28 days with counts are shown.")
        start = end = None
    if start and end and end < start:
        problems.append("The period ends before it starts; it was turned round.")
        start, end = end, start
    segment = find_segment(funnel, request.GET.get("segment", ""))
    if segment is None:
        problems.append("The funnel has no such segment; all traffic is shown.")
        segment = ALL_TRAFFIC
    overview = funnel_overview(funnel, start=start, end=end, segment=segment)
    upload = FunnelUploadForm(
        default_zone=settings_for(request.organisation).time_zone or settings.TIME_ZONE
    )
    return render(
        request,
        "backlog/funnel_detail.html",
        {
            "funnel": funnel,
            "overview": overview,
            "segment": segment,
            "problems": problems,
            "upload": upload,
            "imports": funnel.imports.filter(status=FunnelImportStatus.APPLIED)[:5],
        },
    )


@member_required(Role.EDITOR)
def funnel_update(request: OrgRequest, funnel_id):
    funnel = get_in_org(request, Funnel, funnel_id)
    form = FunnelForm(
        request.POST or None, instance=funnel, organisation=request.organisation
    )
    if request.method == "POST" and form.is_valid():
        try:
            save_funnel(form.save(commit=False), form.cleaned_data["steps"])
        except StepInUse as refusal:
            form.add_error("steps", str(refusal))
        else:
            messages.success(request, f"Funnel “{funnel}” saved.")
            return redirect(
                "backlog:funnel-detail", request.organisation.slug, funnel.pk
            )
    pages_form = StepPagesForm(
        funnel=funnel, pages=Page.objects.for_org(request.organisation)
    )
    return render(
        request,
        "backlog/funnel_form.html",
        {"form": form, "funnel": funnel, "pages_form": pages_form},
        status=400 if request.method == "POST" else 200,
    )


@member_required(Role.EDITOR)
@require_POST
def funnel_step_pages(request: OrgRequest, funnel_id):
    funnel = get_in_org(request, Funnel, funnel_id)
    form = StepPagesForm(
        request.POST, funnel=funnel, pages=Page.objects.for_org(request.organisation)
    )
    if not form.is_valid():
        messages.error(request, "A page chosen is not one of this workspace's pages.")
        return redirect("backlog:funnel-update", request.organisation.slug, funnel.pk)
    changed = link_step_pages(funnel, form.chosen())
    messages.success(
        request,
        f"Pages of “{funnel}” saved ({changed} changed): their visitors and "
        "conversion rate now come from the funnel's counts.",
    )
    return redirect("backlog:funnel-detail", request.organisation.slug, funnel.pk)


@member_required(Role.EDITOR)
@require_POST
def funnel_delete(request: OrgRequest, funnel_id):
    funnel = get_in_org(request, Funnel, funnel_id)
    name = funnel.name
    with transaction.atomic():
        forget_measured_pages(funnel)
        funnel.delete()
    messages.success(request, f"Funnel “{name}” and its counts deleted.")
    return redirect("backlog:funnel-list", request.organisation.slug)


@member_required(Role.EDITOR)
@require_POST
def funnel_upload(request: OrgRequest, funnel_id):
    funnel = get_in_org(request, Funnel, funnel_id)
    form = FunnelUploadForm(
        request.POST,
        request.FILES,
        default_zone=settings_for(request.organisation).time_zone or settings.TIME_ZONE,
    )
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            prepared = prepare_funnel_import(
                funnel,
                upload.read(),
                filename=upload.name,
                tool=form.cleaned_data["format"] or None,
                zone=form.cleaned_data["zone"],
                period=form.cleaned_data["period"],
                segment=form.cleaned_data["segment"],
                by=request.user,
            )
        except FunnelFileError as problem:
            form.add_error("file", str(problem))
        else:
            return redirect(
                "backlog:funnel-import", request.organisation.slug, prepared.pk
            )
    return render(
        request,
        "backlog/funnel_upload.html",
        {"funnel": funnel, "upload": form},
        status=400,
    )


@member_required(Role.VIEWER, write_role=Role.EDITOR)
def funnel_import(request: OrgRequest, funnel_import_id):
    funnel_import = get_in_org(
        request, FunnelImport.objects.select_related("funnel"), funnel_import_id
    )
    funnel = funnel_import.funnel
    steps = list(funnel.steps.all())
    file_steps = list(dict.fromkeys(row[3] for row in funnel_import.rows))
    form = None
    status = 200
    if funnel_import.status == FunnelImportStatus.PREVIEW:
        form = StepMappingForm(
            request.POST or None,
            file_steps=file_steps,
            steps=steps,
            mapping=funnel_import.mapping,
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    outcome = apply_funnel_import(
                        funnel_import, form.mapping(), by=request.user
                    )
                except FunnelImportRefused as refusal:
                    form.add_error(None, str(refusal))
                else:
                    messages.success(
                        request,
                        f"Counts of “{funnel_import.filename}” imported: "
                        f"{outcome.created:,} new, {outcome.updated:,} changed, "
                        f"{outcome.unchanged:,} unchanged, {outcome.removed:,} "
                        f"removed, {outcome.rejected:,} rows rejected.",
                    )
                    return redirect(
                        "backlog:funnel-import",
                        request.organisation.slug,
                        funnel_import.pk,
                    )
            status = 400
    elif request.method == "POST":
        messages.info(request, "This import has already been applied.")
        return redirect(
            "backlog:funnel-import", request.organisation.slug, funnel_import.pk
        )
    per_step: dict[str, int] = {}
    for row in funnel_import.rows:
        per_step[row[3]] = per_step.get(row[3], 0) + 1
    return render(
        request,
        "backlog/funnel_import.html",
        {
            "funnel": funnel,
            "funnel_import": funnel_import,
            "form": form,
            "rows_per_step": per_step,
            "segments": sorted(
                {(row[4], row[5]) for row in funnel_import.rows if row[5]}
            ),
            "report": funnel_import.report,
            "tool_label": FORMATS.get(funnel_import.tool, "Pushed through the API"),
        },
        status=status,
    )
