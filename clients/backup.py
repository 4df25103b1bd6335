"""Backups and bulk imports: one JSON document with a freelancer's clients and their history.

`backup_export` writes every row the freelancer owns; `backup_import` reads the same format
(a backup, or a file written by hand or by another tool), checks all of it before writing any
of it, and writes in bulk. docs/data-format.md describes the format field by field.

Importing the same document twice changes nothing. Clients are matched by `ref` and invoices
by `number`, and updated in place. Payments, incidents, steps and work logs have no natural
key, so a row identical to one already stored is taken to be that row and anything else is
added.
Accounts are matched by name within their client, and late fees by kind and reminder stage
within their invoice, and updated. The freelancer's own wording is matched by kind and language.
An import never deletes.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.utils import timezone

from clients.models import AccountItem, Client, ExchangeRate, Profile, Wording, WorkLog
from clientwatch.dates import today_for
from clientwatch.money import MONEY_WHOLE_DIGITS, currency_codes
from clientwatch.validity import invoice_payment_errors, payment_amount_errors, regular_paid
from invoices.models import Invoice, LateFee, Payment, Reminder
from redflags.assess import scores_refresh
from redflags.models import Incident, Step
from redflags.rules.settings import InvalidSettings, RuleSettings

FORMAT_VERSION = 1
CENTS = Decimal("0.01")
# The rule tunables the profile itself drives (target rate and currency): never overrides.
PROFILE_DRIVEN = frozenset({"target_hourly_rate", "target_currency"})
# PostgreSQL takes at most 65,535 parameters in one statement; Django lowers the batch
# further where a backend needs it (SQLite).
MAX_PARAMETERS = 60_000


class BackupInvalid(Exception):
    """The document cannot be imported; `problems` names each one by its path."""

    def __init__(self, problems: list[str]) -> None:
        # A message may quote the bad value; it is shown on a page, kept in a JSON column
        # and printed, none of which takes a NUL or a lone surrogate, so those are spelled out.
        self.problems = [_printable(problem) for problem in problems]
        super().__init__("\n".join(self.problems))


def _printable(text: str) -> str:
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


# What no text column takes: NUL (PostgreSQL refuses it) and lone surrogates (not encodable
# as UTF-8). JSON can spell both ("\u0000", "\ud800"), a CSV cell can hold a NUL.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A number longer than this is refused before int() or Decimal() sees it: no field holds
# that many digits (each field's own limit is checked by its validators afterwards), and
# Python refuses to turn a string of over 4,300 digits into an int.
MAX_NUMBER_CHARS = 40


def unstorable_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    what = "NUL" if match[0] == "\x00" else "a lone surrogate"
    return f"contains a character that cannot be stored ({what})"


class _LongNumber:
    """A JSON number of more than MAX_NUMBER_CHARS characters, kept as written."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return f"a number of {len(self.text)} characters"


def _json_int(text: str) -> int | _LongNumber:
    return _LongNumber(text) if len(text) > MAX_NUMBER_CHARS else int(text)


def _json_fraction(text: str) -> Decimal | _LongNumber:
    return _LongNumber(text) if len(text) > MAX_NUMBER_CHARS else Decimal(text)


def _walk_texts(value: Any, path: str, problems: _Problems) -> None:
    """Every text (keys too) and number in the document that no field could take."""
    if isinstance(value, str):
        reason = unstorable_problem(value)
        if reason:
            problems.add(path or "document", reason)
    elif isinstance(value, _LongNumber):
        problems.add(path or "document", f"too many digits ({len(value.text)} characters)")
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            reason = unstorable_problem(str(key))
            if reason:
                problems.add(where, f"field name {reason}")
                continue
            _walk_texts(item, where, problems)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk_texts(item, f"{path}[{i}]", problems)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do), per kind of row."""

    settings: Tally = field(default_factory=Tally)
    clients: Tally = field(default_factory=Tally)
    invoices: Tally = field(default_factory=Tally)
    payments: Tally = field(default_factory=Tally)
    fees: Tally = field(default_factory=Tally)
    reminders: Tally = field(default_factory=Tally)
    incidents: Tally = field(default_factory=Tally)
    steps: Tally = field(default_factory=Tally)
    work_logs: Tally = field(default_factory=Tally)
    accounts: Tally = field(default_factory=Tally)

    def tallies(self) -> dict[str, Tally]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def as_dict(self) -> dict[str, dict[str, int]]:
        """JSON-safe, e.g. {"clients": {"created": 2, "updated": 0, "unchanged": 1}, ...}."""
        return {kind: asdict(tally) for kind, tally in self.tallies().items()}

    @property
    def changed(self) -> bool:
        return any(t.created or t.updated for t in self.tallies().values())


# --- Parsing -------------------------------------------------------------------------------


def backup_parse(raw: bytes | str) -> dict[str, Any]:
    """The JSON document in `raw`. Fractions are read as Decimal, exactly as written."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise BackupInvalid(
                [f"document: not UTF-8 text (bad byte at offset {error.start})"]
            ) from error
    raw = raw.removeprefix("\ufeff")
    try:
        document = json.loads(
            raw, parse_int=_json_int, parse_float=_json_fraction, parse_constant=_no_constant
        )
    except json.JSONDecodeError as error:
        raise BackupInvalid(
            [f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})"]
        ) from error
    except _Bad as bad:
        raise BackupInvalid([f"document: {bad}"]) from bad
    except RecursionError as error:
        raise BackupInvalid(["document: nested too deeply"]) from error
    except ValueError as error:  # any other number json could not read
        raise BackupInvalid([f"document: not valid JSON ({error})"]) from error
    if not isinstance(document, dict):
        raise BackupInvalid(['document: must be a JSON object like {"clients": [...]}'])
    return document


def backup_dumps(document: Mapping[str, Any]) -> str:
    """The document as the text the commands and downloads write (UTF-8, indented)."""
    return json.dumps(document, indent=2, ensure_ascii=False)


def _no_constant(name: str) -> Any:
    raise _Bad(f"{name} is not a number JSON allows")


# --- Reading one value -----------------------------------------------------------------------


class _Bad(ValueError):
    """A value that does not fit its field; shown after the value's path."""


Reader = Callable[[Any], Any]

# ASCII digits only: \d and str.isdigit also take "١٢" or "²", which int() and Decimal()
# then read or choke on.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_MONEY_HINT = 'use a decimal string like "1200.00"'
PERCENT_MIN, PERCENT_MAX = Decimal("0.01"), Decimal("100")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:40] + "...", ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal | _LongNumber):
        return str(value)
    return "a list" if isinstance(value, list) else "an object"


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text, not {_show(value)}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, not {_show(value)}")
    return value


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"must be a whole number, not {_show(value)}")
    return value


def _date(value: Any) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Bad(f"not a date (use YYYY-MM-DD): {_show(value)}")


def _moment(value: Any) -> datetime:
    """A point in time with its UTC offset, as the export writes it."""
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    raise _Bad(f"not a moment with its offset (like 2026-11-20T14:05:00+00:00): {_show(value)}")


