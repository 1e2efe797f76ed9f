"""The documented transforms of a synthetic article: pure functions of a draft and a seeded draw.

A source article is held as a `Draft`: its gold segments, each with the text before it (the
gap: whitespace, a list marker), and the text after the last one. Joining gaps and segments
gives the source text back byte for byte. The content transforms work on segments and
paragraphs; the surface transforms work on the joined text. None of them changes what the
article reports, so a derived article keeps the duplicate groups of its source (see generate.py).

Every transform returns the new draft or text and a JSON-ready record of what it did (its
lineage), so a labels file says exactly how each article was made.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from random import Random
from typing import Any

Lineage = dict[str, Any]


class Draw:
    """Seeded random choices built on `Random.random()` only.

    Python guarantees that `random()` gives the same sequence for the same seed in every version
    (its other methods may change), so every choice here is derived from it: the same seed gives
    the same corpus on any Python.
    """

    def __init__(self, *key: object) -> None:
        digest = hashlib.sha256(json.dumps(key, separators=(",", ":")).encode()).digest()
        self._rng = Random(int.from_bytes(digest[:16], "big"))

    def random(self) -> float:
        """A float in [0, 1)."""
        return self._rng.random()

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return min(int(self._rng.random() * n), n - 1)

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + self.below(high - low + 1)

    def chance(self, p: float) -> bool:
        """True with probability p."""
        return self._rng.random() < p

    def hits(self, n: int, rate: float) -> list[int]:
        """The indices in [0, n) picked independently with probability rate, in increasing order.

        Drawn by geometric skips (one draw per hit, not per item): the same distribution as a
        coin per item, at a cost that grows with the hits only.
        """
        if rate <= 0:
            return []
        if rate >= 1:
            return list(range(n))
        out = []
        log_q = math.log1p(-rate)
        i = -1
        while True:
            i += 1 + int(math.log(1.0 - self._rng.random()) / log_q)
            if i >= n:
                return out
            out.append(i)

    def choice(self, items: list | tuple) -> Any:
        """One item, uniformly."""
        return items[self.below(len(items))]

    def sample(self, items: list | tuple, k: int) -> list:
        """k distinct items in draw order (partial Fisher-Yates)."""
        pool = list(items)
        for i in range(min(k, len(pool))):
            j = i + self.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[: min(k, len(pool))]


@dataclass(frozen=True)
class Piece:
    """One segment of a draft with the text before it."""

    gap: str
    text: str
    role: str
    #: (doc_id, index) of the gold segment this text comes from; None for added text.
    origin: tuple[str, int] | None


@dataclass(frozen=True)
class Draft:
    """An article as segments with their gaps; `text()` joins them."""

    pieces: tuple[Piece, ...]
    tail: str

    def text(self) -> str:
        """The article text."""
        return "".join(p.gap + p.text for p in self.pieces) + self.tail

    def paragraphs(self) -> list[list[Piece]]:
        """Pieces grouped into paragraphs: a new one starts at every gap holding a line break."""
        out: list[list[Piece]] = []
        for piece in self.pieces:
            if not out or "\n" in piece.gap:
                out.append([])
            out[-1].append(piece)
        return out


def draft(doc_id: str, text: str, segments: list[tuple[int, int, str]]) -> Draft:
    """The draft of a gold article from its (start, end, role) segments in order."""
    pieces = []
    cursor = 0
    for index, (start, end, role) in enumerate(segments):
        pieces.append(Piece(text[cursor:start], text[start:end], role, (doc_id, index)))
        cursor = end
    return Draft(tuple(pieces), text[cursor:])


def _from_paragraphs(paragraphs: list[list[Piece]], tail: str) -> Draft:
    """Join paragraphs again; the first piece loses any leading line break, later paragraphs get one."""
    pieces: list[Piece] = []
    for k, para in enumerate(paragraphs):
        first = para[0]
        gap = first.gap.lstrip("\n") if k == 0 else (first.gap if "\n" in first.gap else "\n" + first.gap.lstrip(" "))
        pieces.append(replace(first, gap=gap))
        pieces.extend(para[1:])
    return Draft(tuple(pieces), tail)


# --- content transforms (segments and paragraphs) -------------------------------------------


def substitute_sentences(
    d: Draft, draw: Draw, paraphrases: dict[tuple[str, int], list[tuple[str, int, str]]], rate: float
) -> tuple[Draft, Lineage]:
    """Replace segments by a gold-aligned paraphrase from a sibling rewrite, each with probability rate.

    paraphrases maps a gold segment (doc_id, index) to its `equivalent` links inside the same
    near-duplicate group: (sibling doc_id, index, text). A replaced segment keeps its gap and role.
    """
    pieces = []
    done = []
    for piece in d.pieces:
        options = paraphrases.get(piece.origin) if piece.origin else None
        if options and draw.chance(rate):
            doc_b, index_b, text_b = draw.choice(options)
            done.append([piece.origin[1], doc_b, index_b])
            piece = replace(piece, text=text_b, origin=(doc_b, index_b))
        pieces.append(piece)
    return Draft(tuple(pieces), d.tail), {"name": "substitute_sentences", "rate": rate, "substituted": done}


def remove_boilerplate(d: Draft) -> tuple[Draft, Lineage]:
    """Drop every segment whose gold role is boilerplate (related-story links, source lists, video notes)."""
    kept = [para for para in (
        [p for p in para if p.role != "boilerplate"] for para in d.paragraphs()
    ) if para]
    removed = [p.origin[1] for p in d.pieces if p.role == "boilerplate" and p.origin]
    tail = d.tail if d.tail.strip() == "" else ""
    return _from_paragraphs(kept, tail), {"name": "remove_boilerplate", "removed": removed}


def truncate_lead(d: Draft, draw: Draw) -> tuple[Draft, Lineage]:
    """Keep the lead: the first paragraphs, cut after a paragraph, keeping at least half of the segments."""
    paragraphs = d.paragraphs()
    total = len(d.pieces)
    cuts = [k for k in range(1, len(paragraphs)) if sum(len(p) for p in paragraphs[:k]) * 2 >= total]
    if not cuts:
        return d, {"name": "truncate_lead", "kept_paragraphs": len(paragraphs)}
    keep = draw.choice(cuts)
    return _from_paragraphs(paragraphs[:keep], "\n"), {"name": "truncate_lead", "kept_paragraphs": keep}


def reorder_paragraphs(d: Draft, draw: Draw) -> tuple[Draft, Lineage]:
    """Move a block of one or two body paragraphs to another place; a title paragraph stays first."""
    paragraphs = d.paragraphs()
    fixed = 1 if paragraphs and paragraphs[0][0].role == "title" else 0
    movable = len(paragraphs) - fixed
    if movable < 2:
        return d, {"name": "reorder_paragraphs", "moved": None}
    size = 2 if movable >= 3 and draw.chance(0.5) else 1
    src = fixed + draw.below(movable - size + 1)
    block = paragraphs[src : src + size]
    del paragraphs[src : src + size]
    dst = fixed + draw.below(movable - size)  # one of the other places
    dst += dst >= src
    paragraphs[dst:dst] = block
    moved = {"from": src, "to": dst, "paragraphs": size}
    return _from_paragraphs(paragraphs, d.tail), {"name": "reorder_paragraphs", "moved": moved}


@lru_cache(maxsize=1)
def boilerplate_lines() -> tuple[str, ...]:
    """Generic boilerplate lines (newsletter, social, copyright notes) from the package data file."""
    data = resources.files(__package__).joinpath("data", "boilerplate.json").read_text(encoding="utf-8")
    return tuple(json.loads(data)["lines"])


def add_boilerplate(d: Draft, draw: Draw) -> tuple[Draft, Lineage]:
    """Add one to three generic boilerplate lines after the title or at the end (from boilerplate.json)."""
    lines = boilerplate_lines()
    chosen = sorted(draw.sample(range(len(lines)), draw.between(1, 3)))
    at_top = draw.chance(0.5)
    added = [[Piece("\n", lines[i], "boilerplate", None)] for i in chosen]
    paragraphs = d.paragraphs()
    if at_top:
        fixed = 1 if paragraphs and paragraphs[0][0].role == "title" else 0
        paragraphs[fixed:fixed] = added
    else:
        paragraphs += added
    return _from_paragraphs(paragraphs, d.tail), {"name": "add_boilerplate", "lines": chosen, "position": "top" if at_top else "end"}


# --- surface transforms (text) ----------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z]{4,}")


def _typo(word: str, draw: Draw) -> str:
    """One typing error inside a word of four or more letters; its first and last letters stay."""
    kind = draw.below(3)
    if kind == 0:  # swap two neighbours
        i = 1 + draw.below(len(word) - 3)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    i = 1 + draw.below(len(word) - 2)
    if kind == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # double a letter


def typos(text: str, draw: Draw, rate: float) -> tuple[str, Lineage]:
    """Typing errors in words of four or more letters, each with probability rate: swap, drop or double a letter."""
    words = [m.span() for m in _WORD.finditer(text)]
    parts = []
    cursor = 0
    hits = draw.hits(len(words), rate)
    for k in hits:
        a, b = words[k]
        parts += [text[cursor:a], _typo(text[a:b], draw)]
        cursor = b
    parts.append(text[cursor:])
    return "".join(parts), {"name": "typos", "rate": rate, "edits": len(hits)}


def quotes_and_spaces(text: str, draw: Draw, rate: float) -> tuple[str, Lineage]:
    """Straighten curly quotes (or curl straight double quotes), and double some spaces with probability rate."""
    if any(q in text for q in "“”‘’"):
        for curly, straight in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'")):
            text = text.replace(curly, straight)
        quotes = "straightened"
    else:
        parts = text.split('"')
        text = "".join(p + ("“" if k % 2 == 0 else "”") if k < len(parts) - 1 else p for k, p in enumerate(parts))
        quotes = "curled" if len(parts) > 1 else "none"
    pieces = text.split(" ")
    hits = draw.hits(len(pieces) - 1, rate)
    for k in hits:
        pieces[k] += " "
    return " ".join(pieces), {"name": "quotes_and_spaces", "quotes": quotes, "rate": rate, "doubled_spaces": len(hits)}


def rewrap(text: str, draw: Draw) -> tuple[str, Lineage]:
    """Hard-wrap every line at a width of 60, 72 or 80 characters (at spaces), as e-mail and wire feeds do."""
    width = draw.choice((60, 72, 80))
    out = []
    for line in text.split("\n"):
        while len(line) > width:
            cut = line.rfind(" ", 0, width + 1)
            if cut <= 0:
                break
            out.append(line[:cut])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out), {"name": "rewrap", "width": width}
