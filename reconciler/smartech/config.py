"""Where a Smartech env may point: the sandbox, a documented region, or loopback.

Netcore serves its campaign APIs from per-region hosts (US, IN, EU; see
docs/specs/smartech.md for the sources). An env names its region by the v4
host; the other hosts of that region (legacy app push, audience list) are
derived from it in `reconciler.smartech.hosts`. A served sandbox on loopback
(`http://127.0.0.1:PORT/smartech`) is the only other target, so the API key
never travels to a host the docs do not list.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# v4 host per region [EM4]; the key of reconciler.smartech.hosts.REGIONS
REGION_HOSTS = {
    "api.netcoresmartech.com": "US",
    "apiind.netcoresmartech.com": "IN",
    "apieu.netcoresmartech.com": "EU",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_smartech_url(url: str) -> None:
    """Raise ValueError unless `url` is a region's https v4 host or a loopback URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host in LOOPBACK:
        return
    if parts.scheme != "https" or host not in REGION_HOSTS or parts.path not in ("", "/"):
        known = ", ".join(f"https://{h} ({r})" for h, r in REGION_HOSTS.items())
        raise ValueError(f"a smartech env's api_url is sandbox, a region host ({known}) "
                         "or a loopback URL of a served sandbox")
