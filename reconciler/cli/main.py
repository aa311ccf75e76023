"""The `reconciler` command: a lazy click group and the one expected-error edge.

Subcommands live in their own modules and are imported only when run, so
`reconciler --help` stays fast. Every `ReconcilerError` becomes one line per
problem on stderr and exit 1; usage errors also exit 1 (exit 2 is reserved
for `plan --detailed-exitcode`). `--debug` re-raises with the traceback.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import click

from reconciler import __version__
from reconciler.errors import ReconcilerError
from reconciler.render.safe import plain

# A run builds many small containers (parsed specs, live objects) that live until it
# ends, so at the default threshold (700 allocations) the cycle collector walks them
# again and again: a third of `validate`'s time at 1,200 specs (issue 29). Cycles are
# still collected, just less often; the older generations keep their factor of 10, so
# a plan's cyclic garbage (responses, tasks) does not wait for a rare full collection.
gc.set_threshold(10_000, 10, 10)
# At exit the interpreter runs one last collection over everything still alive and frees
# its cycles: 0.15 s of CPU after a plan of 1,000 campaigns had printed (issue 29). The
# process is ending and the OS takes its memory back, so what lives then is frozen out of
# that collection. Files are closed and flushed where they are written, not by it.
atexit.register(gc.freeze)
# pydantic looks for plugins (entry points of every installed distribution) when it
# builds its first model: a scan of the venv's metadata on every run, for plugins
# reconciler does not use. A user's own setting of the variable wins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


class _NoPydanticPlugins:
    """With plugins off, pydantic's plugin loader still imports importlib.metadata (and
    with it email, zipfile, csv, socket: 5 % of a cold validate's instructions) only to
    answer "no plugins". This import finder gives pydantic that answer under the loader's
    name when pydantic asks for it, unless the user turned plugins on (or named some off:
    then pydantic's own loader decides). Nothing is imported before pydantic is."""

    NAME = "pydantic.plugin._loader"

    @classmethod
    def find_spec(cls, name: str, path: object = None, target: object = None) -> Any:
        if name != cls.NAME:
            return None
        if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true"):
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(name, cls)  # type: ignore[arg-type]  # a Loader by its methods

    @staticmethod
    def create_module(spec: object) -> None:
        return None  # the default module

    @staticmethod
    def exec_module(module: Any) -> None:
        module.get_plugins = tuple  # () as pydantic's loader gives with plugins off


sys.meta_path.insert(0, _NoPydanticPlugins)  # type: ignore[arg-type]

COMMANDS: dict[str, str] = {
    "validate": "reconciler.cli.validate:validate",
    "fmt": "reconciler.cli.fmt:fmt",
    "schema": "reconciler.cli.schema:schema",
    "plan": "reconciler.cli.plan:plan",
    "apply": "reconciler.cli.apply:apply",
    "sandbox": "reconciler.cli.sandbox:sandbox",
    "gitops": "reconciler.cli.gitops:gitops",
    "send-test": "reconciler.cli.send_test:send_test",
    "import": "reconciler.cli.importing:import_cmd",
    "preview": "reconciler.cli.preview:preview",
    "calendar": "reconciler.cli.calendar:calendar",
    "unlock": "reconciler.cli.unlock:unlock",
    "stop": "reconciler.cli.stop:stop",
    "doctor": "reconciler.cli.doctor:doctor",
    "init": "reconciler.cli.init:init",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n in COMMANDS if _importable(COMMANDS[n]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _importable(target):
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


def _importable(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
@click.option("--debug", is_flag=True, help="Show tracebacks and HTTP debug logs.")
@click.option("--trusted-config", metavar="FILE", default=None,
              type=click.Path(path_type=Path, dir_okay=False),
              help="A reconciler.yaml you trust (the base branch's): each env's URLs and "
              "org/app must equal it, else no request is made. Env: RECONCILER_TRUSTED_CONFIG.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, trusted_config: Path | None) -> None:
    """Campaign-as-code: validate, plan and apply campaigns and audiences on Localytics,
    Stream Chat and Netcore Smartech."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if trusted_config is not None:
        # load_config reads it from the environment, so every command honours it alike.
        from reconciler.config.trust import TRUSTED_CONFIG_VARIABLE

        os.environ[TRUSTED_CONFIG_VARIABLE] = str(trusted_config)
    if debug:
        _debug_logging()


def _debug_logging() -> None:
    """Request lines and retries on stderr; never headers, and a filter redacts any that slip in."""
    import logging

    from reconciler.cli.redact import RedactingFilter

    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                        format="debug: %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    for noisy in ("httpcore", "hpack", "asyncio", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="reconciler", standalone_mode=False)
    except ReconcilerError as e:
        if debug:
            raise
        for line in e.lines():  # messages may quote API text or file names: one line each
            click.echo(plain(line).replace("\n", "?"), err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(1)
    except click.UsageError as e:
        from reconciler.cli.usage import usage_line

        click.echo(plain(usage_line(e)), err=True)
        sys.exit(1)
    except click.ClickException as e:
        e.show()
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
