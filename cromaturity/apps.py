from django.apps import AppConfig


class CromaturityConfig(AppConfig):
    name = "cromaturity"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        from cromaturity.audit import connect_receivers

        connect_receivers()
