"""Where credentials may go: the URL and env-name rules of reconciler.yaml.

An env's URLs decide which host receives LOCALYTICS_API_KEY/SECRET (or a
Stream or Smartech secret), so they are held to a narrow shape: https, or
plain http only to this machine (a served sandbox); no userinfo, query,
fragment, control character or impossible port. Env names become artifact
names, folder names and concurrency groups, so they are one safe word.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

ENV_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`: a request there never leaves the machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(value: str, example: str, sandbox_ok: bool = False) -> str:
    """`value` as a base URL credentials may be sent to, without a trailing slash.

    Raises ValueError (pydantic turns it into a located `file:line` problem).
    """
    if _CONTROL.search(value):
        raise ValueError("must not contain spaces, newlines or other control characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        either = "'sandbox' or " if sandbox_ok else ""
        raise ValueError(f"must be {either}an https:// URL, e.g. {example}")
    if "@" in parts.netloc:
        raise ValueError("must not hold credentials (user@host); they come from the environment")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has an invalid port (1-65535)") from None
    if port == 0:
        raise ValueError("has an invalid port (1-65535)")
    host = parts.hostname or ""
    if not host:
        raise ValueError(f"has no host, e.g. {example}")
    if parts.query or value.rstrip("/").endswith("?"):
        raise ValueError("must not have a query string (?...)")
    if parts.fragment or "#" in value:
        raise ValueError("must not have a fragment (#...)")
    if parts.scheme == "http" and not is_loopback(host):
        raise ValueError(f"must use https (http:// only to this machine: 127.0.0.1, ::1 or "
                         f"localhost), e.g. {example}")
    return value.rstrip("/")


def check_region_url(url: str, env_word: str, region_word: str,
                     regions: dict[str, str]) -> None:
    """Raise ValueError unless `url` is one of a platform's documented region hosts (https,
    no path) or a loopback URL of a served sandbox.

    Platforms that serve one API per region (Smartech, Airship) hold an env's URL to
    that short list, so a secret never travels to a host their docs do not name.
    `regions` maps each host to its region's name; `env_word` names the env ("a
    smartech env") and `region_word` says what the docs call a host ("a region host").
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if is_loopback(host):
        return
    if parts.scheme != "https" or host not in regions or parts.path not in ("", "/"):
        known = ", ".join(f"https://{h} ({r})" for h, r in regions.items())
        raise ValueError(f"{env_word}'s api_url is sandbox, {region_word} ({known}) "
                         "or a loopback URL of a served sandbox")


def check_env_name(name: str) -> str:
    """Env names end up in artifact names and paths: one lowercase word, no dots or slashes."""
    if not ENV_NAME.fullmatch(name):
        shown = name.encode("unicode_escape").decode("ascii")[:70]
        raise ValueError(f"env name {shown!r} is not allowed: use 1-63 lowercase letters, digits, "
                         "'-' or '_', starting with a letter or digit")
    return name


_FOLDER_SEGMENT = re.compile(r"\w[\w.-]*")


def check_specs_folder(v: str) -> str:
    """An env's `specs:` folder: `.` or a relative path of safe names, inside the repo.

    Spec paths are printed and written relative to it, so it may not climb out of
    the repository (`..`), be absolute, or hold blanks or control characters.
    """
    folder = v.strip().rstrip("/")
    if folder in (".", ""):
        return "."
    parts = folder.split("/")
    if v.startswith("/") or not all(_FOLDER_SEGMENT.fullmatch(p) for p in parts) or \
            any(p in (".", "..") for p in parts):
        raise ValueError(f"specs folder {v!r} must be `.` or a relative path inside the "
                         "repository (letters, digits, '_', '.', '-' and '/'; no '..')")
    return folder
