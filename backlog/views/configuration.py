from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from backlog.configuration import EDITABLE, settings_for, update_backlog_settings
from backlog.forms.configuration import BacklogSettingsForm
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, member_required


@member_required(Role.ADMIN)
def backlog_settings(request: OrgRequest):
    organisation = request.organisation
    current = settings_for(organisation)
    form = BacklogSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        update_backlog_settings(
            organisation, **{field: form.cleaned_data[field] for field in EDITABLE}
        )
        messages.success(request, "Backlog settings saved.")
        return redirect(
            reverse("organisation-settings", args=[organisation.slug]) + "#backlog"
        )
    return render(
        request,
        "backlog/backlog_settings.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
