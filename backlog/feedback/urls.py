from django.urls import path

from backlog.feedback.views import imports, items, themes
from backlog.views import evidence, exports

app_name = "feedback"

urlpatterns = [
    path("", items.item_list, name="item-list"),
    *[
        path(
            f"export.{export_format}",
            exports.feedback_list_export,
            {"export_format": export_format},
            name=f"item-export-{export_format}",
        )
        for export_format in ("csv", "xlsx")
    ],
    path("new/", items.item_create, name="item-create"),
    path("<int:feedback_item_id>/", items.item_detail, name="item-detail"),
    path("<int:feedback_item_id>/edit/", items.item_update, name="item-update"),
    path("<int:feedback_item_id>/delete/", items.item_delete, name="item-delete"),
    path(
        "<int:feedback_item_id>/link/",
        evidence.evidence_link,
        name="item-link",
    ),
    path(
        "<int:feedback_item_id>/link/candidates/",
        evidence.hypothesis_candidates,
        name="item-link-candidates",
    ),
    path("themes/", themes.theme_list, name="theme-list"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/upload/", imports.import_create, name="import-create"),
    path(
        "imports/<int:feedback_import_id>/",
        imports.import_detail,
        name="import-detail",
    ),
    path(
        "imports/<int:feedback_import_id>/confirm/",
        imports.import_confirm,
        name="import-confirm",
    ),
    path(
        "imports/<int:feedback_import_id>/retry/",
        imports.import_retry,
        name="import-retry",
    ),
    path(
        "imports/<int:feedback_import_id>/original/",
        imports.import_original,
        name="import-original",
    ),
    path(
        "imports/<int:feedback_import_id>/rejected.csv",
        imports.import_rejected,
        name="import-rejected",
    ),
]
