"""Jinja2 rendering of string values, after YAML parsing (so positions stay true).

Sandboxed and immutable (a template cannot change `vars` or anything else it
sees, so one spec's template cannot change another's output, whatever the
file order), strict about undefined names, bounded in output size, in time
per value and per run, and in the numbers a template may multiply, format or
call with, so a slip cannot render gigabytes or spin the CPU. Strings without `{{`, `{%` or `{#` never touch Jinja.
"""

from __future__ import annotations

import difflib
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

MAX_RENDERED = 100_000  # characters per value
MAX_NUMBER = 100_000  # largest repeat count / power / call argument a template may use
MAX_SECONDS = 2.0  # CPU budget of one value: nested loops that output nothing end here
MAX_RUN_SECONDS = 20.0  # budget of every template of one run (many values each just under)
# Globals a spec template may use. Jinja's cycler, joiner, namespace and lipsum are
# left out: specs need none of them, and namespace() is the one way a loop can
# accumulate (doubling a string 40 times is a terabyte before any output cap).
GLOBALS = ("range", "dict")


class TemplateProblem(Exception):
    """A value failed to render; the message names the cause."""


_WIDE_FORMAT = re.compile(r"\d{6,}")  # a width or precision of 100000 or more


def _check_args(args: tuple[Any, ...], error: Any) -> None:
    for a in args:
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_NUMBER:
            shown = a if abs(a) < 10**12 else "with more than 12 digits"
            raise error(f"number {shown} is too large in a template")


def _check_binop(op: str, left: Any, right: Any, error: Any) -> None:
    if op == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(n, int) and isinstance(seq, str | list | tuple) and (
                len(seq) * n > MAX_RENDERED
            ):
                raise error(f"'*' would make {len(seq) * n:,} items in a template")
    _check_args((left,) if isinstance(left, int) else (), error)
    if op == "**" and isinstance(right, int) and abs(right) > 1000:
        raise error(f"exponent {right} is too large in a template")
    if op == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
        raise error("format width too large in a template")


