"""`reconciler import` for Smartech: adopt existing email drafts by their unique name.

Email identity is the campaign name, so adopting a draft made in the panel is
writing a spec of that name: the next plan matches it and shows no change
(the managed tag is not compared, so an adopted draft need not carry it).
Only drafts are adopted: a sent campaign is immutable and has nothing to
manage. App push cannot be listed at all, and audiences are panel-owned
references: write those files by hand (`{type, id}`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from reconciler.config import LoadedConfig
from reconciler.importer.slugs import SlugBook, slugify
from reconciler.importer.write import new_text, write_atomic
from reconciler.smartech.provider import SmartechProvider
from reconciler.smartech.spec import MANAGED_TAG

SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/smartech-campaign.schema.json\n"


def draft_document(raw: dict) -> CommentedMap:  # type: ignore[type-arg]
    """A v4 get item as a spec document, in the model's key order."""
    content = raw.get("content_details") or {}
    doc = CommentedMap()
    doc["channel"] = "email"
    doc["name"] = raw["campaign_name"]
    doc["template_id"] = content.get("template_id")
    doc["tags"] = [t for t in raw.get("tags") or [] if t != MANAGED_TAG]
    sender = raw.get("sender_details") or {}
    doc["sender_details"] = CommentedMap(sender_name=sender.get("sender_name"),
                                         sender_email=sender.get("sender_email"))
    doc["subject_line"] = content.get("subject_line")
    if raw.get("preheader"):
        doc["preheader"] = raw["preheader"]
    return doc


async def import_drafts(loaded: LoadedConfig, provider: SmartechProvider, *, names: tuple[str, ...],
                        every: bool, dry_run: bool, echo: Callable[[str], None]) -> tuple[int, int]:
    """(written, skipped): a file per chosen email draft no spec manages yet."""
    from reconciler.workspace import load_workspace

    managed = {s.name for s in load_workspace(loaded, warn=lambda _l: None).of_kind("campaign")}
    book = SlugBook(loaded.root / "campaigns")
    written = skipped = 0
    for live in await provider.list_live("campaign"):
        if not (every or live.name in names) or live.name in managed:
            continue
        if live.status != "draft":
            echo(f"skipped {live.name!r}: {live.status}, not a draft (an executed campaign "
                 "cannot be managed)")
            skipped += 1
            continue
        full = await provider.get_live("campaign", live.id)
        if full is None or full.raw is None:
            skipped += 1
            continue
        key = book.claim(slugify(live.name, f"campaign-{live.id}"))
        path: Path = loaded.root / "campaigns" / f"{key}.yaml"
        if not dry_run:
            write_atomic(path, SCHEMA_LINE.replace("../", "../" * (key.count("/") + 1), 1)
                         + new_text(draft_document(dict(full.raw))))
        echo(f"{'would write' if dry_run else 'wrote'} campaigns/{key}.yaml ({live.name!r})")
        written += 1
    return written, skipped
