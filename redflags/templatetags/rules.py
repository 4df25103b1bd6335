"""The rules engine's titles, advice and evidence in the reader's language."""

from typing import Any

from django import template

from redflags import translation

register = template.Library()


@register.filter
def rule_text(text: Any) -> str:
    """{{ reason.title|rule_text }}, {{ score.top_advice|rule_text }}"""
    return translation.rule_text(text)


@register.filter
def evidence_label(item: Any) -> str:
    """{{ item|evidence_label }}: a stored evidence line, translated with its dates and amounts."""
    return translation.evidence_label(item)


@register.filter
def verdict_label(verdict: str) -> str:
    """{{ score.previous_verdict|verdict_label }}: "Fire" in the reader's language, not "fire"."""
    from redflags.models import ClientScore

    try:
        return str(ClientScore.Verdict(verdict).label)
    except ValueError:
        return verdict
