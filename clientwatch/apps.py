from django.apps import AppConfig


class ClientWatchConfig(AppConfig):
    """The project package as an app, for what must be in place before the first request."""

    name = "clientwatch"

    def ready(self) -> None:
        # Connects the login receiver that notes whether the account has a second factor.
        from clientwatch import second_factor  # noqa: F401