def _decimal_text(value: str, hint: str) -> Decimal:
    if len(value.strip()) > MAX_NUMBER_CHARS:
        raise _Bad(f"too many digits ({len(value.strip())} characters)")
    if not _DECIMAL.fullmatch(value.strip()):
        raise _Bad(f"{_show(value)} is not a decimal number; {hint}")
    return Decimal(value.strip())


def _money(value: Any) -> Decimal:
    # JSON fractions are binary floats to most tools that write them: 0.1 + 0.2 is not 0.3,
    # and an amount can come out a cent off. Whole numbers are exact, so they may stay bare.
    return _within_money_limits(_any_money(value))


def _any_money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Bad(f"{_MONEY_HINT}, not {_show(value)}")
    return Decimal(value) if isinstance(value, int) else _decimal_text(value, _MONEY_HINT)


def _within_money_limits(money: Decimal) -> Decimal:
    """The size limit of every money column, with a plain message (decimals beyond two are
    refused by the model's own validation)."""
    whole = money.adjusted() + 1 if money else 0
    if whole > MONEY_WHOLE_DIGITS:
        raise _Bad(f"at most {MONEY_WHOLE_DIGITS} digits before the decimal point, not {whole}")
    return money


def _amount(value: Any) -> Decimal:
    amount = _money(value)
    if amount <= 0:
        raise _Bad(f"must be more than 0, not {amount}")
    return amount


def _rate(value: Any) -> Decimal:
    rate = _money(value)
    if rate < 0:
        raise _Bad(f"cannot be negative, not {rate}")
    return rate


def _number(value: Any, example: str) -> Decimal:
    # Not money: a bare JSON number is fine (parsed exactly by backup_parse).
    if isinstance(value, str):
        return _decimal_text(value, f'use a number like "{example}"')
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise _Bad(f'must be a number like "{example}", not {_show(value)}')
    number = Decimal(value)
    if not number.is_finite():
        raise _Bad(f'must be a number like "{example}", not {_show(value)}')
    return number


def _hours(value: Any) -> Decimal:
    return _number(value, "2.5")


def _exchange_rate(value: Any) -> Decimal:
    rate = _number(value, "1.0953")
    if rate <= 0:
        raise _Bad(f"must be more than 0, not {rate}")
    return rate


def _percent(value: Any) -> Decimal:
    percent = _number(value, "8.5")
    if not PERCENT_MIN <= percent <= PERCENT_MAX:
        raise _Bad(f"must be from {PERCENT_MIN} to {PERCENT_MAX} (percent), not {percent}")
    return percent


