from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        from clientwatch import checks  # noqa: F401  (registers the catalogue check)
