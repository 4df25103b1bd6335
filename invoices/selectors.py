"""Reads for the invoice pages."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from invoices.models import Invoice, Payment


def invoices_for_page(*, owner: AbstractBaseUser) -> QuerySet[Invoice]:
    """The owner's invoices with `paid_total` (so `status()` and `balance` cost nothing)
    and their client."""
    return Invoice.objects.for_owner(owner).with_paid().select_related("client")


def payments_for(*, invoice: Invoice) -> QuerySet[Payment]:
    return Payment.objects.filter(invoice=invoice).order_by("-paid_on", "-created_at", "-pk")
