"""Jinja rendering of spec strings: vars, env, raw, undefined names, limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reconciler.config import load_config
from reconciler.errors import SpecErrors
from reconciler.workspace import load_workspace
from reconciler.workspace.templating import Renderer, TemplateProblem
from tests.helpers import make_repo, run_cli

VARS = {"store_name": "Acme Store", "deep_link_scheme": "myapp", "n": 3,
        "nested": {"city": "Oslo"}, "flag": True}


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(VARS, "sandbox")


@pytest.mark.parametrize(("source", "rendered"), [
    ("plain text", "plain text"),
    ("{{ vars.store_name }}", "Acme Store"),
    ("{{vars.deep_link_scheme}}://sale", "myapp://sale"),
    ("{{ vars.nested.city }} / {{ env }}", "Oslo / sandbox"),
    ("{{ vars.n }} items", "3 items"),
    ("{{ vars.flag }}", "True"),
    ("{{ vars.store_name | upper }}", "ACME STORE"),
    ("{{ vars.store_name | center(12) }}|{{ '%03d' % 7 }}|{{ '{:>4}'.format(1) }}",
     " Acme Store |007|   1"),
    ("{{ 'ab' * 3 }}{{ 2 ** 10 }}", "ababab1024"),
    ("{% if env == 'sandbox' %}test{% else %}live{% endif %}", "test"),
    ("{% raw %}{{ not_a_variable }}{% endraw %}", "{{ not_a_variable }}"),
    ("{{ '{{' }} braces", "{{ braces"),
    ("a { single brace }", "a { single brace }"),
    ("line\n", "line\n"),
    ("{% raw %}{{ a }}{% endraw %}", "{{ a }}"),
])
def test_renders(renderer: Renderer, source: str, rendered: str) -> None:
    assert renderer.render(source) == rendered


STREAM_NAMES = frozenset({"receiver", "sender"})


@pytest.mark.parametrize(("source", "rendered"), [
    # the names a platform declares belong to it (Stream renders them per recipient)
    ("Hi {{ receiver.name }}, from {{ vars.store_name }}", "Hi {{ receiver.name }}, from Acme Store"),
    ("{{sender.id}}-{{ receiver.id | lower }}", "{{sender.id}}-{{ receiver.id | lower }}"),
    ("{% raw %}{{ a }}{% endraw %} {{ sender.c }}", "{{ a }} {{ sender.c }}"),
    ("{{ receiver ~ 'vars' }}", "{{ receiver ~ 'vars' }}"),
])
def test_platform_names_pass_through(source: str, rendered: str) -> None:
    assert Renderer(VARS, "sandbox", lambda: STREAM_NAMES).render(source) == rendered


@pytest.mark.parametrize(("names", "source", "message"), [
    # Localytics has no template variables of its own: braces would reach users
    (frozenset(), "{{ store_name }}", "undefined template variable 'store_name' (did you mean "
                                      "vars.store_name? templates see 'vars', 'env')"),
    (frozenset(), "{{ receiver.name }}", "undefined template variable 'receiver' "
                                         "(templates see 'vars', 'env')"),
    (STREAM_NAMES, "{{ reciever.name }}", "undefined template variable 'reciever' (did you mean "
                                          "receiver? templates see 'vars', 'env', 'receiver', "
                                          "'sender')"),
    (STREAM_NAMES, "{{ channel.id }}", "undefined template variable 'channel'"),
])
def test_undeclared_names_are_errors(names: frozenset[str], source: str, message: str) -> None:
    with pytest.raises(TemplateProblem) as info:
        Renderer(VARS, "sandbox", lambda: names).render(source)
    assert str(info.value).startswith(message)


def test_fast_path_agrees_with_jinja(renderer: Renderer) -> None:
    for source in ["x {{ vars.store_name }} y {{ env }}", "{{vars.nested.city}}", "{{ vars.n }}"]:
        fast = renderer._simple(source)
        renderer_slow = Renderer(VARS, "sandbox")
        renderer_slow._simple = lambda _s: None  # type: ignore[method-assign]
        assert fast == renderer_slow.render(source)


@pytest.mark.parametrize(("source", "message"), [
    ("{{ vars.stor_name }}", "undefined template variable vars.stor_name (did you mean "
                             "vars.store_name?"),
    ("{{ vars['missing'] }}", "undefined template variable vars.missing"),
    ("{{ vars.nested.town }}", "undefined template variable"),
    ("{{ receiver.name ~ vars.nope }}", "undefined template variable"),
    ("{{ vars.store_name ", "template syntax error"),
    ("{% if %}", "template syntax error"),
    ("{{ 'x' * 100000000 }}", "would make 100,000,000 items"),
    ("{{ 'x'.ljust(500000000) }}", "too large"),
    ("{{ 9 ** 9 ** 9 }}", "too large"),
    ("{{ 'x' * 99999 * 99999 }}", "would make 9,999,800,001 items"),
    ("{{ 'x' | center(100000000) }}", "too large"),
    ("{{ '%0100000000d' % 1 }}", "format width too large"),
    ("{{ '{:>100000000}'.format(1) }}", "format width too large"),
    ("{{ (2 ** 1000) ** 1000 }}", "more than 12 digits"),
    ("{% for i in range(99999) %}{{ 'abcdefghij' }}{% endfor %}", "renders more than 100,000"),
    ("{{ ''.__class__.__mro__ }}", "template not allowed"),
])
def test_template_problems(renderer: Renderer, source: str, message: str) -> None:
    with pytest.raises(TemplateProblem, match=None) as info:
        renderer.render(source)
    assert message in str(info.value)


def test_env_and_vars_come_from_the_chosen_env(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    config = (repo / "reconciler.yaml").read_text() + (
        "  production:\n    api_url: https://example.com/api/v6\n    org_id: 2\n"
        "    app_id: prod-app\n    vars: {store_name: Acme Live}\n")
    (repo / "reconciler.yaml").write_text(config)
    ws = load_workspace(load_config(repo / "reconciler.yaml", "production"))
    body = ws.get("campaign:spring-sale").body  # type: ignore[union-attr]
    assert body["creatives"][0]["build_attributes"]["push_message"] == "Spring deals at Acme Live"
    code, _, err = run_cli(["validate", "--env", "production"], repo)
    assert code == 0, err


def test_undefined_variable_names_file_and_line(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    (repo / "reconciler.yaml").write_text(
        (repo / "reconciler.yaml").read_text().replace("store_name: Test Store, ", ""))
    with pytest.raises(SpecErrors) as info:
        load_workspace(load_config(repo / "reconciler.yaml"))
    assert info.value.lines() == [
        "campaigns/spring-sale.yaml:12:7: undefined template variable vars.store_name "
        "(env 'sandbox' defines vars: deep_link_scheme)"
    ]


def test_rendered_value_is_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    path = repo / "campaigns" / "spring-sale.yaml"
    path.write_text(path.read_text().replace("status: draft", "status: \"{{ env }}\""))
    with pytest.raises(SpecErrors) as info:
        load_workspace(load_config(repo / "reconciler.yaml"))
    assert info.value.lines() == [
        "campaigns/spring-sale.yaml:2:1: status: invalid value 'sandbox'; expected one of "
        "draft, active"
    ]


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), min_size=1,
                   max_size=3),
    text=st.text(alphabet="abc ,.!-", max_size=10),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_platform_variables_pass_through_verbatim(names: list[str], text: str, pad: str) -> None:
    """Any `{{ name.path }}` whose first name the platform declares reaches it exactly as
    written; without the declaration the same text is an error, never literal braces."""
    assume(names[0] not in ("vars", "env") and not any(n in ("vars", "env") for n in names))
    source = f"{text}{{{{{pad}{'.'.join(names)}{pad}}}}}{text} {{{{ vars.store_name }}}}"
    expected = f"{text}{{{{{pad}{'.'.join(names)}{pad}}}}}{text} Acme Store"
    declared = frozenset({names[0]})
    assert Renderer(VARS, "sandbox", lambda: declared).render(source) == expected
    with pytest.raises(TemplateProblem, match="undefined template variable"):
        Renderer(VARS, "sandbox").render(source)


@pytest.mark.parametrize(("source", "words"), [
    ("Hello {{ vars.name ", "a '{{' is never closed: add '}}'"),
    ("{% if vars.x %}yes", "'{% if %}' is never closed: add '{% endif %}' after its text"),
    ("{% iff x %}y", "'{% iff %}' is not a Jinja tag (if, for, set, raw, … ); to show braces "
                     "as text, wrap them in {% raw %}…{% endraw %}"),
    ("{% endif %}", "'{% endif %}' closes nothing: there is no '{% if %}' before it"),
    ("{% if x %}a{% endfor %}", "'{% endfor %}' does not close the '{% if %}' before it: close "
                                "that with '{% endif %}' first"),
    ("Hi {{ vars.a vars.b }}", "'vars' follows a complete expression where '}}' should close "
                               "it (a missing operator, dot or filter bar, or a stray word?)"),
    ("{{ }}", "'{{ }}' is empty: put a variable or value inside"),
    ("{{ vars.a | }}", "'}}' comes right after an operator or filter bar: something is "
                       "missing before it"),
    ("{{ vars.a }", "a lone '}' inside {{ … }}: close it with '}}'"),
    ("{# note", "a '{#' comment is never closed: add '#}'"),
    ("{{ 'abc }}", "a ' inside {{ … }} is never closed: text in a template needs both quotes"),
])
def test_jinja_syntax_errors_are_in_the_authors_words(source: str, words: str) -> None:
    """The spec author never wrote a 'print statement': each syntax error says what is
    wrong in the template's own terms and what to write."""
    with pytest.raises(TemplateProblem) as e:
        Renderer({"a": "1", "b": "2", "name": "n", "x": "y"}, "sandbox").render(source)
    assert str(e.value) == f"template syntax error: {words}"
