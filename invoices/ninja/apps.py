from django.apps import AppConfig


class NinjaConfig(AppConfig):
    """Invoices, clients and payments pulled from an Invoice Ninja v5 server."""

    name = "invoices.ninja"
    label = "ninja"