def _currency(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else None
    if code not in currency_codes():
        raise _Bad(f"unknown currency {_show(value)}; use an ISO 4217 code like EUR or MYR")
    return code


def _flat_fee_amounts(value: Any) -> dict[str, str]:
    """{currency: money}, e.g. {"EUR": "25.00", "IDR": "400000.00"}; stored with cents."""
    if not isinstance(value, dict):
        raise _Bad(f'must be an object like {{"EUR": "25.00"}}, not {_show(value)}')
    amounts: dict[str, str] = {}
    for code, amount in value.items():
        currency = _currency(code)
        try:
            amounts[currency] = _money_text(_amount(amount))
        except _Bad as bad:
            raise _Bad(f"{currency}: {bad}") from None
    return amounts


def _old_flat_fee(data: Any, path: str, currency: Any, problems: _Problems) -> Any:
    """Backups written before flat fees were set per currency had one `late_fee_flat`: it
    becomes the amount in `currency` (the freelancer's own, or the client's), as the
    migration of stored terms did."""
    if not isinstance(data, dict) or "late_fee_flat" not in data:
        return data
    data = dict(data)
    old = data.pop("late_fee_flat")
    try:
        amount = None if old is None else _amount(old)
    except _Bad as bad:
        problems.add(f"{path}.late_fee_flat", str(bad))
        return data
    if "late_fee_flat_amounts" in data:
        problems.add(f"{path}.late_fee_flat", "give late_fee_flat_amounts only, not both")
        return data
    code = currency.strip().upper() if isinstance(currency, str) else currency
    data["late_fee_flat_amounts"] = {} if amount is None else {code: str(amount)}
    return data


def _old_warnings(
    incidents: list[Any], path: str, problems: _Problems
) -> tuple[list[Any], list[Any]]:
    """Files written before steps were recorded mark an incident `client_was_warned`: that
    is a warned step about its kind of trouble on its day, as the migration of stored
    incidents made it. The incidents without the flag, and the steps it stood for."""
    kept: list[Any] = []
    steps: list[Any] = []
    for k, item in enumerate(incidents):
        if isinstance(item, dict) and "client_was_warned" in item:
            item = dict(item)
            warned = item.pop("client_was_warned")
            if not isinstance(warned, bool):
                problems.add(
                    f"{path}[{k}].client_was_warned", f"must be true or false, not {_show(warned)}"
                )
            elif warned and "occurred_on" in item:
                steps.append(
                    {
                        "kind": "warned",
                        "taken_on": item["occurred_on"],
                        "about": item.get("category", ""),
                    }
                )
        kept.append(item)
    return kept, steps


def _time_zone(value: Any) -> str:
    try:
        ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _Bad(f"unknown time zone {_show(value)}; use a name like Europe/Amsterdam") from None
    return value


def _choice(model: type[models.Model], name: str, what: str) -> Reader:
    allowed = tuple(str(value) for value, _label in model._meta.get_field(name).choices)

    def read(value: Any) -> str:
        if isinstance(value, str) and value in allowed:
            return value
        raise _Bad(f"unknown {what} {_show(value)}; use one of: {', '.join(allowed)}")

    return read


def _blank_or(read: Reader) -> Reader:
    """Empty text (or null) for "none in particular", else what `read` makes of it."""
    return lambda value: "" if value in ("", None) else read(value)


def _nullable(read: Reader) -> Reader:
    return lambda value: None if value is None else read(value)


def _rule_overrides(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(f"must be an object of rule settings, not {_show(value)}")
    driven = sorted(PROFILE_DRIVEN & value.keys())
    if driven:
        raise _Bad(
            f"{', '.join(driven)}: set settings.target_hourly_rate and settings.currency instead"
        )
    try:
        rules = RuleSettings.from_overrides(value)
    except InvalidSettings as error:
        raise _Bad(f"unknown or out-of-range rule settings: {', '.join(error.keys)}") from None
    # Stored as the settings form stores them: only what differs from the defaults.
    return rules.overrides()


# --- Reading one row -------------------------------------------------------------------------


class Field(NamedTuple):
    key: str  # in the document
    attr: str  # on the model
    read: Reader
    required: bool = False


def _field(key: str, read: Reader, *, attr: str = "", required: bool = False) -> Field:
    return Field(key, attr or key, read, required)


SETTINGS_FIELDS = (
    _field("target_hourly_rate", _nullable(_amount)),
    _field("currency", _currency),
    _field("default_payment_terms_days", _whole),
    _field("time_zone", _time_zone),
    _field("reminder_nudge_days", _whole),
    _field("reminder_pause_days", _whole),
    _field("reminder_final_days", _whole),
    _field("rule_overrides", _rule_overrides),
    _field("business_name", _text),
    _field("business_details", _text),
    _field("reminder_bcc_me", _boolean),
    _field("digest_enabled", _boolean),
    _field("digest_hour", _whole),
    _field("paper_size", _choice(Profile, "paper_size", "paper size")),
    _field("late_fee_flat_amounts", _flat_fee_amounts),
    _field("late_fee_percent", _nullable(_percent)),
    _field("late_fee_timing", _choice(Profile, "late_fee_timing", "late fee timing")),
    _field("late_fees_with_nudge", _boolean),
    _field("late_interest_percent", _nullable(_percent)),
    _field("receipts_enabled", _boolean),
    _field("letter_with_nudge", _boolean),
    _field("letter_with_paused", _boolean),
    _field("letter_with_final", _boolean),
    _field("statement_with_final", _boolean),
)
# The own wording, by kind and then language: {"payment_instructions": {"ms": "..."}}.
WORDING_KEY = "wording"
# The exchange rates kept: [{"base": "EUR", "quote": "USD", "date": "...", "rate": "1.09"}].
RATES_KEY = "exchange_rates"
# Backups from before wording had a language held one text of each kind on the settings;
# they were written for the default language's emails and are read into that language.
OLD_WORDING_FIELDS = {
    "payment_instructions": Wording.Kind.PAYMENT_INSTRUCTIONS,
    "reminder_nudge_message": Wording.Kind.REMINDER_NUDGE,
    "reminder_pause_message": Wording.Kind.REMINDER_PAUSED,
    "reminder_final_message": Wording.Kind.REMINDER_FINAL,
}
OLD_WORDING_LANGUAGE = settings.LANGUAGE_CODE.split("-")[0]
CLIENT_FIELDS = (
    _field("ref", _text, required=True),
    _field("name", _text, required=True),
    _field("email", _text, required=True),
    _field("language", _choice(Client, "language", "language"), required=True),
    _field("currency", _currency, required=True),
    _field(
        "billing", _choice(Client, "billing_mode", "billing"), attr="billing_mode", required=True
    ),
    _field("rate", _rate, required=True),
    _field("payment_terms_days", _whole, required=True),
    _field("started_on", _date, required=True),
    _field("reminders", _boolean, attr="reminders_enabled"),
    _field("company", _text),
    _field("postal_address", _text),
    _field("phone", _text),
    _field("tax_number", _text),
    _field("status", _choice(Client, "status", "status")),
    _field("ended_on", _nullable(_date)),
    _field("boundaries", _text),
    _field("business_hours", _text),
    _field("response_time_hours", _nullable(_whole)),
    _field("deposit_percent", _nullable(_whole)),
    _field("payment_due_rule", _text),
    _field("drop_reason", _text),
    _field("dropped_on", _nullable(_date)),
    _field("farewell_letter", _text),
    _field("autopay", _boolean),
    _field("receipts", _boolean, attr="receipts_enabled"),
    _field("late_fees", _choice(Client, "late_fees", "late fees option")),
    _field("late_fee_flat_amounts", _flat_fee_amounts),
    _field("late_fee_percent", _nullable(_percent)),
    _field("late_fee_timing", _choice(Client, "late_fee_timing", "late fee timing")),
    _field("late_interest_percent", _nullable(_percent)),
)
CLIENT_LISTS = ("invoices", "incidents", "steps", "work_logs", "accounts")
INVOICE_FIELDS = (
    _field("number", _text, required=True),
    _field("issued_on", _date, required=True),
    _field("due_on", _date, required=True),
    _field("amount", _amount, required=True),
    _field("currency", _currency),
    _field("state", _choice(Invoice, "state", "state")),
    _field("disputed", _boolean),
    _field("dispute_reason", _text),
    _field("reminders", _boolean, attr="reminders_enabled"),
    _field("notes", _text),
    _field("autopay_failed_on", _nullable(_date)),
)
INVOICE_LISTS = ("payments", "fees", "reminders_sent")
PAYMENT_FIELDS = (
    _field("paid_on", _date, required=True),
    _field("amount", _amount, required=True),
    _field("overpayment", _boolean, attr="is_overpayment"),
    _field("note", _text),
)
FEE_FIELDS = (
    _field("kind", _choice(LateFee, "kind", "kind"), required=True),
    _field("stage", _choice(LateFee, "stage", "stage"), required=True),
    _field("amount", _amount, required=True),
    _field("charged_on", _date, required=True),
    _field("rate", _nullable(_percent)),
    _field("period_start", _nullable(_date)),
    _field("period_end", _nullable(_date)),
    _field("paid_on", _nullable(_date)),
    _field("waived_on", _nullable(_date)),
    _field("waive_note", _text),
    _field("left_out", _boolean),
    # What a capped fee worked out to: beyond the money limit by its nature.
    _field("capped_from", _nullable(_any_money)),
)
# The history of reminders sent: read back as sent, so the ladder does not send them again.
REMINDER_FIELDS = (
    _field("stage", _choice(Reminder, "stage", "stage"), required=True),
    _field("due_on", _date, required=True),
    _field("sent_at", _moment, required=True),
    _field("trigger", _choice(Reminder, "trigger", "trigger")),
    _field("recipient", _text),
    _field("subject", _text),
    _field("body_text", _text),
)
INCIDENT_FIELDS = (
    _field("category", _choice(Incident, "category", "category"), required=True),
    _field("occurred_on", _date, required=True),
    _field("severity", _whole, required=True),
    _field("note", _text, attr="description", required=True),
    _field("evidence", _text),
)
STEP_FIELDS = (
    _field("kind", _choice(Step, "kind", "kind"), required=True),
    _field("taken_on", _date, required=True),
    _field("about", _blank_or(_choice(Step, "addresses", "kind of trouble")), attr="addresses"),
    _field("note", _text),
)
WORK_LOG_FIELDS = (
    _field("date", _date, attr="worked_on", required=True),
    _field("hours", _hours, required=True),
    _field("description", _text, required=True),
    _field("billable", _boolean),
)
RATE_FIELDS = (
    _field("base", _currency, required=True),
    _field("quote", _currency, required=True),
    _field("date", _date, attr="on", required=True),
    _field("rate", _exchange_rate, required=True),
)
ACCOUNT_FIELDS = (
    _field("name", _text, required=True),
    _field("handed_over", _boolean),
    _field("handed_over_on", _nullable(_date)),
    _field("notes", _text),
)
# What makes a payment, incident, step or work log "the same row" on a second import.
PAYMENT_KEY = ("paid_on", "amount", "is_overpayment", "note")
INCIDENT_KEY = ("occurred_on", "category", "severity", "description", "evidence")
STEP_KEY = ("taken_on", "kind", "addresses", "note")
WORK_LOG_KEY = ("worked_on", "hours", "description", "billable")


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.paths: set[str] = set()

    def add(self, path: str, message: str) -> None:
        self.paths.add(path)
        self.messages.append(f"{path}: {message}")


def _did_you_mean(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _read_row(
    data: Any, spec: tuple[Field, ...], path: str, problems: _Problems, lists: tuple[str, ...] = ()
) -> tuple[dict[str, Any], set[str]] | None:
    """The row's values by model attribute, and the attributes that failed to read."""
    if not isinstance(data, dict):
        problems.add(path, f"must be an object, not {_show(data)}")
        return None
    known = [f.key for f in spec] + list(lists)
    for key in data:
        if key not in known:
            problems.add(f"{path}.{key}", "unknown field" + _did_you_mean(str(key), known))
    values: dict[str, Any] = {}
    failed: set[str] = set()
    for f in spec:
        if f.key not in data:
            if f.required:
                problems.add(f"{path}.{f.key}", "required")
                failed.add(f.attr)
            continue
        try:
            values[f.attr] = f.read(data[f.key])
        except _Bad as bad:
            if f"{path}.{f.key}" not in problems.paths:  # not already named by _walk_texts
                problems.add(f"{path}.{f.key}", str(bad))
            failed.add(f.attr)
            continue
        if f"{path}.{f.key}" in problems.paths:
            failed.add(f.attr)
    return values, failed


def _list(data: Mapping[str, Any], key: str, path: str, problems: _Problems) -> list[Any]:
    """The list under `key` (empty when absent); `path` is the parent's, "" for the document."""
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.add(f"{path}.{key}" if path else key, f"must be a list, not {_show(value)}")
        return []
    return value


def _validate(
    instance: models.Model,
    path: str,
    spec: tuple[Field, ...],
    problems: _Problems,
    exclude: Iterable[str],
) -> None:
    """The model's own validation (lengths, ranges, email, clean()), named by path.

    Uniqueness and constraints are checked against the whole document instead: per row,
    they would cost a query each.
    """
    keys = {f.attr: f.key for f in spec}
    try:
        _full_clean(instance, exclude)
    except ValidationError as error:
        for attr, messages in error.message_dict.items():
            where = path if attr == NON_FIELD_ERRORS else f"{path}.{keys.get(attr, attr)}"
            if where not in problems.paths:
                for message in messages:
                    problems.add(where, message)


def _full_clean(instance: models.Model, exclude: Iterable[str]) -> None:
    """full_clean(), and the limits only a form would otherwise enforce.

    A TextField's max_length is passed to its form field but not checked by the model; an
    import that skipped it could store a text the client's edit form then cannot save.
    """
    exclude = set(exclude)
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        errors = error.message_dict
    for model_field in instance._meta.concrete_fields:
        limit = model_field.max_length
        if not isinstance(model_field, models.TextField) or not limit:
            continue
        name = model_field.attname
        value = getattr(instance, name)
        if name in exclude or name in errors or not isinstance(value, str):
            continue
        try:
            MaxLengthValidator(limit)(value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def _apply(instance: models.Model, values: Mapping[str, Any]) -> None:
    for attr, value in values.items():
        setattr(instance, attr, value)


def _changed(instance: models.Model, before: Mapping[str, Any]) -> set[str]:
    return {attr for attr, value in before.items() if getattr(instance, attr) != value}


def _snapshot(instance: models.Model, spec: tuple[Field, ...]) -> dict[str, Any]:
    return {f.attr: getattr(instance, f.attr) for f in spec}


# --- Import ----------------------------------------------------------------------------------


@dataclass
class _Stored:
    """The owner's rows an import may match, loaded once."""

    clients: dict[str, Client]  # by ref
    refs: dict[int, str]  # client id -> ref
    invoices: dict[str, Invoice]  # by number
    payments: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)  # by invoice id
    # By invoice id, then by (kind, stage): the database holds one fee per pair.
    fees: dict[int, dict[tuple[str, str], LateFee]] = field(default_factory=dict)
    reminder_stages: dict[int, set[str]] = field(default_factory=dict)  # by invoice id
    incidents: dict[int, Counter[tuple[Any, ...]]] = field(default_factory=dict)  # by client id
    steps: dict[int, Counter[tuple[Any, ...]]] = field(default_factory=dict)  # by client id
    work_logs: dict[int, Counter[tuple[Any, ...]]] = field(default_factory=dict)  # by client id
    accounts: dict[int, dict[str, list[AccountItem]]] = field(default_factory=dict)
    wordings: dict[tuple[str, str], Wording] = field(default_factory=dict)  # (kind, language)


def _load_stored(owner: AbstractBaseUser, refs_in_file: set[str]) -> _Stored:
    clients = {client.ref: client for client in Client.objects.for_owner(owner)}
    stored = _Stored(
        clients=clients,
        refs={client.pk: ref for ref, client in clients.items()},
        invoices={invoice.number: invoice for invoice in Invoice.objects.for_owner(owner)},
        wordings={(w.kind, w.language): w for w in Wording.objects.for_owner(owner)},
    )
    if not refs_in_file & clients.keys():
        return stored  # a fresh import: no history to match against
    for invoice_id, *key in Payment.objects.for_owner(owner).values_list(
        "invoice_id", *PAYMENT_KEY
    ):
        stored.payments.setdefault(invoice_id, []).append(tuple(key))
    for fee in LateFee.objects.for_owner(owner):
        stored.fees.setdefault(fee.invoice_id, {})[(fee.kind, fee.stage)] = fee
    for invoice_id, stage in Reminder.objects.for_owner(owner).values_list("invoice_id", "stage"):
        stored.reminder_stages.setdefault(invoice_id, set()).add(stage)
    for target, model, key_fields in (
        (stored.incidents, Incident, INCIDENT_KEY),
        (stored.steps, Step, STEP_KEY),
        (stored.work_logs, WorkLog, WORK_LOG_KEY),
    ):
        for client_id, *key in model.objects.for_owner(owner).values_list("client_id", *key_fields):
            target.setdefault(client_id, Counter())[tuple(key)] += 1
    for account in AccountItem.objects.for_owner(owner).order_by("name", "id"):
        stored.accounts.setdefault(account.client_id, {}).setdefault(account.name, []).append(
            account
        )
    return stored


@dataclass
class _Plan:
    result: ImportResult = field(default_factory=ImportResult)
    profile_fields: set[str] = field(default_factory=set)
    # Rows to insert and rows to update, per model, in the order they must be written.
    creates: dict[type[models.Model], list[models.Model]] = field(
        default_factory=lambda: {
            m: []
            for m in (
                Client,
                Invoice,
                Payment,
                LateFee,
                Reminder,
                Incident,
                Step,
                WorkLog,
                AccountItem,
                Wording,
                ExchangeRate,
            )
        }
    )
    updates: dict[type[models.Model], list[models.Model]] = field(
        default_factory=lambda: defaultdict(list)
    )
    update_fields: dict[type[models.Model], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )

    def create(self, kind: str, instance: models.Model) -> None:
        self.creates[type(instance)].append(instance)
        getattr(self.result, kind).created += 1

    def update(self, kind: str, instance: models.Model, changed: set[str]) -> None:
        tally = getattr(self.result, kind)
        if not changed:
            tally.unchanged += 1
            return
        self.updates[type(instance)].append(instance)
        self.update_fields[type(instance)].update(changed)
        tally.updated += 1


class _Importer:
    """Checks a whole document against the owner's rows and plans the writes."""

    def __init__(
        self, owner: AbstractBaseUser, profile: Profile, stored: _Stored, problems: _Problems
    ) -> None:
        self.owner = owner
        self.profile = profile
        self.stored = stored
        self.problems = problems
        self.plan = _Plan()
        self.today = today_for(profile)
        self.seen_refs: dict[str, str] = {}
        self.seen_numbers: dict[str, str] = {}

    def settings(self, data: Any) -> None:
        currency = data.get("currency", self.profile.currency) if isinstance(data, dict) else None
        data = _old_flat_fee(data, "settings", currency, self.problems)
        extra = (*OLD_WORDING_FIELDS, WORDING_KEY, RATES_KEY)
        row = _read_row(data, SETTINGS_FIELDS, "settings", self.problems, extra)
        if row is None:
            return
        values, failed = row
        before = _snapshot(self.profile, SETTINGS_FIELDS)
        _apply(self.profile, values)
        _validate(self.profile, "settings", SETTINGS_FIELDS, self.problems, {"user", *failed})
        changed = _changed(self.profile, before)
        self.plan.profile_fields = changed
        wording_changed = self.wording(data)
        rates_changed = self.exchange_rates(data)
        tally = self.plan.result.settings
        if changed or wording_changed or rates_changed:
            tally.updated += 1
        else:
            tally.unchanged += 1

    def wording(self, data: dict[str, Any]) -> bool:
        """Texts by kind and language, and the old one-text-per-kind fields; True if any
        stored text changes. An empty text is skipped: an import never deletes."""
        texts: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, language) -> (text, path)
        for key, kind in OLD_WORDING_FIELDS.items():
            if key in data:
                try:
                    text = _text(data[key])
                except _Bad as bad:
                    self.problems.add(f"settings.{key}", str(bad))
                    continue
                texts[(kind, OLD_WORDING_LANGUAGE)] = (text, f"settings.{key}")
        wording = data.get(WORDING_KEY, {})
        path = f"settings.{WORDING_KEY}"
        if not isinstance(wording, dict):
            self.problems.add(path, f"must be an object of kinds, not {_show(wording)}")
            wording = {}
        kinds = [str(value) for value in Wording.Kind.values]
        languages = [code for code, _name in settings.LANGUAGES]
        for kind, by_language in wording.items():
            kpath = f"{path}.{kind}"
            if kind not in kinds:
                self.problems.add(kpath, "unknown kind" + _did_you_mean(str(kind), kinds))
                continue
            if not isinstance(by_language, dict):
                self.problems.add(
                    kpath, f"must be an object of languages, not {_show(by_language)}"
                )
                continue
            for language, text in by_language.items():
                lpath = f"{kpath}.{language}"
                if language not in languages:
                    self.problems.add(
                        lpath, f"unknown language; use one of: {', '.join(languages)}"
                    )
                    continue
                try:
                    texts[(kind, language)] = (_text(text), lpath)
                except _Bad as bad:
                    self.problems.add(lpath, str(bad))
        changed = False
        for (kind, language), (text, tpath) in texts.items():
            text = text.replace("\r\n", "\n").strip()
            if not text:
                continue
            stored = self.stored.wordings.get((kind, language))
            row = stored or Wording(owner=self.owner, kind=kind, language=language)
            if stored is not None and stored.text == text:
                continue
            row.text = text
            try:
                _full_clean(row, ["owner"])
            except ValidationError as error:
                for message in error.messages:
                    self.problems.add(tpath, message)
                continue
            if stored is None:
                self.stored.wordings[(kind, language)] = row
                self.plan.creates[Wording].append(row)
            else:
                self.plan.updates[Wording].append(row)
                self.plan.update_fields[Wording].update({"text", "updated_at"})
                row.updated_at = timezone.now()  # bulk_update skips auto_now
            changed = True
        return changed

    def exchange_rates(self, data: dict[str, Any]) -> bool:
        """Rates matched by currencies and date: a stored one takes the file's rate, a new
        one is added; True if any changes. Files from before rates were kept have none."""
        if RATES_KEY not in data:
            return False
        items = _list(data, RATES_KEY, "settings", self.problems)
        stored = {
            (rate.base, rate.quote, rate.on): rate
            for rate in ExchangeRate.objects.for_owner(self.owner)
        }
        seen: dict[tuple[str, str, date], str] = {}
        changed = False
        for i, item in enumerate(items):
            path = f"settings.{RATES_KEY}[{i}]"
            row = _read_row(item, RATE_FIELDS, path, self.problems)
            if row is None:
                continue
            values, failed = row
            if failed:
                continue
            key = (values["base"], values["quote"], values["on"])
            if key in seen:
                self.problems.add(path, f"the same currencies and date as {seen[key]}")
                continue
            seen[key] = path
            rate = stored.get(key) or ExchangeRate(owner=self.owner)
            if rate.pk is not None and rate.rate == values["rate"]:
                continue
            _apply(rate, values)
            _validate(rate, path, RATE_FIELDS, self.problems, {"owner"})
            if rate.pk is None:
                self.plan.creates[ExchangeRate].append(rate)
            else:
                self.plan.updates[ExchangeRate].append(rate)
                self.plan.update_fields[ExchangeRate].add("rate")
            changed = True
        return changed

    def client(self, data: Any, path: str) -> None:
        currency = data.get("currency") if isinstance(data, dict) else None
        data = _old_flat_fee(data, path, currency, self.problems)
        row = _read_row(data, CLIENT_FIELDS, path, self.problems, CLIENT_LISTS)
        if row is None:
            return
        values, failed = row
        ref = values.get("ref")
        if isinstance(ref, str):
            if ref in self.seen_refs:
                self.problems.add(
                    f"{path}.ref",
                    f"{_show(ref)} appears twice in the file (also {self.seen_refs[ref]})",
                )
            self.seen_refs.setdefault(ref, path)
        client = self.stored.clients.get(ref) if isinstance(ref, str) else None
        if client is None:
            client = Client(owner=self.owner, **values)
            _validate(client, path, CLIENT_FIELDS, self.problems, {"owner", *failed})
            self.plan.create("clients", client)
        else:
            before = _snapshot(client, CLIENT_FIELDS)
            _apply(client, values)
            _validate(client, path, CLIENT_FIELDS, self.problems, {"owner", *failed})
            changed = _changed(client, before)
            if changed:
                client.updated_at = timezone.now()  # bulk_update skips auto_now
                changed.add("updated_at")
            self.plan.update("clients", client, changed)

        currency_ok = "currency" not in failed
        for j, item in enumerate(_list(data, "invoices", path, self.problems)):
            self.invoice(item, f"{path}.invoices[{j}]", client, currency_ok)
        incidents, warnings = _old_warnings(
            _list(data, "incidents", path, self.problems), f"{path}.incidents", self.problems
        )
        self.history(
            "incidents",
            Incident,
            INCIDENT_FIELDS,
            INCIDENT_KEY,
            client,
            incidents,
            f"{path}.incidents",
            self.stored.incidents,
        )
        self.history(
            "steps",
            Step,
            STEP_FIELDS,
            STEP_KEY,
            client,
            [*_list(data, "steps", path, self.problems), *warnings],
            f"{path}.steps",
            self.stored.steps,
        )
        self.history(
            "work_logs",
            WorkLog,
            WORK_LOG_FIELDS,
            WORK_LOG_KEY,
            client,
            _list(data, "work_logs", path, self.problems),
            f"{path}.work_logs",
            self.stored.work_logs,
        )
        self.accounts(client, _list(data, "accounts", path, self.problems), f"{path}.accounts")

    def invoice(self, data: Any, path: str, client: Client, currency_ok: bool) -> None:
        row = _read_row(data, INVOICE_FIELDS, path, self.problems, INVOICE_LISTS)
        if row is None:
            return
        values, failed = row
        exclude = {"owner", "client", *failed}
        number = values.get("number")
        invoice = None
        if isinstance(number, str):
            if number in self.seen_numbers:
                self.problems.add(
                    f"{path}.number",
                    f"{_show(number)} appears twice in the file (also {self.seen_numbers[number]})",
                )
            self.seen_numbers.setdefault(number, path)
            invoice = self.stored.invoices.get(number)
            if invoice is not None and invoice.client_id != client.pk:
                self.problems.add(
                    f"{path}.number",
                    f"{_show(number)} is already used by your client "
                    f"{_show(self.stored.refs.get(invoice.client_id, '?'))}",
                )
                return
        if invoice is None:
            if "currency" not in values:
                values["currency"] = client.currency
                if not currency_ok:
                    exclude.add("currency")  # already reported on the client
            invoice = Invoice(owner=self.owner, client=client, **values)
            if "issued_on" in failed:
                # Reported already: the due date and the payments are not judged by a default.
                invoice.issued_on = None
            _validate(invoice, path, INVOICE_FIELDS, self.problems, exclude)
            self.plan.create("invoices", invoice)
        else:
            before = _snapshot(invoice, INVOICE_FIELDS)
            _apply(invoice, values)
            _validate(invoice, path, INVOICE_FIELDS, self.problems, exclude)
            self.plan.update("invoices", invoice, _changed(invoice, before))
        self.payments(invoice, _list(data, "payments", path, self.problems), path)
        self.fees(invoice, _list(data, "fees", path, self.problems), path)
        self.reminders(invoice, _list(data, "reminders_sent", path, self.problems), path)

    def reminders(self, invoice: Invoice, items: list[Any], path: str) -> None:
        """Reminders sent, one per stage of an invoice as the database keeps them. A stage
        the invoice already has a reminder for is left as it is: history is added, never
        rewritten."""
        stored = self.stored.reminder_stages.get(invoice.pk, set()) if invoice.pk else set()
        seen: dict[str, str] = {}
        for k, item in enumerate(items):
            rpath = f"{path}.reminders_sent[{k}]"
            row = _read_row(item, REMINDER_FIELDS, rpath, self.problems)
            if row is None:
                continue
            values, failed = row
            stage = values.get("stage")
            if isinstance(stage, str):
                if stage in seen:
                    self.problems.add(
                        f"{rpath}.stage",
                        f"a {_show(stage)} reminder appears twice in the invoice "
                        f"(also {seen[stage]}); there is one per stage",
                    )
                seen.setdefault(stage, rpath)
                if stage in stored:
                    self.plan.result.reminders.unchanged += 1
                    continue
            sent_at = values.get("sent_at")
            if isinstance(sent_at, datetime) and sent_at > timezone.now():
                self.problems.add(f"{rpath}.sent_at", "a reminder cannot be sent in the future")
            reminder = Reminder(invoice=invoice, state=Reminder.State.SENT, **values)
            _validate(reminder, rpath, REMINDER_FIELDS, self.problems, {"invoice", *failed})
            self.plan.create("reminders", reminder)

    def payments(self, invoice: Invoice, items: list[Any], path: str) -> None:
        """Each payment is checked by the model (its date against today and the invoice's
        issue date) and, as the payment service does, against what is still owed."""
        stored = self.stored.payments.get(invoice.pk, []) if invoice.pk else []
        remaining = Counter(stored)
        regular = regular_paid((key[1], key[2]) for key in stored)
        amount = invoice.amount if isinstance(invoice.amount, Decimal) else None
        currency = invoice.currency if isinstance(invoice.currency, str) else ""
        stored_errors = invoice_payment_errors(
            amount=amount,
            issued_on=invoice.issued_on if isinstance(invoice.issued_on, date) else None,
            currency=currency,
            regular_total=regular,
            first_paid_on=min((key[0] for key in stored), default=None),
        )
        for name, message in stored_errors.items():
            self.problems.add(f"{path}.{name}", message)
        reported = "amount" in stored_errors
        for k, item in enumerate(items):
            ppath = f"{path}.payments[{k}]"
            row = _read_row(item, PAYMENT_FIELDS, ppath, self.problems)
            if row is None:
                continue
            values, failed = row
            payment = Payment(invoice=invoice, **values)
            key = tuple(getattr(payment, attr) for attr in PAYMENT_KEY)
            if not failed and remaining[key] > 0:
                remaining[key] -= 1
                self.plan.result.payments.unchanged += 1
                continue
            _validate(payment, ppath, PAYMENT_FIELDS, self.problems, {"invoice", *failed})
            if "amount" not in failed:
                beyond = payment_amount_errors(
                    amount=payment.amount,
                    is_overpayment=payment.is_overpayment,
                    invoice_amount=amount,
                    paid_before=regular,
                    currency=currency,
                )
                regular = regular_paid([(regular, False), (payment.amount, payment.is_overpayment)])
                if beyond and not reported:
                    self.problems.add(
                        f"{ppath}.amount", f'{beyond["amount"]} ("overpayment": true)'
                    )
                    reported = True
            self.plan.create("payments", payment)

    def fees(self, invoice: Invoice, items: list[Any], path: str) -> None:
        """Late fees are matched by (kind, stage) within the invoice, as the database keys them."""
        stored = self.stored.fees.get(invoice.pk, {}) if invoice.pk else {}
        seen: dict[tuple[str, str], str] = {}
        for k, item in enumerate(items):
            fpath = f"{path}.fees[{k}]"
            row = _read_row(item, FEE_FIELDS, fpath, self.problems)
            if row is None:
                continue
            values, failed = row
            key = (values.get("kind"), values.get("stage"))
            fee = None
            if not {"kind", "stage"} & failed:
                if key in seen:
                    self.problems.add(
                        fpath,
                        f"a {_show(key[0])} fee for the {_show(key[1])} reminder appears twice "
                        f"in the invoice (also {seen[key]}); there is one per kind and stage",
                    )
                seen.setdefault(key, fpath)
                fee = stored.get(key)
            before: dict[str, Any] | None = None
            if fee is None:
                # In the invoice's currency, as when charged; a stored fee keeps its own.
                fee = LateFee(invoice=invoice, currency=invoice.currency, **values)
            else:
                before = _snapshot(fee, FEE_FIELDS)
                _apply(fee, values)
            # The invoice's currency is checked (and reported) on the invoice.
            _validate(fee, fpath, FEE_FIELDS, self.problems, {"invoice", "currency", *failed})
            if (
                fee.waived_on is not None
                and fee.paid_on is not None
                and not ({"waived_on", "paid_on"} & failed)
            ):
                self.problems.add(
                    f"{fpath}.waived_on",
                    'a fee is either waived or paid, not both; set "waived_on" or "paid_on" '
                    "to null",
                )
            if fee.left_out and fee.waived_on is None and not ({"waived_on", "left_out"} & failed):
                self.problems.add(
                    f"{fpath}.left_out",
                    'a fee left out is on record as waived; give its "waived_on" date',
                )
            if (
                fee.period_start is not None
                and fee.period_end is not None
                and fee.period_end < fee.period_start
                and not {"period_start", "period_end"} & failed
            ):
                self.problems.add(
                    f"{fpath}.period_end",
                    f"cannot be before period_start ({_date_text(fee.period_start)})",
                )
            if before is None:
                self.plan.create("fees", fee)
            else:
                self.plan.update("fees", fee, _changed(fee, before))

    def history(
        self,
        kind: str,
        model: type[models.Model],
        spec: tuple[Field, ...],
        key_attrs: tuple[str, ...],
        client: Client,
        items: list[Any],
        path: str,
        stored: dict[int, Counter[tuple[Any, ...]]],
    ) -> None:
        """Incidents, steps and work logs: a row identical to a stored one is that row."""
        remaining = Counter(stored.get(client.pk, {})) if client.pk else Counter()
        for k, item in enumerate(items):
            rpath = f"{path}[{k}]"
            row = _read_row(item, spec, rpath, self.problems)
            if row is None:
                continue
            values, failed = row
            instance = model(client=client, **values)
            key = tuple(getattr(instance, attr) for attr in key_attrs)
            if not failed and remaining[key] > 0:
                remaining[key] -= 1
                getattr(self.plan.result, kind).unchanged += 1
                continue
            _validate(instance, rpath, spec, self.problems, {"client", *failed})
            self.plan.create(kind, instance)

    def accounts(self, client: Client, items: list[Any], path: str) -> None:
        """Accounts are matched by name within the client, in order when a name repeats."""
        pool = (
            {name: list(rows) for name, rows in self.stored.accounts.get(client.pk, {}).items()}
            if client.pk
            else {}
        )
        for k, item in enumerate(items):
            apath = f"{path}[{k}]"
            row = _read_row(item, ACCOUNT_FIELDS, apath, self.problems)
            if row is None:
                continue
            values, failed = row
            candidates = pool.get(values.get("name"), [])
            account = candidates.pop(0) if candidates else AccountItem(client=client)
            before = _snapshot(account, ACCOUNT_FIELDS)
            _apply(account, values)
            # As the account service does: remember when access went back, forget it when
            # the account turns out not to be handed back after all.
            if (
                account.handed_over
                and account.handed_over_on is None
                and ("handed_over_on" not in values)
            ):
                account.handed_over_on = self.today
            elif not account.handed_over and account.handed_over_on is not None:
                if values.get("handed_over_on") is not None:
                    self.problems.add(
                        f"{apath}.handed_over_on", 'only for an account with "handed_over": true'
                    )
                account.handed_over_on = None
            _validate(account, apath, ACCOUNT_FIELDS, self.problems, {"client", *failed})
            if account.pk is None:
                self.plan.create("accounts", account)
            else:
                self.plan.update("accounts", account, _changed(account, before))


def _batch_size(model: type[models.Model]) -> int:
    return max(1, MAX_PARAMETERS // len(model._meta.concrete_fields))


def _write(plan: _Plan, profile: Profile) -> None:
    for model, rows in plan.creates.items():
        # Parents first: bulk_create sets their ids, which the children then pick up.
        model.objects.bulk_create(rows, batch_size=_batch_size(model))
    for model, rows in plan.updates.items():
        model.objects.bulk_update(
            rows, sorted(plan.update_fields[model]), batch_size=_batch_size(model)
        )
    if plan.profile_fields:
        profile.save(update_fields=sorted(plan.profile_fields))


@transaction.atomic
def backup_import(
    *, owner: AbstractBaseUser, document: Mapping[str, Any], dry_run: bool = False
) -> ImportResult:
    """Check the whole document, then write it in bulk and re-score the owner's clients.

    Raises BackupInvalid listing every problem, by path, and writes nothing. With `dry_run`,
    only checks, and returns what an import would do.
    """
    if not isinstance(document, Mapping):
        raise BackupInvalid(['document: must be a JSON object like {"clients": [...]}'])
    problems = _Problems()
    # First, in one place for every path and every field: texts no column takes and numbers
    # too long to read. The row checks below then see them as ordinary wrong values.
    _walk_texts(dict(document), "", problems)
    for key in document:
        if key not in ("version", "settings", "clients"):
            problems.add(
                str(key), "unknown field" + _did_you_mean(str(key), ["settings", "clients"])
            )
    version = document.get("version", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version != FORMAT_VERSION:
        problems.add("version", f"{_show(version)} is not a known version; use {FORMAT_VERSION}")
    if "clients" not in document:
        problems.add("clients", "required")
    clients = _list(document, "clients", "", problems)

    refs_in_file = {
        c["ref"] for c in clients if isinstance(c, dict) and isinstance(c.get("ref"), str)
    }
    profile = Profile.objects.for_user(owner)
    importer = _Importer(owner, profile, _load_stored(owner, refs_in_file), problems)
    if "settings" in document:
        importer.settings(document["settings"])
    for i, data in enumerate(clients):
        importer.client(data, f"clients[{i}]")
    if problems.messages:
        raise BackupInvalid(problems.messages)

    plan = importer.plan
    if dry_run:
        transaction.set_rollback(True)  # the profile may have been created just now
    elif plan.result.changed:
        _write(plan, profile)
        # A no-op import leaves the stored scores as they were: nothing they depend on moved.
        scores_refresh(owner)
    return plan.result


# --- Export ----------------------------------------------------------------------------------


def _money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENTS))


def _date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def backup_export(*, owner: AbstractBaseUser) -> dict[str, Any]:
    """Every row the owner has, in the import format, in a stable order: ten queries."""
    profile = Profile.objects.filter(user=owner).first() or Profile(user=owner)
    payments: dict[int, list[Payment]] = defaultdict(list)
    for payment in Payment.objects.for_owner(owner).order_by("paid_on", "id"):
        payments[payment.invoice_id].append(payment)
    fees: dict[int, list[LateFee]] = defaultdict(list)
    for fee in LateFee.objects.for_owner(owner).order_by("charged_on", "id"):
        fees[fee.invoice_id].append(fee)
    sent: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in (
        Reminder.objects.for_owner(owner)
        .filter(state=Reminder.State.SENT)
        .order_by("sent_at", "id")
        .only(
            "invoice_id",
            "stage",
            "due_on",
            "sent_at",
            "trigger",
            "recipient",
            "subject",
            "body_text",
        )
    ):
        sent[reminder.invoice_id].append(reminder)
    invoices: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in Invoice.objects.for_owner(owner).order_by("issued_on", "number", "id"):
        invoices[invoice.client_id].append(invoice)
    incidents: dict[int, list[Incident]] = defaultdict(list)
    for incident in Incident.objects.for_owner(owner).order_by("occurred_on", "id"):
        incidents[incident.client_id].append(incident)
    steps: dict[int, list[Step]] = defaultdict(list)
    for step in Step.objects.for_owner(owner).order_by("taken_on", "id"):
        steps[step.client_id].append(step)
    work_logs: dict[int, list[WorkLog]] = defaultdict(list)
    for work_log in WorkLog.objects.for_owner(owner).order_by("worked_on", "id"):
        work_logs[work_log.client_id].append(work_log)
    accounts: dict[int, list[AccountItem]] = defaultdict(list)
    for account in AccountItem.objects.for_owner(owner).order_by("name", "id"):
        accounts[account.client_id].append(account)
    wording: dict[str, dict[str, str]] = {}
    for kind, language, text in (
        Wording.objects.for_owner(owner)
        .order_by("kind", "language")
        .values_list("kind", "language", "text")
    ):
        wording.setdefault(kind, {})[language] = text
    rates = [
        {"base": base, "quote": quote, "date": on.isoformat(), "rate": f"{rate.normalize():f}"}
        for base, quote, on, rate in ExchangeRate.objects.for_owner(owner)
        .order_by("base", "quote", "on")
        .values_list("base", "quote", "on", "rate")
    ]

    return {
        "version": FORMAT_VERSION,
        "settings": {
            "target_hourly_rate": _money_text(profile.target_hourly_rate),
            "currency": profile.currency,
            "default_payment_terms_days": profile.default_payment_terms_days,
            "time_zone": profile.time_zone,
            "reminder_nudge_days": profile.reminder_nudge_days,
            "reminder_pause_days": profile.reminder_pause_days,
            "reminder_final_days": profile.reminder_final_days,
            "rule_overrides": dict(sorted((profile.rule_overrides or {}).items())),
            "business_name": profile.business_name,
            "business_details": profile.business_details,
            "reminder_bcc_me": profile.reminder_bcc_me,
            "digest_enabled": profile.digest_enabled,
            "digest_hour": profile.digest_hour,
            "paper_size": profile.paper_size,
            "late_fee_flat_amounts": dict(sorted(profile.late_fee_flat_amounts.items())),
            "late_fee_percent": _money_text(profile.late_fee_percent),
            "late_fee_timing": profile.late_fee_timing,
            "late_interest_percent": _money_text(profile.late_interest_percent),
            "late_fees_with_nudge": profile.late_fees_with_nudge,
            "receipts_enabled": profile.receipts_enabled,
            "letter_with_nudge": profile.letter_with_nudge,
            "letter_with_paused": profile.letter_with_paused,
            "letter_with_final": profile.letter_with_final,
            "statement_with_final": profile.statement_with_final,
            WORDING_KEY: wording,
            RATES_KEY: rates,
        },
        "clients": [
            _client_data(
                client, invoices, payments, fees, sent, incidents, steps, work_logs, accounts
            )
            for client in Client.objects.for_owner(owner).order_by("ref")
        ],
    }


def _client_data(
    client: Client,
    invoices: Mapping[int, list[Invoice]],
    payments: Mapping[int, list[Payment]],
    fees: Mapping[int, list[LateFee]],
    sent: Mapping[int, list[Reminder]],
    incidents: Mapping[int, list[Incident]],
    steps: Mapping[int, list[Step]],
    work_logs: Mapping[int, list[WorkLog]],
    accounts: Mapping[int, list[AccountItem]],
) -> dict[str, Any]:
    return {
        "ref": client.ref,
        "name": client.name,
        "company": client.company,
        "email": client.email,
        "postal_address": client.postal_address,
        "phone": client.phone,
        "tax_number": client.tax_number,
        "language": client.language,
        "currency": client.currency,
        "billing": client.billing_mode,
        "rate": _money_text(client.rate),
        "payment_terms_days": client.payment_terms_days,
        "started_on": _date_text(client.started_on),
        "ended_on": _date_text(client.ended_on),
        "status": client.status,
        "reminders": client.reminders_enabled,
        "boundaries": client.boundaries,
        "business_hours": client.business_hours,
        "response_time_hours": client.response_time_hours,
        "deposit_percent": client.deposit_percent,
        "payment_due_rule": client.payment_due_rule,
        "drop_reason": client.drop_reason,
        "dropped_on": _date_text(client.dropped_on),
        "farewell_letter": client.farewell_letter,
        "autopay": client.autopay,
        "receipts": client.receipts_enabled,
        "late_fees": client.late_fees,
        "late_fee_flat_amounts": dict(sorted(client.late_fee_flat_amounts.items())),
        "late_fee_percent": _money_text(client.late_fee_percent),
        "late_fee_timing": client.late_fee_timing,
        "late_interest_percent": _money_text(client.late_interest_percent),
        "invoices": [
            {
                "number": invoice.number,
                "issued_on": _date_text(invoice.issued_on),
                "due_on": _date_text(invoice.due_on),
                "amount": _money_text(invoice.amount),
                "currency": invoice.currency,
                "state": invoice.state,
                "disputed": invoice.disputed,
                "dispute_reason": invoice.dispute_reason,
                "reminders": invoice.reminders_enabled,
                "notes": invoice.notes,
                "autopay_failed_on": _date_text(invoice.autopay_failed_on),
                "payments": [
                    {
                        "paid_on": _date_text(payment.paid_on),
                        "amount": _money_text(payment.amount),
                        "overpayment": payment.is_overpayment,
                        "note": payment.note,
                    }
                    for payment in payments.get(invoice.pk, ())
                ],
                "fees": [
                    {
                        "kind": fee.kind,
                        "stage": fee.stage,
                        "amount": _money_text(fee.amount),
                        "charged_on": _date_text(fee.charged_on),
                        "rate": _money_text(fee.rate),
                        "period_start": _date_text(fee.period_start),
                        "period_end": _date_text(fee.period_end),
                        "paid_on": _date_text(fee.paid_on),
                        "waived_on": _date_text(fee.waived_on),
                        "waive_note": fee.waive_note,
                        "left_out": fee.left_out,
                        "capped_from": _money_text(fee.capped_from),
                    }
                    for fee in fees.get(invoice.pk, ())
                ],
                "reminders_sent": [
                    {
                        "stage": reminder.stage,
                        "due_on": _date_text(reminder.due_on),
                        "sent_at": reminder.sent_at.astimezone(UTC).isoformat()
                        if reminder.sent_at
                        else None,
                        "trigger": reminder.trigger,
                        "recipient": reminder.recipient,
                        "subject": reminder.subject,
                        "body_text": reminder.body_text,
                    }
                    for reminder in sent.get(invoice.pk, ())
                ],
            }
            for invoice in invoices.get(client.pk, ())
        ],
        "incidents": [
            {
                "category": incident.category,
                "occurred_on": _date_text(incident.occurred_on),
                "severity": incident.severity,
                "note": incident.description,
                "evidence": incident.evidence,
            }
            for incident in incidents.get(client.pk, ())
        ],
        "steps": [
            {
                "kind": step.kind,
                "taken_on": _date_text(step.taken_on),
                "about": step.addresses,
                "note": step.note,
            }
            for step in steps.get(client.pk, ())
        ],
        "work_logs": [
            {
                "date": _date_text(work_log.worked_on),
                "hours": _money_text(work_log.hours),
                "description": work_log.description,
                "billable": work_log.billable,
            }
            for work_log in work_logs.get(client.pk, ())
        ],
        "accounts": [
            {
                "name": account.name,
                "handed_over": account.handed_over,
                "handed_over_on": _date_text(account.handed_over_on),
                "notes": account.notes,
            }
            for account in accounts.get(client.pk, ())
        ],
    }
