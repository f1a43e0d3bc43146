from django.apps import AppConfig


class CromaturityConfig(AppConfig):
    name = "cromaturity"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once
        # Django has loaded every app.
        from cromaturity import audit, freshness
        from cromaturity.models import Membership, Organisation, Team, User

        audit.connect_receivers()
        for model in (Organisation, Team, Membership, User):
            freshness.watch(model)
