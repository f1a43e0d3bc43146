from django.urls import path

from backlog.views import (
    backlog_imports,
    board,
    configuration,
    evidence,
    experiment_reports,
    experiments,
    exports,
    funnels,
    hypotheses,
    learnings,
    metrics,
    pages,
    planning,
    ranked_list,
    registration,
    results_imports,
    scoring,
)

app_name = "backlog"

urlpatterns = [
    path(
        "<int:hypothesis_id>/evidence/",
        evidence.evidence_link,
        name="evidence-link",
    ),
    path(
        "<int:hypothesis_id>/evidence/candidates/",
        evidence.feedback_candidates,
        name="evidence-candidates",
    ),
    path(
        "evidence/<int:evidence_id>/unlink/",
        evidence.evidence_unlink,
        name="evidence-unlink",
    ),
    path("", ranked_list.hypothesis_list, name="hypothesis-list"),
    *[
        path(
            f"export.{export_format}",
            exports.hypothesis_list_export,
            {"export_format": export_format},
            name=f"hypothesis-export-{export_format}",
        )
        for export_format in ("csv", "xlsx")
    ],
    path("new/", hypotheses.hypothesis_create, name="hypothesis-create"),
    path(
        "<int:hypothesis_id>/", hypotheses.hypothesis_detail, name="hypothesis-detail"
    ),
    path(
        "<int:hypothesis_id>/edit/",
        hypotheses.hypothesis_update,
        name="hypothesis-update",
    ),
    path(
        "<int:hypothesis_id>/delete/",
        hypotheses.hypothesis_delete,
        name="hypothesis-delete",
    ),
    path(
        "<int:hypothesis_id>/score/",
        scoring.hypothesis_score,
        name="hypothesis-score",
    ),
    path(
        "<int:hypothesis_id>/score/form/",
        scoring.hypothesis_score_form,
        name="hypothesis-score-form",
    ),
    path("<int:hypothesis_id>/move/", board.hypothesis_move, name="hypothesis-move"),
    path(
        "<int:hypothesis_id>/move/form/",
        board.hypothesis_move_form,
        name="hypothesis-move-form",
    ),
    path(
        "<int:hypothesis_id>/conclude/",
        board.hypothesis_conclude,
        name="hypothesis-conclude",
    ),
    path(
        "<int:hypothesis_id>/planner/",
        planning.hypothesis_planner,
        name="hypothesis-planner",
    ),
    path(
        "<int:hypothesis_id>/experiments/new/",
        registration.experiment_create,
        name="experiment-create",
    ),
    path(
        "experiments/<int:experiment_id>/plan/",
        registration.experiment_plan,
        name="experiment-plan",
    ),
    path(
        "experiments/<int:experiment_id>/run/",
        registration.experiment_run,
        name="experiment-run",
    ),
    path(
        "experiments/<int:experiment_id>/results/",
        registration.experiment_results,
        name="experiment-results",
    ),
    path(
        "experiments/<int:experiment_id>/",
        experiment_reports.experiment_detail,
        name="experiment-detail",
    ),
    path(
        "experiments/<int:experiment_id>/edit/",
        experiments.experiment_update,
        name="experiment-update",
    ),
    path(
        "experiments/<int:experiment_id>/share-links/",
        experiment_reports.share_link_create,
        name="experiment-share-link-create",
    ),
    path(
        "experiments/<int:experiment_id>/share-links/<int:experiment_share_link_id>/"
        "revoke/",
        experiment_reports.share_link_revoke,
        name="experiment-share-link-revoke",
    ),
    path(
        "experiments/<int:experiment_id>/delete/",
        experiments.experiment_delete,
        name="experiment-delete",
    ),
    path(
        "experiments/<int:experiment_id>/results/import/",
        results_imports.results_import_create,
        name="experiment-results-import",
    ),
    path(
        "experiments/results-imports/<int:results_import_id>/",
        results_imports.results_import_detail,
        name="results-import-detail",
    ),
    path(
        "experiments/results-imports/<int:results_import_id>/apply/",
        results_imports.results_import_apply,
        name="results-import-apply",
    ),
    path("board/", board.board, name="board"),
    path("learnings/", learnings.learning_list, name="learning-list"),
    path("planner/", planning.planner, name="planner"),
    path("funnels/", funnels.funnel_list, name="funnel-list"),
    path("funnels/<int:funnel_id>/", funnels.funnel_detail, name="funnel-detail"),
    path("funnels/<int:funnel_id>/edit/", funnels.funnel_update, name="funnel-update"),
    path(
        "funnels/<int:funnel_id>/delete/", funnels.funnel_delete, name="funnel-delete"
    ),
    path(
        "funnels/<int:funnel_id>/import/", funnels.funnel_upload, name="funnel-upload"
    ),
    path(
        "funnels/<int:funnel_id>/pages/",
        funnels.funnel_step_pages,
        name="funnel-step-pages",
    ),
    path(
        "funnels/imports/<int:funnel_import_id>/",
        funnels.funnel_import,
        name="funnel-import",
    ),
    path("metrics/", metrics.metric_list, name="metric-list"),
    path("metrics/<int:metric_id>/", metrics.metric_update, name="metric-update"),
    path(
        "metrics/<int:metric_id>/archive/",
        metrics.metric_archive,
        name="metric-archive",
    ),
    path(
        "metrics/<int:metric_id>/restore/",
        metrics.metric_restore,
        name="metric-restore",
    ),
    path(
        "metrics/<int:metric_id>/delete/", metrics.metric_delete, name="metric-delete"
    ),
    path("pages/", pages.page_list, name="page-list"),
    path("pages/<int:page_id>/", pages.page_update, name="page-update"),
    path("pages/<int:page_id>/delete/", pages.page_delete, name="page-delete"),
    path("settings/", configuration.backlog_settings, name="settings"),
    path("imports/", backlog_imports.import_list, name="import-list"),
    path("imports/upload/", backlog_imports.import_create, name="import-create"),
    path(
        "imports/<int:backlog_import_id>/",
        backlog_imports.import_detail,
        name="import-detail",
    ),
    path(
        "imports/<int:backlog_import_id>/columns/",
        backlog_imports.import_columns,
        name="import-columns",
    ),
    path(
        "imports/<int:backlog_import_id>/statuses/",
        backlog_imports.import_statuses,
        name="import-statuses",
    ),
    path(
        "imports/<int:backlog_import_id>/retry/",
        backlog_imports.import_retry,
        name="import-retry",
    ),
    path(
        "imports/<int:backlog_import_id>/original/",
        backlog_imports.import_original,
        name="import-original",
    ),
    path(
        "imports/<int:backlog_import_id>/rejected.csv",
        backlog_imports.import_rejected,
        name="import-rejected",
    ),
    path(
        "imports/<int:backlog_import_id>/report.csv",
        backlog_imports.import_report,
        name="import-report",
    ),
]