def _sandbox() -> Any:
    """The sandboxed Jinja environment (jinja2 is imported only when a template needs it).

    Beyond Jinja's sandbox (no private attributes, range() ≤ 100,000 items) it refuses
    repeats, powers, format widths and call or filter arguments that would build huge
    values; the rendered output is capped by the caller. These guard against accidents,
    not against a determined author (who can write anything into a spec anyway).
    """
    import functools

    from jinja2 import StrictUndefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class _Env(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%"})

        def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
            _check_binop(op, left, right, SecurityError)
            return super().call_binop(context, op, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
            _check_args((*args, *kwargs.values()), SecurityError)
            return super().call(__context, __obj, *args, **kwargs)

        def wrap_str_format(self, value: Any) -> Any:
            owner = getattr(value, "__self__", None)
            if isinstance(owner, str) and _WIDE_FORMAT.search(owner) and getattr(
                value, "__name__", ""
            ) in ("format", "format_map"):
                def refuse(*args: Any, **kwargs: Any) -> Any:
                    raise SecurityError("format width too large in a template")

                return refuse
            return super().wrap_str_format(value)

    def guarded(f: Any) -> Any:
        @functools.wraps(f)
        def filter_(*args: Any, **kwargs: Any) -> Any:
            _check_args((*args[1:], *kwargs.values()), SecurityError)
            return f(*args, **kwargs)

        return filter_

    env = _Env(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters = {name: guarded(f) for name, f in env.filters.items()}
    env.globals = {name: env.globals[name] for name in GLOBALS}
    return env


class _TooSlow(Exception):
    pass


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Stop a template's own code once it has run `seconds` (a loop that outputs nothing).

    A line tracer on compiled template frames only (Jinja compiles templates to
    Python under the file name "<template>"); Jinja itself runs untraced. When
    another tracer is active (a debugger, coverage) it is left alone and this
    guard is off.
    """
    if sys.gettrace() is not None:
        yield
        return
    end = time.monotonic() + seconds

    def local(frame: Any, event: str, arg: Any) -> Any:
        if time.monotonic() > end:
            raise _TooSlow
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == "<template>" else None

    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(None)


# `text {{ vars.a.b }} text {{ env }}`: rendered without Jinja when every name resolves
_SIMPLE = re.compile(r"\{\{\s*(env|vars(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*\}\}")
_PLAIN_VALUE = (str, int, float)
# A `{% raw %}` block (kept as written) or one `{{ … }}` expression.
_RAW_OR_EXPR = re.compile(
    r"(\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\})|\{\{(.*?)\}\}", re.DOTALL
)
_NAME_FIRST = re.compile(r"\s*-?\s*([A-Za-z_]\w*)")  # `{{ receiver.name }}`, not `{{ 'x' * 9 }}`
_OURS = re.compile(r"(?<![\w.])(vars|env)(?![\w])")
_JINJA_MARK = re.compile(r"\{[{%#]|[%#]\}")  # what starts or ends Jinja syntax
_MISSING_ATTR = re.compile(r"has no attribute '([^']*)'")
_UNDEFINED_NAME = re.compile(r"'([^']*)' is undefined")


class Renderer:
    """Renders strings with context `vars` and `env`; caches compiled templates.

    `platform_names` gives the root names of the platform's own template variables
    (`Platform.template_names`); it is called only when a template has an expression
    that is not ours. `run_seconds` is the
    whole run's template time budget, on top of each value's own.
    """

    def __init__(self, variables: Mapping[str, Any], env_name: str,
                 platform_names: Callable[[], frozenset[str]] = frozenset,
                 run_seconds: float = MAX_RUN_SECONDS):
        self.vars = dict(variables)
        self.env_name = env_name
        self._platform_names = platform_names
        self._names: frozenset[str] | None = None
        self._run_seconds = run_seconds
        self._left = run_seconds  # of the run's template time budget
        self._jinja: Any = None
        self._cache: dict[str, Any] = {}
        self._context = {"vars": self.vars, "env": env_name}

    @staticmethod
    def is_template(s: str) -> bool:
        return "{" in s and ("{{" in s or "{%" in s or "{#" in s)

    def render(self, source: str) -> str:
        """The rendered string, or TemplateProblem naming the cause."""
        if not self.is_template(source):
            return source
        fast = self._simple(source)
        if fast is not None:
            return fast
        if only_foreign(source, self._passthrough):
            return source  # what Jinja gives back for it, without compiling it
        source = protect_foreign(source, self._passthrough)
        from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
        from jinja2.exceptions import SecurityError

        if self._jinja is None:
            self._jinja = _sandbox()
        template = self._cache.get(source)
        if template is None:
            try:
                template = self._jinja.from_string(source)
            except TemplateSyntaxError as e:
                from reconciler.source.jinjawords import syntax_words  # its regexes: only here

                raise TemplateProblem(syntax_words(e.message or "")) from None
            self._cache[source] = template
        if self._left <= 0:
            raise TemplateProblem(self._run_spent())
        parts: list[str] = []
        size = 0
        started = time.monotonic()
        budget = min(MAX_SECONDS, self._left)
        try:
            with _deadline(budget):
                for chunk in template.generate(self._context):
                    size += len(chunk)
                    if size > MAX_RENDERED:
                        raise TemplateProblem(
                            f"template renders more than {MAX_RENDERED:,} characters"
                        )
                    parts.append(chunk)
        except _TooSlow:
            if budget < MAX_SECONDS:
                raise TemplateProblem(self._run_spent()) from None
            raise TemplateProblem(
                f"template runs longer than {MAX_SECONDS:g} s (a loop too large?)"
            ) from None
        except RecursionError:
            raise TemplateProblem("template recurses without end (a macro calling itself?)"
                                  ) from None
        except UndefinedError as e:
            raise TemplateProblem(self._undefined(source, str(e))) from None
        except SecurityError as e:
            raise TemplateProblem(f"template not allowed: {e}") from None
        except TemplateError as e:
            raise TemplateProblem(f"template error: {e}") from None
        except (ArithmeticError, TypeError, ValueError, OverflowError, MemoryError) as e:
            raise TemplateProblem(f"template error: {e}") from None
        finally:
            self._left -= time.monotonic() - started
        return "".join(parts)

    def _run_spent(self) -> str:
        return (f"templates of this run took more than their {self._run_seconds:g} s budget "
                "in all (loops too large?)")

    def _simple(self, source: str) -> str | None:
        """Plain substitution for `{{ vars.x }}` / `{{ env }}`; None when Jinja must decide."""
        out: list[str] = []
        pos = 0
        for m in [*_SIMPLE.finditer(source), None]:
            text = source[pos:m.start() if m else len(source)]
            if "{{" in text or "{%" in text or "{#" in text:
                return None
            out.append(text)
            if m is None:
                break
            pos = m.end()
            value: object = self.vars
            if m.group(1) == "env":
                value = self.env_name
            for name in m.group(1).split(".")[1:]:
                if not isinstance(value, dict) or name not in value:
                    return None
                value = value[name]
            if not isinstance(value, _PLAIN_VALUE) or isinstance(value, bool):
                return None
            out.append(str(value))
        return "".join(out)

    def _undefined(self, source: str, message: str) -> str:
        m = _MISSING_ATTR.search(message)
        if m and re.search(rf"vars\s*(\.\s*{re.escape(m.group(1))}\b|\[\s*['\"]"
                           rf"{re.escape(m.group(1))}['\"])", source):
            name = m.group(1)
            hint = difflib.get_close_matches(name, list(self.vars), n=1)
            known = ", ".join(sorted(self.vars)) or "none"
            tip = f"did you mean vars.{hint[0]}? " if hint else ""
            return (f"undefined template variable vars.{name} "
                    f"({tip}env {self.env_name!r} defines vars: {known})")
        m = _UNDEFINED_NAME.search(message)
        if m:
            name = m.group(1)
            platform = sorted(self._passthrough())
            choices = [f"vars.{v}" for v in self.vars] + ["env"] + platform
            hint = difflib.get_close_matches(f"vars.{name}" if name in self.vars else name,
                                             choices, n=1, cutoff=0.6)
            if not hint:
                hint = difflib.get_close_matches(name, list(self.vars), n=1)
                hint = [f"vars.{hint[0]}"] if hint else []
            tip = f"did you mean {hint[0]}? " if hint else ""
            seen = ", ".join(["'vars'", "'env'", *(f"'{n}'" for n in platform)])
            return f"undefined template variable {name!r} ({tip}templates see {seen})"
        return f"undefined template variable: {message}"

    def _passthrough(self) -> frozenset[str]:
        if self._names is None:
            self._names = frozenset(self._platform_names())
        return self._names


def platform_names(loaded: Any) -> Callable[[], frozenset[str]]:
    """The template names of the env's platform (`Platform.template_names`), looked up
    on first use. The descriptor, not the provider class: spec loading imports no platform
    client (httpx), which the session imports its own lean way (reconciler.httpboot)."""
    def names() -> frozenset[str]:
        from reconciler.registry import platform

        return platform(loaded.env.provider).template_names

    return names


def protect_foreign(source: str, platform_names: Callable[[], frozenset[str]]) -> str:
    """Wrap every `{{ name… }}` whose first name is the platform's in `{% raw %}`.

    Platforms may have template languages of their own (Stream renders
    `{{ receiver.name }}` per recipient), so spec-time rendering hands those
    expressions to the platform verbatim, without users writing `{% raw %}`.
    An expression naming `vars` or `env`, or any other name, is Jinja's to
    render (an unknown name is then an error). Existing raw blocks are left alone.
    """
    def wrap(m: re.Match[str]) -> str:
        if m.group(1) is not None or not _foreign(m.group(2), platform_names):
            return m.group(0)  # a raw block; ours, a literal, or unknown: Jinja decides
        return "{% raw %}" + m.group(0) + "{% endraw %}"

    return _RAW_OR_EXPR.sub(wrap, source)


def only_foreign(source: str, platform_names: Callable[[], frozenset[str]]) -> bool:
    """Whether Jinja would give `source` back as written: each `{{ … }}` is the platform's
    (kept as written, see `protect_foreign`) and the text between holds no Jinja at all.

    Then rendering needs no compiled template: a Stream campaign's text naming
    `{{ receiver.name }}` is such a string, and compiling 900 of them was a third of a
    second of `apply`'s start (issue 29). Carriage returns are left to Jinja, which
    rewrites them.
    """
    if "\r" in source:
        return False
    pos = 0
    for m in _RAW_OR_EXPR.finditer(source):
        expr = m.group(2)
        if m.group(1) is not None or _JINJA_MARK.search(expr) or \
                _JINJA_MARK.search(source, pos, m.start()) or \
                not _foreign(expr, platform_names):
            return False
        pos = m.end()
    return _JINJA_MARK.search(source, pos) is None


def _foreign(expr: str, platform_names: Callable[[], frozenset[str]]) -> bool:
    """Whether the expression inside `{{ … }}` is the platform's: its first name is one of
    the platform's, and it names neither `vars` nor `env`."""
    expr = _strip_strings(expr)
    first = _NAME_FIRST.match(expr)
    return first is not None and not _OURS.search(expr) and first.group(1) in platform_names()


def _strip_strings(expr: str) -> str:
    """The expression without its string literals ('vars' in quotes names nothing)."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "''", expr)
