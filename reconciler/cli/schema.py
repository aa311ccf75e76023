"""`reconciler schema`: JSON Schema of spec files and reconciler.yaml for editors."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import LazyChoice, target_options


def _kinds() -> tuple[str, ...]:
    from reconciler.workspace.schema import schema_kinds

    return schema_kinds()


@click.command()
@target_options
@click.option("--kind", type=LazyChoice(_kinds), default="campaign", show_default=True,
              help="Which file the schema describes.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write every schema as DIR/<kind>.schema.json instead of printing one.")
def schema(config_path: Path, env_name: str | None, kind: str, out_dir: Path | None) -> None:
    """Print the JSON Schema (Draft 2020-12) generated from the spec models.

    The schemas are the same for every env; `--config` only tells where the
    repository is, so `--out-dir` never writes over it or into its spec folders.
    """
    from reconciler.cli.outpaths import check_writable
    from reconciler.workspace.schema import schema_text

    if out_dir is None:
        click.echo(schema_text(kind), nl=False)
        return
    kinds = _kinds()
    targets = [out_dir / f"{k}.schema.json" for k in kinds]
    for target in targets:  # all checked before the first write
        check_writable(target, config_path, "--out-dir")
    out_dir.mkdir(parents=True, exist_ok=True)
    for k, target in zip(kinds, targets, strict=True):
        target.write_text(schema_text(k), encoding="utf-8")
        click.echo(f"wrote {target}")
