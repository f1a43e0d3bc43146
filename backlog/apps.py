from django.apps import AppConfig


class BacklogConfig(AppConfig):
    name = "backlog"
    verbose_name = "Hypothesis backlog"

    def ready(self) -> None:
        from backlog.models import (
            BacklogSettings,
            Evidence,
            Hypothesis,
            Page,
            Score,
            Tag,
        )
        from backlog.retention import delete_expired_uploads
        from cromaturity import freshness, housekeeping

        housekeeping.register(delete_expired_uploads)

        # What the cached backlog list shows.
        for model in (Hypothesis, Tag, Page, BacklogSettings):
            freshness.watch(model)
        for model in (Score, Evidence):
            freshness.watch(model, deletes=False)
        freshness.watch_related(Hypothesis.tags.through)
