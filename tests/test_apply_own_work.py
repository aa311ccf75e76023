"""The client's own work per spec that must stay off an apply's critical path (issue 29).

Before a Stream apply writes anything it loads every spec and plans every create, and
that time is not hidden behind any request. Two things cost a third of a second each
at 1,000 specs and are guarded here by counting, never by timing:

- a campaign text naming only the platform's variables (`{{ receiver.name }}`) is handed
  to Stream as written, so it needs no Jinja template compiled (a string is rendered
  to exactly what Jinja would give, for every edge case below);
- a create's diff is every field added, so it needs no DeepDiff walk (its answer is
  DeepDiff's, field for field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from deepdiff import DeepDiff

from reconciler.plan.diff import diff
from reconciler.stream.normalize import comparable_campaign, comparable_segment
from reconciler.workspace.templating import Renderer, _sandbox, protect_foreign

STREAM_NAMES = frozenset({"receiver", "sender"})

# (text, whether Jinja need not see it)
TEXTS = [
    ("Hi {{ receiver.name }} number 3", True),
    ("{{receiver.name}}", True),
    ("{{- receiver.name -}} x\n", True),
    ("a {{ receiver.name }} }} b", True),
    ("x {{ sender.id }} {{ receiver.name|upper }} y", True),
    ("  {{ receiver['a'] }}  \n\n", True),
    ("{{ receiver.name }} {{ env }}", False),  # ours: Jinja renders it
    ("{{ receiver.name }} {# a comment #}", False),
    ("{{ receiver.name }} {% if true %}x{% endif %}", False),
    ("{{ receiver.name ~ '{% endraw %}' }}", False),
    ("{{ 'receiver' }}", False),  # a literal, not the platform's name
    ("{{ receiver.name }}\r\n", False),  # Jinja rewrites the line break
    ("{{ receiver.name }} {{", False),  # unterminated: Jinja's error
    ("{% raw %}{{ receiver.name }}{% endraw %}", False),
]


def _jinja(text: str) -> str:
    """What the Jinja path renders (the platform's expressions protected first)."""
    return "".join(_sandbox().from_string(protect_foreign(text, lambda: STREAM_NAMES))
                   .generate({"vars": {}, "env": "bench"}))


@pytest.fixture()
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every template source Jinja compiles while the test runs."""
    from jinja2 import Environment

    seen: list[str] = []
    compile_ = Environment.from_string

    def counting(self: Any, source: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(source))
        return compile_(self, source, *args, **kwargs)

    monkeypatch.setattr(Environment, "from_string", counting)
    return seen


@pytest.mark.parametrize(("text", "passes"), TEXTS)
def test_a_text_naming_only_the_platforms_variables_is_not_compiled(
        text: str, passes: bool, compiles: list[str]) -> None:
    """Seen failing before the fix: each of the six texts was compiled by Jinja."""
    renderer = Renderer({}, "bench", lambda: STREAM_NAMES)
    try:
        rendered: str | None = renderer.render(text)
    except Exception:  # noqa: BLE001 - the Jinja path's refusal is compared below
        rendered = None
    assert (compiles == []) is passes
    if passes:
        assert rendered == text == _jinja(text)


def test_the_same_texts_still_render_as_jinja_renders_them(compiles: list[str]) -> None:
    """Every text Jinja must see renders as before (or fails as before)."""
    for text, passes in TEXTS:
        if passes:
            continue
        renderer = Renderer({}, "bench", lambda: STREAM_NAMES)
        try:
            expected: str | None = _jinja(text)
        except Exception:  # noqa: BLE001
            expected = None
        try:
            got: str | None = renderer.render(text)
        except Exception:  # noqa: BLE001
            got = None
        assert got == expected, text


BODIES: list[dict[str, Any]] = [
    {"id": "rcl-s1", "type": "user", "name": "Segment 1",
     "filter": {"country": {"$eq": "NO"}}, "description": None},
    {"name": "Campaign", "segment_ids": ["rcl-s1"], "sender_id": "bot",
     "message_template": {"text": "Hi {{ receiver.name }}"}, "rules": [{"a": 1}], "1": 2},
    {"x y": [], "z": {}},
]


@pytest.mark.parametrize("body", BODIES)
def test_a_creates_diff_is_deepdiffs_without_walking(body: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen failing before the fix: DeepDiff was run for every create of a plan."""
    expected = [(c.path, c.before, c.after) for c in diff({"__": 1}, {"__": 1, **body})
                if c.path != "__"]
    walks: list[object] = []
    real: Callable[..., None] = DeepDiff.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        walks.append(args)
        real(self, *args, **kwargs)

    monkeypatch.setattr(DeepDiff, "__init__", counting)
    got = [(c.path, c.before, c.after) for c in diff({}, body)]
    assert walks == []
    assert got == expected


def test_comparable_forms_share_no_container_with_what_they_came_from() -> None:
    """They are built without a deep copy, so nothing mutable may be shared: a verify or
    a plan that edits one must never edit the payload or the live object."""
    campaign = {"name": "C", "segment_ids": ["a"], "message_template": {"text": "t"},
                "create_channels": False}
    segment = {"type": "user", "name": "S", "filter": {"country": {"$in": ["NO"]}},
               "target_ids": ["b", "a"]}
    for make, source in ((comparable_campaign, campaign), (comparable_segment, segment)):
        before = repr(source)
        _spoil(make(source))
        assert repr(source) == before


def _spoil(node: Any) -> None:
    """Change every container of `node`, innermost first."""
    children = list(node.values()) if isinstance(node, dict) else \
        list(node) if isinstance(node, list) else []
    for child in children:
        _spoil(child)
    if isinstance(node, dict):
        node.clear()
    elif isinstance(node, list):
        node.append("x")


def test_the_stream_sandbox_still_checks_every_token(tmp_path: Any) -> None:
    """A token the sandbox accepted once (and keeps as checked) is still refused where its
    secret is another, and a token that expired is refused each time it comes."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    import httpx
    import jwt

    from reconciler.sandbox.stream import SANDBOX_SECRET, create_stream_app
    from reconciler.stream.client import server_token

    good = server_token(SANDBOX_SECRET)
    expired = jwt.encode({"server": True, "exp": datetime.now(UTC) - timedelta(hours=1)},
                         SANDBOX_SECRET, algorithm="HS256")

    async def status(secret: str, token: str) -> int | str:
        app = create_stream_app(tmp_path / f"{len(secret)}.db", api_secret=secret)
        async with httpx.AsyncClient(base_url="http://stream.invalid",
                                     transport=httpx.ASGITransport(app)) as http:
            r = await http.post("/segments/query", params={"api_key": "k"},
                                json={"filter": {}},
                                headers={"Authorization": token, "Stream-Auth-Type": "jwt"})
            return "ok" if r.is_success else r.status_code

    async def run() -> list[int | str]:
        return [await status(SANDBOX_SECRET, good), await status(SANDBOX_SECRET, good),
                await status("another secret of this stream sandbox", good),
                await status(SANDBOX_SECRET, expired), await status(SANDBOX_SECRET, expired)]

    assert asyncio.run(run()) == ["ok", "ok", 401, 401, 401]


def test_an_apply_of_creates_imports_no_yaml_writer_and_no_deepdiff(tmp_path: Any) -> None:
    """ruamel (and the spec models the pin writer checks with) are for writing a pin into
    a spec file: a Stream apply, whose ids are its own, never pays for importing them;
    deepdiff is for a real difference, which creates that all stick never have. Seen
    failing before: every apply imported both at start."""
    from reconciler.sandbox.stream import SANDBOX_SECRET
    from tests.helpers import cli_modules
    from tests.stream_repo import StreamRepo, segment, stream_campaign

    repo = StreamRepo(tmp_path / "repo", "sandbox", 0, "")
    repo.put("segment", "norway", segment("Norway"))
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"]))
    modules, out, err, code = cli_modules(["apply", "--auto-approve"], repo.root,
                                          env={"STREAM_API_SECRET": SANDBOX_SECRET})
    assert code in (0, None), err
    assert out.rstrip().endswith("Apply: 2 applied, 0 failed, 0 skipped"), out
    assert sorted(m for m in modules if m.split(".")[0] in ("ruamel", "deepdiff")) == []
