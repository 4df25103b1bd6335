from django.apps import AppConfig


class BankConfig(AppConfig):
    """Bank statements matched to open invoices: a slice above `invoices`, which it pays
    through the payment service and never changes otherwise."""

    name = "invoices.bank"
    label = "bank"
