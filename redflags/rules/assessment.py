"""What the engine says about a client: a score, a verdict and the reasons behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

from redflags.rules.areas import area_scores
from redflags.rules.settings import RuleSettings

if TYPE_CHECKING:
    from redflags.rules.value import Worth

EvidenceKind = Literal["invoice", "incident", "step", "work"]


class Verdict(StrEnum):
    KEEP = "keep"
    WATCH = "watch"
    FIRE = "fire"


class Evidence(NamedTuple):
    """One dated fact behind a reason, named so the freelancer can find it.

    Reasons and evidence are named tuples, not dataclasses: as immutable, and several times
    cheaper to build, which matters at thousands of assessments a second.
    """

    kind: EvidenceKind
    id: int | None  # the invoice, incident or step id; None for work totals
    on: date
    label: str
    amount: Decimal | None = None
    currency: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # A label is a wording.Phrase: its msgid and values are kept beside the English, so
        # the page can show it in the reader's language.
        wording = getattr(self.label, "to_dict", None)
        return {
            "kind": self.kind,
            "id": self.id,
            "on": self.on.isoformat(),
            "label": str(self.label),
            "wording": wording() if wording else None,
            "amount": None if self.amount is None else str(self.amount),
            "currency": self.currency,
        }


class LazyEvidence(Sequence[Evidence]):
    """Evidence written out on first use.

    Most assessments are only scored (lists, score history), and wording every invoice and
    incident would cost more than all the rules together. Reads like a tuple, equals one.
    """

    __slots__ = ("_build", "_items")

    def __init__(self, build: Callable[[], Iterable[Evidence]]) -> None:
        self._build: Callable[[], Iterable[Evidence]] | None = build
        self._items: tuple[Evidence, ...] = ()

    @property
    def items(self) -> tuple[Evidence, ...]:
        build = self._build
        if build is not None:
            self._items = tuple(build())
            self._build = None
        return self._items

    @overload
    def __getitem__(self, index: int) -> Evidence: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Evidence, ...]: ...
    def __getitem__(self, index: int | slice) -> Evidence | tuple[Evidence, ...]:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Evidence]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyEvidence):
            other = other.items
        return self.items == other

    def __hash__(self) -> int:
        return hash(self.items)

    def __repr__(self) -> str:
        return repr(self.items)


class Reason(NamedTuple):
    rule: str  # stable slug of the rule that found it
    title: str
    points: int  # taken off the score of 100
    advice: str
    evidence: Sequence[Evidence]  # a tuple, or a LazyEvidence that reads like one
    red_flag: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "points": self.points,
            "advice": self.advice,
            "red_flag": self.red_flag,
            "evidence": [evidence.to_dict() for evidence in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int  # 0..100, 100 = nothing wrong
    verdict: Verdict
    reasons: tuple[Reason, ...]  # red flags first, then most points first
    # Too little history to judge yet: never `keep`, and the pages say so. Reasons found so
    # far still count, and a red flag still means fire.
    too_early: bool = False
    # What the client is worth, when the freelancer's income was given (see rules.value):
    # a Worth, or a function that works it out on first read (most assessments are only
    # scored, and the score rarely needs it).
    value: Worth | Callable[[], Worth] | None = field(default=None, compare=False, repr=False)

    @property
    def worth(self) -> Worth | None:
        found = self.value
        if callable(found):
            found = found()
            object.__setattr__(self, "value", found)  # worked out once, like LazyEvidence
        return found

    @property
    def top_reason(self) -> Reason | None:
        return self.reasons[0] if self.reasons else None

    @property
    def red_flag(self) -> bool:
        return any(reason.red_flag for reason in self.reasons)

    @property
    def areas(self) -> dict[str, int]:
        """Where the problem is: a number per area (money, conduct, scope, effort), from
        the same reasons as the score. Worked out on use: most assessments only score."""
        return area_scores(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "verdict": self.verdict.value,
            "too_early": self.too_early,
            "areas": self.areas,
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


def verdict_for(score: int, red_flag: bool, settings: RuleSettings) -> Verdict:
    if red_flag or score < settings.watch_at:
        return Verdict.FIRE
    if score < settings.keep_at:
        return Verdict.WATCH
    return Verdict.KEEP


def round_points(value: float) -> int:
    """Whole points, half up, at most 100.

    Rounding never goes down as the value goes up, so a rule whose raw points never fall
    when things get worse keeps that property after rounding.
    """
    return min(100, int(value + 0.5)) if value > 0 else 0
