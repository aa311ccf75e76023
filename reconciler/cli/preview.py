"""`reconciler preview KEY`: draw a campaign's push as iOS and Android show it (offline)."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options

FORMATS = (".svg", ".png", ".html")


@click.command()
@target_options
@click.argument("key")
@click.option("--creative", default="all", show_default=True, metavar="LETTER|all",
              help="Which creative (A, B, …) to draw.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="FILE.svg, FILE.png or FILE.html (default: .reconciler/previews/KEY.svg).")
def preview(config_path: Path, env_name: str | None, key: str, creative: str,
            out: Path | None) -> None:
    """Draw KEY's creatives on an iOS lock screen and an Android shade; print the file written.

    Text is cut where the device would cut it (grapheme clusters, with an
    ellipsis); the figures are in docs/previews.md. Needs no API access.
    """
    from reconciler.cli.outpaths import check_writable
    from reconciler.cli.workflow import load
    from reconciler.preview.render import PreviewError, html_page, png, svg

    if out is not None:
        check_writable(out, config_path, "--out")
    loaded, workspace = load(config_path, env_name)
    spec = workspace.get(key if key.startswith("campaign:") else f"campaign:{key}")
    if spec is None:
        raise PreviewError(f"no campaign spec with key {key!r} (campaigns/{key}.yaml)")
    if out is None:
        out = loaded.state_dir / "previews" / (spec.key.replace("/", "__") + ".svg")
    if out.suffix.lower() not in FORMATS:
        raise PreviewError(f"--out {out}: give a .svg, .png or .html file")
    env = loaded.env
    app = str(env.vars.get("app_name") or env.app_id)
    which = creative if creative == "all" else creative.upper()
    picture = svg(spec.body, app, which, caption=f"{spec.name} ({spec.key})")
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".png":
        out.write_bytes(png(svg(spec.body, app, which, caption=spec.name, visual=True)))
    elif suffix == ".html":
        out.write_text(html_page(f"Preview: {spec.name}", [(spec.key, picture)]),
                       encoding="utf-8")
    else:
        out.write_text(picture, encoding="utf-8")
    click.echo(str(out))
