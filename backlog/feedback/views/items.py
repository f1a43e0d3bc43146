"""Feedback items: the list, quick capture, the item page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backlog.conflicts import EditConflict, with_version
from backlog.exports import export_query
from backlog.feedback.capture import delete_feedback, record_feedback, update_feedback
from backlog.feedback.filters import filtered_items
from backlog.feedback.forms import FeedbackEditForm, FeedbackForm
from backlog.feedback.privacy import masks_contacts, pseudonym_key
from backlog.filters import style_filter_form
from backlog.forms.evidence import LinkForm
from backlog.models import Evidence, FeedbackItem, Theme
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required

PAGE_SIZE = 25


def _suggestions(organisation) -> dict:
    """Known themes and pages offered while typing."""
    return {
        "known_themes": Theme.objects.for_org(organisation).values_list(
            "name", flat=True
        )[:200],
    }


@member_required()
def item_list(request: OrgRequest):
    filters = filtered_items(request)
    style_filter_form(filters.form)
    page = Paginator(
        filters.qs.select_related("team").prefetch_related("themes"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    template = "backlog/feedback/item_list.html"
    if request.htmx:
        template += "#results"
    return render(
        request,
        template,
        {
            "filters": filters,
            "form": filters.form,
            "page": page,
            "export_query": export_query(request),
        },
    )


@member_required(Role.CONTRIBUTOR)
def item_create(request: OrgRequest):
    organisation = request.organisation
    form = FeedbackForm(request.POST or None)
    if form.is_valid():
        item = record_feedback(
            organisation,
            form.to_input(),
            by=request.user,
            team=request.membership.team,
            mask_contacts=masks_contacts(organisation),
            pseudonym_key=pseudonym_key(organisation),
        )
        messages.success(request, "Feedback saved. Thank you!")
        if "another" in request.POST:
            request.session["feedback_source"] = item.source
            return redirect("feedback:item-create", organisation.slug)
        return redirect("feedback:item-detail", organisation.slug, item.pk)
    if not form.is_bound and request.session.get("feedback_source"):
        form.initial["source"] = request.session["feedback_source"]
    return render(
        request,
        "backlog/feedback/item_form.html",
        {
            "form": form,
            "quick": True,
            "masking": masks_contacts(organisation),
            **_suggestions(organisation),
        },
        status=400 if form.is_bound else 200,
    )


def _may_change(request, item: FeedbackItem) -> bool:
    return request.membership.can_edit or item.submitted_by_id == request.user.pk


@member_required()
def item_detail(request: OrgRequest, feedback_item_id):
    item = get_in_org(
        request,
        FeedbackItem.objects.select_related("team", "submitted_by", "feedback_import"),
        feedback_item_id,
    )
    evidence = (
        Evidence.objects.active()
        .filter(feedback_item=item)
        .select_related("hypothesis", "linked_by")
    )
    return render(
        request,
        "backlog/feedback/item_detail.html",
        {
            "item": item,
            "themes": item.themes.all(),
            "evidence": evidence,
            "link_form": LinkForm(),
            "may_change": _may_change(request, item),
        },
    )


@member_required(Role.CONTRIBUTOR)
def item_update(request: OrgRequest, feedback_item_id):
    organisation = request.organisation
    item = get_in_org(
        request,
        FeedbackItem.objects.select_related("team", "submitted_by", "feedback_import"),
        feedback_item_id,
    )
    if not _may_change(request, item):
        raise PermissionDenied("Only editors and the person who filed it may edit it.")
    initial = {
        "text": item.text,
        "source": item.source,
        "page": item.page,
        "themes": ", ".join(item.themes.values_list("name", flat=True)),
        "sentiment": item.sentiment,
        "product_area": item.product_area,
        "received_at": item.received_at,
        "version": item.version,
    }
    form = FeedbackEditForm(request.POST or None, initial=initial)
    conflict = None
    if form.is_valid():
        try:
            update_feedback(
                item,
                form.to_input(),
                mask_contacts=masks_contacts(organisation),
                pseudonym_key=pseudonym_key(organisation),
                expected_version=form.cleaned_data["version"] or 0,
            )
        except EditConflict as error:
            # The form keeps what was typed and now carries the stored version:
            # saving again deliberately keeps it.
            conflict = error
            item = get_in_org(
                request,
                FeedbackItem.objects.select_related(
                    "team", "submitted_by", "feedback_import"
                ),
                feedback_item_id,
            )
            form = FeedbackEditForm(
                with_version(request.POST, "version", conflict.version)
            )
        else:
            messages.success(request, "Feedback updated.")
            return redirect("feedback:item-detail", organisation.slug, item.pk)
    status = 200
    if form.is_bound:
        status = 409 if conflict else 400
    return render(
        request,
        "backlog/feedback/item_form.html",
        {
            "form": form,
            "item": item,
            "conflict": conflict,
            **_suggestions(organisation),
        },
        status=status,
    )


@member_required(Role.CONTRIBUTOR)
@require_POST
def item_delete(request: OrgRequest, feedback_item_id):
    item = get_in_org(request, FeedbackItem, feedback_item_id)
    if not _may_change(request, item):
        raise PermissionDenied(
            "Only editors and the person who filed it may delete it."
        )
    delete_feedback(item)
    messages.success(request, "Feedback deleted.")
    return redirect("feedback:item-list", request.organisation.slug)
