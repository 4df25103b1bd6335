from django import template

from invoices.ninja.models import NinjaAccount

register = template.Library()


@register.inclusion_tag("invoices/ninja/_status.html", takes_context=True)
def ninja_status(context):
    """The settings page's Invoice Ninja card: connected or not, the last pull's outcome."""
    user = context["request"].user
    return {"account": NinjaAccount.objects.for_owner(user).first()}
