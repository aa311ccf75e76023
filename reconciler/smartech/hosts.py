"""Netcore's hosts per region, from the env's `api_url` (its v4 host).

Sources: v4 hosts [EM4], legacy app-push hosts [PUSH], audience list [AUD]
(see docs/specs/smartech.md). The EU region lists no legacy app-push host:
app-push specs in an EU env fail at plan with that reason. A loopback URL
(a served sandbox) serves every API under its own path.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from reconciler.errors import ConfigError
from reconciler.smartech.config import REGION_HOSTS


@dataclass(frozen=True)
class Endpoints:
    v4: str  # POST {v4}/v4/campaign/{list,get,create,update,delete}
    push: str | None  # POST {push}/create, {push}/execute (legacy app push)
    audience_list: str  # POST: the lists/segments of the account
    region: str


REGIONS: dict[str, Endpoints] = {
    "US": Endpoints("https://api.netcoresmartech.com", "https://api1.netcoresmartech.com/campaign",
                    "https://api.netcoresmartech.com/v4/list", "US"),
    "IN": Endpoints("https://apiind.netcoresmartech.com",
                    "https://api1-in.netcoresmartech.com/campaign",
                    "https://apiind.netcoresmartech.com/v4/audience/list", "IN"),
    # ASSUMED: the EU audience path is /v4/list as for the US (the notes show only the host)
    "EU": Endpoints("https://apieu.netcoresmartech.com", None,
                    "https://jsonapi.eu-north-1.eu.netcoresmartech.com/v4/list", "EU"),
}


def endpoints(api_url: str) -> Endpoints:
    """The hosts for an env's api_url (already checked by the config)."""
    parts = urlsplit(api_url)
    region = REGION_HOSTS.get(parts.hostname or "")
    if region is not None:
        return REGIONS[region]
    if parts.scheme in ("http", "https"):
        base = api_url.rstrip("/")
        return Endpoints(base, f"{base}/campaign", f"{base}/v4/audience/list", "sandbox")
    raise ConfigError(f"{api_url}: not a Smartech region host")
