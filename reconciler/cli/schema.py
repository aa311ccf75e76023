"""`reconciler schema`: JSON Schema of spec files and reconciler.yaml for editors."""

from __future__ import annotations

from pathlib import Path

import click

KINDS = ("campaign", "audience", "config", "segment", "stream-campaign", "smartech-audience",
    "smartech-campaign")


@click.command()
@click.option("--kind", type=click.Choice(KINDS), default="campaign", show_default=True,
              help="Which file the schema describes.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write every schema as DIR/<kind>.schema.json instead of printing one.")
def schema(kind: str, out_dir: Path | None) -> None:
    """Print the JSON Schema (Draft 2020-12) generated from the spec models."""
    from reconciler.spec.schema import schema_text

    if out_dir is None:
        click.echo(schema_text(kind), nl=False)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for k in KINDS:
        target = out_dir / f"{k}.schema.json"
        target.write_text(schema_text(k), encoding="utf-8")
        click.echo(f"wrote {target}")
