"""`{% form_token form %}`: the hidden one-time token a create form carries (see
clientwatch/once.py). Edit forms (their instance is saved already) carry none."""

from typing import Any

from django import template
from django.utils.html import format_html

from clientwatch.once import FIELD, token_for_form

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context: template.Context, form: Any = None) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    instance = getattr(form, "instance", None)
    if instance is not None and instance.pk is not None:
        return ""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, token_for_form(form, owner=user)
    )
