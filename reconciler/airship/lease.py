"""The apply lease on Airship: a segment that no push targets.

A segment sends nothing by itself (docs/specs/airship.md §7), so a lease is a
segment named like every apply lease whose criteria select one reserved tag in
a reserved tag group. It is told apart from a user's segment by both (the
name, and the criteria read back with a GET): a user's segment named like a
lease is never listed as one, so never deleted. Its rank is the list's
`creation_date` (epoch milliseconds), the segment id breaking a tie; the
renewal is a full PUT of the new name with the same criteria.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.airship.client import AirshipClient
from reconciler.provider import LeaseObject, is_lease_name

LEASE_CRITERIA: dict[str, Any] = {"tag": "reconciler-lease", "group": "reconciler"}


def lease_body(name: str) -> dict[str, Any]:
    return {"display_name": name, "criteria": dict(LEASE_CRITERIA)}


def is_lease(row: dict[str, Any], full: dict[str, Any] | None) -> bool:
    """A lease by its name and, from its GET, its reserved criteria."""
    return (is_lease_name(str(row.get("display_name") or "")) and full is not None
            and full.get("criteria") == LEASE_CRITERIA)


def _rank(row: dict[str, Any]) -> tuple[Any, ...]:
    created = row.get("creation_date")
    return (created if isinstance(created, int) else 0, str(row.get("id")))


class AirshipLease:
    """HoldsLease for Airship (mixed into AirshipProvider)."""

    client: AirshipClient

    async def lease_create(self, name: str) -> LeaseObject:
        new_id = await self.client.create("segments", lease_body(name))
        found = next((o for o in await self.lease_list() if o.id == new_id), None)
        return found or LeaseObject(new_id, name, (0, new_id))

    async def lease_list(self) -> list[LeaseObject]:
        out = []
        for row in await self.lease_rows():
            out.append(LeaseObject(str(row["id"]), str(row["display_name"]), _rank(row)))
        return out

    async def lease_rows(self, rows: list[dict[str, Any]] | None = None
                         ) -> list[dict[str, Any]]:
        """The listing rows that are leases (one GET per lease-named row: few)."""
        listed = await self.client.list_segments() if rows is None else rows
        found = []
        for row in listed:
            if is_lease_name(str(row.get("display_name") or "")):
                full = await self.client.get("segments", str(row.get("id")))
                if is_lease(row, full):
                    found.append(row)
        return found

    async def lease_renew(self, lease_id: int | str, name: str) -> None:
        await self.client.update("segments", str(lease_id), lease_body(name))

    async def lease_delete(self, lease_id: int | str) -> None:
        await self.client.delete("segments", str(lease_id))

    def platform_now(self) -> datetime | None:
        return self.client.clock.last
