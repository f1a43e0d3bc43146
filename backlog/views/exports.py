"""Downloads of the hypothesis list and the feedback list, as filtered on the page."""

from django.views.decorators.http import require_GET

from backlog.configuration import settings_for
from backlog.exports import (
    ListFormat,
    export_query,
    feedback_export,
    hypothesis_export,
)
from backlog.feedback.filters import filtered_items
from backlog.filters import filtered_hypotheses
from cromaturity.audit import client_ip, record_event
from cromaturity.models import AuditAction
from cromaturity.scoping import OrgRequest, member_required


def _record(request, what: str, export_format: ListFormat) -> None:
    query = export_query(request)
    record_event(
        AuditAction.EXPORTED,
        f"{what} as {export_format.label}"
        + (f" (filters: {query})" if query else " (no filters)"),
        actor=request.user,
        organisation=request.organisation,
        ip=client_ip(request),
    )


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@member_required()
@require_GET
def hypothesis_list_export(request: OrgRequest, export_format):
    export_format = ListFormat(export_format)
    filters = filtered_hypotheses(request, settings_for(request.organisation))
    response = hypothesis_export(request.organisation, filters.qs, export_format)
    _record(request, "Backlog", export_format)
    return _private(response)


@member_required()
@require_GET
def feedback_list_export(request: OrgRequest, export_format):
    export_format = ListFormat(export_format)
    items = filtered_items(request).qs
    response = feedback_export(request.organisation, items, export_format)
    _record(request, "Customer feedback", export_format)
    return _private(response)
