from django.apps import AppConfig


class RedflagsConfig(AppConfig):
    name = "redflags"
    verbose_name = "Red flags"
