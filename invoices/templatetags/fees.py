"""`fee_label`: what a late-fee line says, in the reader's language."""

from django import template
from django.utils import translation

from invoices.late_fees import fee_label as label_in
from invoices.models import LateFee

register = template.Library()


@register.filter
def fee_label(fee: LateFee) -> str:
    return label_in(fee, translation.get_language() or "en")


@register.filter
def fee_kind(kind: str) -> str:
    return LateFee.Kind(kind).label
