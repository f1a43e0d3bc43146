from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backlog.authoring import delete_page, save_page
from backlog.configuration import settings_for
from backlog.forms.configuration import PageForm
from backlog.models import Page
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required


def _page_list(request, form, status=200):
    backlog_settings = settings_for(request.organisation)
    pages = list(
        Page.objects.for_org(request.organisation).annotate(
            hypothesis_count=Count("hypotheses")
        )
    )
    for page in pages:
        page.plan = backlog_settings.plan_for(page)
    return render(
        request,
        "backlog/page_list.html",
        {"pages": pages, "form": form, "backlog_settings": backlog_settings},
        status=status,
    )


@member_required(Role.VIEWER, write_role=Role.EDITOR)
def page_list(request: OrgRequest):
    organisation = request.organisation
    form = PageForm(
        request.POST or None,
        organisation=organisation,
        instance=Page(organisation=organisation),
    )
    if request.method == "POST":
        if form.is_valid():
            page = save_page(form.save(commit=False))
            messages.success(request, f"Page “{page}” added.")
            return redirect("backlog:page-list", organisation.slug)
        return _page_list(request, form, status=400)
    return _page_list(request, form)


@member_required(Role.EDITOR)
def page_update(request: OrgRequest, page_id):
    page = get_in_org(request, Page, page_id)
    form = PageForm(
        request.POST or None, instance=page, organisation=request.organisation
    )
    if request.method == "POST" and form.is_valid():
        save_page(form.save(commit=False))
        messages.success(request, f"Page “{page}” saved.")
        return redirect("backlog:page-list", request.organisation.slug)
    return render(
        request,
        "backlog/page_form.html",
        {"form": form, "page": page},
        status=400 if request.method == "POST" else 200,
    )


@member_required(Role.EDITOR)
@require_POST
def page_delete(request: OrgRequest, page_id):
    page = get_in_org(request, Page, page_id)
    name = str(page)
    affected = delete_page(page)
    messages.success(
        request,
        f"Page “{name}” deleted"
        + (
            f"; {affected} hypothes{'is' if affected == 1 else 'es'} now have no page."
            if affected
            else "."
        ),
    )
    return redirect("backlog:page-list", request.organisation.slug)
