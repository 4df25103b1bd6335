"""The rules engine: which clients to keep, watch or let go, from plain facts.

Pure Python with no Django import, so it runs and is tested without a database. The
Django adapter turns ORM rows into the facts below and calls `assess`.
"""

from redflags.rules.assessment import Assessment, Evidence, Reason, Verdict, verdict_for
from redflags.rules.engine import RULES, assess
from redflags.rules.facts import (
    CATEGORIES,
    BillingMode,
    Category,
    ClientFacts,
    IncidentFacts,
    InvoiceFacts,
    PaymentFacts,
    StepFacts,
    StepKind,
    WorkLogFacts,
)
from redflags.rules.settings import TUNABLES, InvalidSettings, RuleSettings, Tunable

__all__ = [
    "CATEGORIES",
    "RULES",
    "TUNABLES",
    "Assessment",
    "BillingMode",
    "Category",
    "ClientFacts",
    "Evidence",
    "IncidentFacts",
    "InvalidSettings",
    "InvoiceFacts",
    "PaymentFacts",
    "Reason",
    "RuleSettings",
    "StepFacts",
    "StepKind",
    "Tunable",
    "Verdict",
    "WorkLogFacts",
    "assess",
    "verdict_for",
]
