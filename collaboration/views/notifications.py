"""A member's own notifications and email preferences.

Reading and settling one's own notifications changes nothing of the
organisation, so viewers may do it too (write_role=VIEWER).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from collaboration.forms import PreferencesForm
from collaboration.models import Notification
from collaboration.notifying import mark_read, preferences_of, set_preferences
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, member_required

PAGE_SIZE = 25
# The bell's menu shows this many of the newest, with a link to the whole list.
LATEST_SHOWN = 6


def _mine(request):
    return Notification.objects.for_recipient(request.user, request.organisation)


@member_required()
def notification_list(request: OrgRequest):
    notifications = _mine(request).select_related("actor")
    if request.htmx and request.GET.get("part") == "latest":
        return render(
            request,
            "collaboration/notification_list.html#latest",
            {"latest": notifications[:LATEST_SHOWN]},
        )
    only_unread = request.GET.get("show") == "unread"
    if only_unread:
        notifications = notifications.unread()
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "collaboration/notification_list.html",
        {"page": page, "only_unread": only_unread},
    )


@member_required(Role.VIEWER, write_role=Role.VIEWER)
@require_http_methods(["GET", "POST"])
def notification_open(request: OrgRequest, notification_id):
    """Mark it read and go to what it is about.

    A title is a link, so this answers GET: marking one's own notification read
    is what following it means, changes nothing anyone else sees, and doing it
    twice does nothing more."""
    notification = get_object_or_404(_mine(request), pk=notification_id)
    mark_read(_mine(request).filter(pk=notification.pk))
    target = notification.url
    if not (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    ):
        target = request.organisation.get_absolute_url()
    return redirect(target)


@member_required(Role.VIEWER, write_role=Role.VIEWER)
@require_POST
def notification_read(request: OrgRequest, notification_id):
    notification = get_object_or_404(_mine(request), pk=notification_id)
    mark_read(_mine(request).filter(pk=notification.pk))
    return redirect(_back(request))


@member_required(Role.VIEWER, write_role=Role.VIEWER)
@require_POST
def notification_read_all(request: OrgRequest):
    count = mark_read(_mine(request))
    if count:
        messages.success(
            request, f"{count} notification{'s' if count != 1 else ''} marked read."
        )
    return redirect(_back(request))


def _back(request) -> str:
    """The notification list, keeping its page and filter."""
    list_url = reverse(
        "collaboration:notification-list", args=[request.organisation.slug]
    )
    target = request.POST.get("next", "")
    if target.startswith(list_url) and "//" not in target:
        return target
    return list_url


@member_required(Role.VIEWER, write_role=Role.VIEWER)
def notification_settings(request: OrgRequest):
    current = preferences_of(request.user, request.organisation)
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        set_preferences(request.user, request.organisation, form.cleaned_data)
        messages.success(request, "Your notification settings are saved.")
        return redirect(
            "collaboration:notification-settings", request.organisation.slug
        )
    return render(
        request,
        "collaboration/notification_settings.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
