"""`reconciler preview KEY`: draw a campaign as the platform's default UI shows it (offline).

The drawing is the env's provider class's (`Provider.preview`): Localytics a
push on iOS and Android, Stream a chat message, Smartech what git knows of an
app push or an email. This command only picks the file and writes it.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options

FORMATS = (".svg", ".png", ".html", ".txt")


@click.command()
@target_options
@click.argument("key")
@click.option("--creative", default="all", show_default=True, metavar="LETTER|all",
              help="Which creative (A, B, …) to draw (Localytics).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="FILE.svg, FILE.png, FILE.html or FILE.txt "
              "(default: .reconciler/previews/KEY.svg).")
def preview(config_path: Path, env_name: str | None, key: str, creative: str,
            out: Path | None) -> None:
    """Draw KEY as its platform shows it; print the file written.

    Localytics: each creative on an iOS lock screen and an Android shade, text
    cut where the device would cut it. Stream: the chat message with
    `{{ receiver.* }}` filled from the env's preview_receiver. Smartech: the
    push or inbox line git knows, naming the panel template. Figures and
    rules in docs/previews.md. Needs no API access.
    """
    from reconciler.cli.outpaths import check_writable
    from reconciler.cli.workflow import load
    from reconciler.platform import Previews
    from reconciler.preview.render import PreviewError, html_page, png
    from reconciler.registry import provider_class

    if out is not None:
        check_writable(out, config_path, "--out")
    loaded, workspace = load(config_path, env_name)
    spec = workspace.get(key if key.startswith("campaign:") else f"campaign:{key}")
    if spec is None:
        raise PreviewError(f"no campaign spec with key {key!r} (campaigns/{key}.yaml)")
    if out is None:
        out = loaded.state_dir / "previews" / (spec.key.replace("/", "__") + ".svg")
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise PreviewError(f"--out {out}: give a .svg, .png, .html or .txt file")
    which = creative if creative == "all" else creative.upper()
    cls = provider_class(loaded.env.provider)
    if not isinstance(cls, Previews):
        raise PreviewError(f"preview is not available for {loaded.env.provider} envs")
    picture = cls.preview(spec, loaded.env, which)
    data: bytes | str
    if suffix == ".png":
        data = png(picture.flat_svg)
        from reconciler.preview.emoji import emoji_font, has_emoji, missing_font_warning

        if has_emoji(picture.text) and emoji_font() is None:
            click.echo(missing_font_warning(), err=True)
    elif suffix == ".html":
        data = html_page(picture.title, [(spec.key, picture.svg)])
    else:
        data = picture.text if suffix == ".txt" else picture.svg
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        out.write_bytes(data)
    else:
        out.write_text(data, encoding="utf-8")
    click.echo(str(out))
