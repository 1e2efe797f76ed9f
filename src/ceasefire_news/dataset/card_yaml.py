"""The card's YAML front matter read without PyYAML, when it is in the plain block style the build writes.

`validate` checks a few values of the front matter (each config's name, version and data files)
and that the whole of it is valid YAML. PyYAML costs `validate` about 0.03 CPU-seconds of
start-up to import, so a card as `yaml.safe_dump` writes it (block mappings and sequences, plain
and single-quoted scalars, one entry per line) is read here by hand instead; anything else (a
double-quoted or block scalar, a flow collection, an anchor, a tab, a comment, an odd character,
an indentation this reader does not expect) makes `read_block_yaml` give up and the caller uses
PyYAML, which also words every problem. What it accepts, PyYAML accepts with the same values
(tests/dataset/test_card_yaml.py compares both on the seed card and on mutated ones).
"""

from __future__ import annotations

import re
from typing import Any

#: A mapping key this reader resolves (a plain word that YAML reads as a string, or a quoted one).
_KEY = re.compile(r"(?:([A-Za-z_][A-Za-z0-9_]*)|'([^'\n]*)'):(?: (.*))?")
#: Plain words PyYAML's resolver reads as booleans or null (YAML 1.1), not as strings.
_WORDS: dict[str, bool | None] = {
    **dict.fromkeys("yes Yes YES true True TRUE on On ON".split(), True),
    **dict.fromkeys("no No NO false False FALSE off Off OFF".split(), False),
    **dict.fromkeys("null Null NULL".split(), None),
}
#: First characters of the plain scalars PyYAML may resolve to a number, date, null, merge or value
#: key; its resolvers are chosen by the first character, so any other plain scalar is a string
#: unless it is one of _WORDS.
_NUMERIC_START = frozenset("-+0123456789.<~=")
_PLAIN_INT = re.compile(r"0|[1-9][0-9]*")
#: A version such as 1.10.0: no resolver claims it (two dots), so it stays a string.
_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
#: Characters that may not start a plain scalar here (YAML indicators, quotes handled apart).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


class Unsupported(Exception):
    """The text is outside what this reader handles: the caller falls back to PyYAML."""


class Opaque:
    """A plain scalar this reader does not resolve (a float, a date, ...): valid YAML, its value left to PyYAML."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Opaque({self.text!r})"


def read_block_yaml(text: str) -> dict[str, Any] | None:
    """The front matter as a mapping, or None when it is outside the handled subset (then ask PyYAML)."""
    raws = text.split("\n")
    if raws[-1] == "":
        raws.pop()
    lines = []
    for raw in raws:
        content = raw.lstrip(" ")
        # Blank lines (they fold into newlines inside scalars), comments, tabs, trailing or odd characters: not handled.
        if not content or not content.isprintable() or content != content.rstrip() or content.startswith("#"):
            return None
        lines.append((len(raw) - len(content), content))
    if not lines:
        return None  # an empty document is null, not a mapping
    try:
        value, end = _mapping(lines, 0, 0)
    except Unsupported:
        return None
    return value if end == len(lines) else None


def _mapping(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] >= indent:
        column, content = lines[i]
        if column > indent:
            raise Unsupported
        if content == "-" or content.startswith("- "):
            break
        match = _KEY.fullmatch(content)
        if match is None or match.group(1) in _WORDS:
            raise Unsupported
        key = match.group(1) if match.group(1) is not None else match.group(2)
        rest = match.group(3)
        if rest is None:  # the value is on the next lines: a nested block, or null
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if nxt is not None and nxt[0] == indent and (nxt[1] == "-" or nxt[1].startswith("- ")):
                out[key], i = _sequence(lines, i + 1, indent)
            elif nxt is not None and nxt[0] > indent:
                if nxt[1] == "-" or nxt[1].startswith("- "):
                    out[key], i = _sequence(lines, i + 1, nxt[0])
                else:
                    out[key], i = _mapping(lines, i + 1, nxt[0])
            else:
                out[key], i = None, i + 1
        else:
            out[key], i = _scalar(lines, i, rest, indent)
    return out, i


def _sequence(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
        item = lines[i][1][2:]
        if _KEY.fullmatch(item) or item.startswith("- "):
            # A mapping or sequence that starts on the item's line, at the column after "- ".
            lines[i] = (indent + 2, item)
            value, i = (_sequence if item.startswith("- ") else _mapping)(lines, i, indent + 2)
            out.append(value)
        else:
            value, i = _scalar(lines, i, item, indent)
            out.append(value)
    if i < len(lines) and lines[i][0] == indent and lines[i][1] == "-":
        raise Unsupported  # an empty item or one on the next lines
    return out, i


def _scalar(lines: list[tuple[int, str]], i: int, first: str, indent: int) -> tuple[Any, int]:
    """The scalar starting with first on line i, continued on lines indented deeper than indent."""
    if first[0] == " ":
        raise Unsupported
    parts = [first]
    i += 1
    while i < len(lines) and lines[i][0] > indent:
        parts.append(lines[i][1])
        i += 1
    if first in ("[]", "{}") and len(parts) == 1:
        return ([] if first == "[]" else {}), i
    if first.startswith("'"):
        return _single_quoted(" ".join(parts)), i
    if first[0] in _INDICATORS or any(p[0] in _INDICATORS for p in parts[1:]):
        raise Unsupported
    for part in parts:
        if ": " in part or " #" in part or part.endswith(":"):
            raise Unsupported
    value = " ".join(parts)  # a line break inside a plain scalar folds into one space
    if value in _WORDS:
        return _WORDS[value], i
    if value[0] not in _NUMERIC_START or _VERSION.fullmatch(value):
        return value, i
    if _PLAIN_INT.fullmatch(value):
        return int(value), i
    return Opaque(value), i


def _single_quoted(text: str) -> str:
    """A single-quoted scalar ('' stands for '), its lines already joined by one space each."""
    body = text[1:]
    out, pos = [], 0
    while True:
        quote = body.find("'", pos)
        if quote < 0:
            raise Unsupported  # not closed
        out.append(body[pos:quote])
        if body.startswith("''", quote):
            out.append("'")
            pos = quote + 2
            continue
        if body[quote + 1 :]:
            raise Unsupported  # something after the closing quote
        return "".join(out)


def has_opaque(value: Any) -> bool:
    """Whether value, or anything in it, is an unresolved plain scalar."""
    if isinstance(value, Opaque):
        return True
    if isinstance(value, list):
        return any(has_opaque(v) for v in value)
    if isinstance(value, dict):
        return any(has_opaque(v) for v in value.values())
    return False
