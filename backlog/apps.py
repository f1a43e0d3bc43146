from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BacklogConfig(AppConfig):
    name = "backlog"
    verbose_name = "Hypothesis backlog"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once
        # Django has loaded every app.
        from assessments import point_work
        from backlog.feedback.search import keep_sqlite_index
        from backlog.improvements import items_by_point
        from backlog.models import (
            BacklogSettings,
            Evidence,
            Experiment,
            Hypothesis,
            Page,
            Score,
            Tag,
        )
        from backlog.retention import delete_expired_uploads
        from cromaturity import freshness, housekeeping

        housekeeping.register(delete_expired_uploads)
        point_work.provide_work_by_point(items_by_point)

        post_migrate.connect(keep_sqlite_index, sender=self)

        # What the cached backlog list shows.
        # An experiment's failed guardrail is flagged on its hypothesis's row;
        # results written in bulk touch the stamp themselves.
        for model in (Hypothesis, Tag, Page, BacklogSettings, Experiment):
            freshness.watch(model)
        for aggregated in (Score, Evidence):
            freshness.watch(aggregated, deletes=False)
        freshness.watch_related(Hypothesis.tags.through)
