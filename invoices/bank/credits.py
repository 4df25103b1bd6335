"""What every statement reader produces: plain credits, and problems named by place.

Pure: no database, no Django models.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from clientwatch.money import MONEY_WHOLE_DIGITS

CENTS = Decimal("0.01")
# A reference or a name longer than this is cut: banks allow 140 characters of remittance
# information per transaction, a few hundred for structured fields joined together.
MAX_TEXT = 500
DATE_FORMATS = {
    "iso": "%Y-%m-%d",  # 2026-11-03
    "dmy_dot": "%d.%m.%Y",  # 03.11.2026
    "dmy_slash": "%d/%m/%Y",  # 03/11/2026
    "mdy_slash": "%m/%d/%Y",  # 11/03/2026
}


@dataclass(frozen=True)
class Credit:
    """Money that came in: one bank transaction (or one part of a batch booking)."""

    date: date
    amount: Decimal  # positive, in cents
    currency: str
    reference: str  # remittance information: what the payer wrote
    counterparty: str  # who paid
    bank_id: str  # the bank's own id for the transaction, "" when the format has none

    def as_json(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "amount": str(self.amount),
            "currency": self.currency,
            "reference": self.reference,
            "counterparty": self.counterparty,
            "bank_id": self.bank_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Credit:
        return cls(
            date=date.fromisoformat(data["date"]),
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            reference=data["reference"],
            counterparty=data["counterparty"],
            bank_id=data["bank_id"],
        )


@dataclass
class Statement:
    """A file read: its credits, and how many debits and other lines were left out."""

    format: str
    credits: list[Credit]
    debits: int = 0


class StatementInvalid(Exception):
    """The file cannot be imported; `problems` names each by row (or entry) and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def credit_keys(credits: list[Credit], *, source: str) -> list[str]:
    """One key per credit, the same every time the same statement is read.

    The bank's transaction id where the format gives one; else a hash of what the line
    says, counted within the file, so two equal transfers on one day stay two.
    """
    keys = []
    seen: dict[str, int] = {}
    for credit in credits:
        if credit.bank_id:
            base = f"{source}:id:{credit.bank_id}"
        else:
            base = f"{source}:line:" + json.dumps(
                [credit.date.isoformat(), str(credit.amount), credit.currency, credit.reference],
                ensure_ascii=False,
            )
        seen[base] = seen.get(base, 0) + 1
        keys.append(hashlib.sha256(f"{base}#{seen[base]}".encode()).hexdigest())
    return keys


def show(value: str) -> str:
    """A cell quoted in a problem, cut short."""
    return json.dumps(value if len(value) <= 40 else value[:40] + "...", ensure_ascii=False)


_AMOUNT = re.compile(r"[+-]?[0-9][0-9.,' ]*")


def parse_amount(raw: str) -> Decimal | None:
    """An amount as banks and spreadsheets write it: 1200.50, 1200,50, 1.200,50, 1,200.50,
    -12,5. The last `.` or `,` is the decimal mark when one or two digits follow it; every
    other one groups thousands. None when it is not an amount or too large to store."""
    text = raw.strip().replace("\u00a0", " ")
    text = re.sub(r"^[^0-9+-]+|[^0-9]+$", "", text)  # currency signs and codes around it
    if not _AMOUNT.fullmatch(text):
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").replace(" ", "").replace("'", "")
    match = re.search(r"[.,]([0-9]{1,2})$", digits)
    whole, fraction = (digits[: match.start()], match[1]) if match else (digits, "")
    whole = whole.replace(".", "").replace(",", "")
    if not whole.isdigit() or len(whole.lstrip("0")) > MONEY_WHOLE_DIGITS:
        return None
    try:
        value = Decimal(f"{whole}.{fraction or '0'}")
    except InvalidOperation:
        return None
    return (sign * value).quantize(CENTS)


def parse_date(raw: str, date_format: str) -> date | None:
    text = raw.strip()
    # Exports often add the time: "2026-11-03 14:05:00", "03.11.2026 14:05".
    text = re.split(r"[ T]", text, maxsplit=1)[0]
    try:
        return datetime.strptime(text, DATE_FORMATS[date_format]).date()
    except ValueError:
        return None


def clip(text: str) -> str:
    return " ".join(text.split())[:MAX_TEXT]
