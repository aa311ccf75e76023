"""A Jinja syntax error in words a spec author can act on, instead of the parser's terms.

Jinja says "unexpected end of template, expected 'end of print statement'" where the
author forgot `}}`; the spec author never wrote a "print statement". Each known message
becomes what is wrong and what to write; an unknown one keeps Jinja's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BLOCK_ENDS = {"end of print statement": "}}", "end of statement block": "%}"}
_OPENERS = {"}}": "{{", "%}": "{%"}


def _unclosed(m: re.Match[str]) -> str:
    end = _BLOCK_ENDS.get(m.group(1))
    return (f"a '{_OPENERS[end]}' is never closed: add '{end}'" if end
            else f"the template ends too early (expected {m.group(1)})")


def _open_block(m: re.Match[str]) -> str:
    tag = m.group(1)
    return f"'{{% {tag} %}}' is never closed: add '{{% end{tag} %}}' after its text"


def _unknown_tag(m: re.Match[str]) -> str:
    tag, looking = m.group(1), m.group(2)
    if looking:
        return (f"'{{% {tag} %}}' does not close the '{{% {looking} %}}' before it: "
                f"close that with '{{% end{looking} %}}' first")
    if tag.startswith("end"):
        return f"'{{% {tag} %}}' closes nothing: there is no '{{% {tag[3:]} %}}' before it"
    return (f"'{{% {tag} %}}' is not a Jinja tag (if, for, set, raw, … ); "
            "to show braces as text, wrap them in {% raw %}…{% endraw %}")


def _two_things(m: re.Match[str]) -> str:
    end = _BLOCK_ENDS.get(m.group(1), m.group(1))
    return (f"'{m.group(2)}' follows a complete expression where '{end}' should close it "
            "(a missing operator, dot or filter bar, or a stray word?)")


def _empty(m: re.Match[str]) -> str:
    end = _BLOCK_ENDS.get(m.group(1))
    if end == "}}":
        return "'{{ }}' is empty: put a variable or value inside"
    return ("a '{% … %}' tag is missing its expression (as in '{% if vars.x %}')"
            if end else f"an expression is missing before {m.group(1)}")


def _bad_char(m: re.Match[str]) -> str:
    char = m.group(1)
    if char in "'\"":
        return f"a {char} inside {{{{ … }}}} is never closed: text in a template needs both quotes"
    return f"{char!r} cannot appear inside {{{{ … }}}} or {{% … %}}"


def _lone_brace(m: re.Match[str]) -> str:
    return f"a lone '{m.group(1)}' inside {{{{ … }}}}: close it with '}}}}'"


def _after_operator(m: re.Match[str]) -> str:
    end = _BLOCK_ENDS.get(m.group(1))
    return (f"'{end}' comes right after an operator or filter bar: something is missing "
            "before it" if end else f"unexpected {m.group(1)}")


_WORDS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"unexpected end of template, expected '([^']+)'\.?", re.I), _unclosed),
    (re.compile(r"Encountered unknown tag '([^']+)'\.(?: Jinja was looking for the following "
                r"tags: .*?The innermost block that needs to be closed is '([^']+)'\.)?"),
     _unknown_tag),
    (re.compile(r"Unexpected end of template\. Jinja was looking for the following tags: .*"
                r"The innermost block that needs to be closed is '([^']+)'\."), _open_block),
    (re.compile(r"expected token '(end of print statement|end of statement block)', "
                r"got '([^']+)'"), _two_things),
    (re.compile(r"Expected an expression, got '([^']+)'"), _empty),
    (re.compile(r"expected token 'name', got '([^']+)'"), _after_operator),
    (re.compile(r"unexpected '(end of print statement|end of statement block)'"),
     _after_operator),
    (re.compile(r"unexpected char ['\"](.)['\"] at \d+"), _bad_char),
    (re.compile(r"unexpected '([}%])'"), _lone_brace),
    (re.compile(r"Missing end of comment tag"),
     lambda m: "a '{#' comment is never closed: add '#}'"),
)


def syntax_words(message: str) -> str:
    """`template syntax error: …` in the author's terms; Jinja's own text when unknown."""
    for pattern, words in _WORDS:
        m = pattern.fullmatch(message.strip())
        if m is not None:
            return f"template syntax error: {words(m)}"
    return f"template syntax error: {message}"
