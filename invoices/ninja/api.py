"""Invoice Ninja's API v5, read only: lists of clients, invoices and payments.

Every call sends the account's token in `X-API-TOKEN` (and `X-Requested-With`, which the
API asks for). Lists are read in `updated_at` order from a moving cursor rather than by
page number: a record changed while the pull runs moves to the end of the order, where
the cursor still reaches it, instead of shifting the next page so that one record is
never seen.
"""

from __future__ import annotations

from typing import Any

import requests

PER_PAGE = 100
MAX_REQUESTS = 500  # per list and pull: 50,000 records, far more than a freelancer has
TIMEOUT = 15  # seconds per request


class NinjaError(Exception):
    """A pull that cannot go on; `transient` when trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class NinjaApi:
    def __init__(self, url: str, token: str, *, timeout: float | None = None) -> None:
        self.base = url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(
            {
                "X-API-TOKEN": token,
                "X-Requested-With": "XMLHttpRequest",
                "Accept": "application/json",
            }
        )
        self.timeout = TIMEOUT if timeout is None else timeout

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base}/api/v1/{path}"
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout as error:
            raise NinjaError(
                f"Invoice Ninja did not answer within {self.timeout:g} seconds", transient=True
            ) from error
        except requests.RequestException as error:
            raise NinjaError(
                f"Invoice Ninja could not be reached ({type(error).__name__})", transient=True
            ) from error
        if response.status_code in (401, 403):
            raise NinjaError(
                f"Invoice Ninja refused the API token ({response.status_code})", transient=False
            )
        if response.status_code >= 500 or response.status_code == 429:
            raise NinjaError(f"Invoice Ninja answered {response.status_code}", transient=True)
        if response.status_code != 200:
            raise NinjaError(f"Invoice Ninja answered {response.status_code}", transient=False)
        try:
            body = response.json()
        except ValueError as error:
            raise NinjaError("Invoice Ninja's answer is not JSON", transient=True) from error
        if not isinstance(body, dict) or not isinstance(body.get("data"), list | dict):
            raise NinjaError("Invoice Ninja's answer has no data list", transient=True)
        return body

    def changed(
        self, entity: str, since: int, extra: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every `entity` ("clients", "invoices", "payments") updated at or after `since`."""
        found: dict[str, dict[str, Any]] = {}
        cursor, page = since, 1
        for _request in range(MAX_REQUESTS):
            body = self.get(
                entity,
                {
                    "updated_at": cursor,
                    "sort": "updated_at|asc",
                    "per_page": PER_PAGE,
                    "page": page,
                    **(extra or {}),
                },
            )
            rows = body["data"]
            if not isinstance(rows, list) or not all(
                isinstance(row, dict) and isinstance(row.get("id"), str) for row in rows
            ):
                raise NinjaError(
                    f"Invoice Ninja's {entity} are not a list of records", transient=True
                )
            for row in rows:
                found[row["id"]] = row  # a later copy of the same record is the newer one
            if len(rows) < PER_PAGE:
                return list(found.values())
            last = _stamp(rows[-1])
            if last > cursor:
                cursor, page = last, 1  # on from the newest seen (it is read again: >=)
            else:
                page += 1  # a whole page of one moment: the next page of that moment
        raise NinjaError(f"Too many {entity} changed at once to pull", transient=False)

    def one(self, entity: str, ninja_id: str) -> dict[str, Any]:
        body = self.get(f"{entity}/{ninja_id}")
        if not isinstance(body["data"], dict):
            raise NinjaError(f"Invoice Ninja's {entity[:-1]} is not a record", transient=True)
        return body["data"]


def _stamp(row: dict[str, Any]) -> int:
    value = row.get("updated_at")
    if isinstance(value, bool) or not isinstance(value, int):
        raise NinjaError("Invoice Ninja's record has no updated_at time", transient=True)
    return value
