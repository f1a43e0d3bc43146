"""Feedback items: the list, quick capture, the item page, themes."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from backlog.conflicts import EditConflict
from backlog.feedback_capture import delete_feedback, record_feedback, update_feedback
from backlog.feedback_forms import FeedbackEditForm, FeedbackFilterForm, FeedbackForm
from backlog.models import Evidence, FeedbackItem, Theme
from backlog.privacy import masks_contacts, pseudonym_key
from backlog.views.evidence import LinkForm
from backlog.views.hypotheses import with_version
from backlog.views.ranked_list import export_query
from cromaturity.models import Role
from cromaturity.scoping import member_required

PAGE_SIZE = 25
THEME_WEEKS = 12


def _suggestions(organisation) -> dict:
    """Known themes and pages offered while typing."""
    return {
        "known_themes": Theme.objects.for_org(organisation).values_list(
            "name", flat=True
        )[:200],
    }


def filtered_items(request) -> tuple[FeedbackFilterForm, QuerySet]:
    """The list's filter form and the items it matches, newest first.

    Filters that were not understood are left out (the page says which).
    """
    organisation = request.organisation
    form = FeedbackFilterForm(request.GET or None, organisation=organisation)
    items = FeedbackItem.objects.for_org(organisation)
    if form.is_valid():
        items = items.matching(form.cleaned_data)
    return form, items


@member_required()
def item_list(request):
    form, items = filtered_items(request)
    page = Paginator(
        items.select_related("team").prefetch_related("themes"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    template = "backlog/feedbackitem_list.html"
    if request.htmx:
        template += "#results"
    return render(
        request,
        template,
        {"form": form, "page": page, "export_query": export_query(request)},
    )


@member_required(Role.CONTRIBUTOR)
def item_create(request):
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
        "backlog/feedbackitem_form.html",
        {
            "form": form,
            "quick": True,
            "masking": masks_contacts(organisation),
            **_suggestions(organisation),
        },
        status=400 if form.is_bound else 200,
    )


def _item(request, feedback_item_id) -> FeedbackItem:
    return get_object_or_404(
        FeedbackItem.objects.for_org(request.organisation).select_related(
            "team", "submitted_by", "feedback_import"
        ),
        pk=feedback_item_id,
    )


def _may_change(request, item: FeedbackItem) -> bool:
    return request.membership.can_edit or item.submitted_by_id == request.user.pk


@member_required()
def item_detail(request, feedback_item_id):
    item = _item(request, feedback_item_id)
    evidence = (
        Evidence.objects.active()
        .filter(feedback_item=item)
        .select_related("hypothesis", "linked_by")
    )
    return render(
        request,
        "backlog/feedbackitem_detail.html",
        {
            "item": item,
            "themes": item.themes.all(),
            "evidence": evidence,
            "link_form": LinkForm(),
            "may_change": _may_change(request, item),
        },
    )


@member_required(Role.CONTRIBUTOR)
def item_update(request, feedback_item_id):
    organisation = request.organisation
    item = _item(request, feedback_item_id)
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
            item = _item(request, feedback_item_id)
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
        "backlog/feedbackitem_form.html",
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
def item_delete(request, feedback_item_id):
    item = _item(request, feedback_item_id)
    if not _may_change(request, item):
        raise PermissionDenied(
            "Only editors and the person who filed it may delete it."
        )
    delete_feedback(item)
    messages.success(request, "Feedback deleted.")
    return redirect("feedback:item-list", request.organisation.slug)


@member_required()
def theme_list(request):
    """Feedback per theme and week over the last weeks."""
    organisation = request.organisation
    today = timezone.localdate()
    first_week = today - timedelta(days=today.weekday() + 7 * (THEME_WEEKS - 1))
    weeks = [first_week + timedelta(weeks=n) for n in range(THEME_WEEKS)]
    # One count per week as a filtered aggregate over a range of received_at
    # (which its index serves), instead of truncating every item's date.
    starts = [
        timezone.make_aware(datetime.combine(week, time.min)) for week in weeks
    ] + [timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))]
    counts = (
        FeedbackItem.themes.through.objects.filter(
            item__organisation=organisation,
            theme__organisation=organisation,
            item__received_at__gte=starts[0],
            item__received_at__lt=starts[-1],
        )
        .values("theme__name")
        .annotate(
            **{
                f"week{n}": Count(
                    "pk",
                    filter=Q(
                        item__received_at__gte=starts[n],
                        item__received_at__lt=starts[n + 1],
                    ),
                )
                for n in range(THEME_WEEKS)
            }
        )
        .order_by()
    )
    table: dict[str, list[int]] = {
        row["theme__name"]: [row[f"week{n}"] for n in range(THEME_WEEKS)]
        for row in counts
    }
    themes = list(Theme.objects.for_org(organisation).with_feedback_counts())
    totals = {theme.name: theme.total for theme in themes}
    unaddressed = sorted(
        (theme for theme in themes if not theme.linked),
        key=lambda t: (-t.total, t.name),
    )
    rows = sorted(
        (
            {
                "name": name,
                "weeks": table.get(name, [0] * THEME_WEEKS),
                "recent": sum(table.get(name, [])),
                "total": total,
            }
            for name, total in totals.items()
            if total
        ),
        key=lambda r: (-r["recent"], -r["total"], r["name"]),
    )
    peak = max((max(r["weeks"]) for r in rows), default=0)
    for row in rows:
        # Bars of a small chart per theme, scaled to the busiest theme-week.
        heights = [2 + (round(22 * c / peak) if peak else 0) for c in row["weeks"]]
        row["bars"] = [
            (n * 10, 26 - height, height, count)
            for n, (height, count) in enumerate(zip(heights, row["weeks"], strict=True))
        ]
    return render(
        request,
        "backlog/theme_list.html",
        {"rows": rows, "weeks": weeks, "peak": peak, "unaddressed": unaddressed},
    )
