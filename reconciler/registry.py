"""The one table of platforms: an env's `provider:` value -> its descriptor module.

Adding a platform is one line here (plus its own packages and workflow secrets).
Descriptors are imported by module path only when first asked for, so commands
that need no platform (`reconciler --help`) import none, and this module sits
below everything that uses it: nothing here imports a platform package by name.
The first entry is the default for an env without `provider:`.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.config import EnvConfig
    from reconciler.platform import Platform
    from reconciler.provider import Provider

PLATFORMS: dict[str, str] = {
    "localytics": "reconciler.localytics.platform",
    "stream": "reconciler.stream.platform",
    "smartech": "reconciler.smartech.platform",
    "airship": "reconciler.airship.platform",
}
DEFAULT = next(iter(PLATFORMS))


def names() -> tuple[str, ...]:
    """Every registered platform's `provider:` value, without importing any."""
    return tuple(PLATFORMS)


@cache
def platform(name: str) -> Platform:
    """The descriptor of platform `name` (KeyError for an unregistered one)."""
    found: Platform = importlib.import_module(PLATFORMS[name]).PLATFORM
    if found.name != name:
        raise RuntimeError(f"{PLATFORMS[name]}.PLATFORM is named {found.name!r}, not {name!r}")
    return found


def platforms() -> tuple[Platform, ...]:
    """Every registered platform's descriptor, in table order."""
    return tuple(platform(n) for n in PLATFORMS)


def platform_of(env: EnvConfig) -> Platform:
    """The descriptor of the platform an env targets."""
    return platform(env.provider)


def provider_class(name: str) -> type[Provider]:
    """The Provider class of platform `name`, for class-level hooks without a client."""
    return platform(name).provider_class()
