"""Silver segments: line structure first, blingfire inside lines, then abbreviation, quotation and boilerplate rules.

The rules follow ANNOTATION_GUIDELINES.md section 1. A document is first cut into *blocks* by its
line structure: every line break is a boundary unless it is a hard wrap inside a running sentence
(the next line starts lower-case; the line ends in a function word, a comma, an open bracket or an
open quotation; or, in a document hard-wrapped at a fixed width, the line is full). Inside a block,
blingfire (one call per document, exact character offsets) proposes sentence ends, and two rules
remove some: no end after an abbreviation unless a sentence starter follows, and no end before a
lower-case continuation. Roles come from the block: the first short line without a full stop is the
title, later ones are headings, `- ` lines are list items, and generic boilerplate cues (a data file,
no site-specific pattern) mark boilerplate.

The stage is a plain function over Arrow batches (`segment_batch`), unaware of any engine.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import pyarrow as pa

from ..gold.segments import is_list_marker

#: Method and version recorded for silver segments (bump when the rules change).
METHOD = "rules+blingfire"
VERSION = "1"

#: Closing characters that may follow a sentence's final punctuation.
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«([" 
_TERMINAL = ".?!…"
_WORD = re.compile(r"\S+")
#: U.S., J.D., a.m. (two or more single letters with periods) or one capital initial (J.).
_INITIALS = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Z]\.")


@dataclass(frozen=True)
class Cues:
    """The segmenter's cue lists (silver/data/segmenting.json), compiled."""

    abbreviations: frozenset[str]
    sentence_starters: frozenset[str]
    function_words: frozenset[str]
    boilerplate_headers: re.Pattern[str]
    boilerplate_prefixes: re.Pattern[str]
    inline_boilerplate: re.Pattern[str]
    max_heading_words: int
    max_title_words: int
    max_boilerplate_line_chars: int
    wrap_max_width: int
    wrap_min_full_fraction: float
    wrap_slack: int

    def is_abbreviation(self, token: str) -> bool:
        """True if a token ending in '.' is an abbreviation or an initial (U.S., Mr., J.)."""
        token = token.lstrip(_OPENERS)
        return (
            token.lower() in self.abbreviations
            or _INITIALS.fullmatch(token) is not None
        )

    def is_header(self, line: str) -> bool:
        """True if a whole line opens a boilerplate section ("Sources include:")."""
        return self.boilerplate_headers.search(line) is not None

    def is_boilerplate(self, segment: str) -> bool:
        """True if a segment starts with a boilerplate cue ("Watch the video", "(Related: ...")."""
        return self.boilerplate_prefixes.search(segment) is not None


@lru_cache(maxsize=1)
def load_cues() -> Cues:
    """The packaged cue lists."""
    raw = json.loads(resources.files(__package__).joinpath("data/segmenting.json").read_text(encoding="utf-8"))
    flags = re.IGNORECASE
    return Cues(
        abbreviations=frozenset(a.lower() for a in raw["abbreviations"]),
        sentence_starters=frozenset(w.lower() for w in raw["sentence_starters"]),
        function_words=frozenset(w.lower() for w in raw["function_words"]),
        boilerplate_headers=re.compile("|".join(f"(?:{p})" for p in raw["boilerplate_headers"]), flags),
        boilerplate_prefixes=re.compile("|".join(f"(?:{p})" for p in raw["boilerplate_prefixes"]), flags),
        inline_boilerplate=re.compile(raw["inline_boilerplate"], flags),
        max_heading_words=raw["max_heading_words"],
        max_title_words=raw["max_title_words"],
        max_boilerplate_line_chars=raw["max_boilerplate_line_chars"],
        wrap_max_width=raw["wrap"]["max_width"],
        wrap_min_full_fraction=raw["wrap"]["min_full_fraction"],
        wrap_slack=raw["wrap"]["slack"],
    )


class Line(NamedTuple):
    """A non-empty line: where its content starts and ends (whitespace and list marker excluded)."""

    start: int  # offset of the line's first character
    content: int  # first content character (after indentation and a '- ' marker)
    end: int  # after the last non-whitespace character
    is_list: bool


@dataclass
class Block:
    """Consecutive lines joined by hard wraps: a title, heading, paragraph, list item or boilerplate line."""

    lines: list[Line]
    boilerplate: bool = False

    @property
    def start(self) -> int:
        return self.lines[0].content

    @property
    def end(self) -> int:
        return self.lines[-1].end

    @property
    def is_list(self) -> bool:
        return self.lines[0].is_list


def split_lines(text: str) -> list[Line | None]:
    """Every line of the text; None for a line that is empty or whitespace only."""
    out: list[Line | None] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.rstrip()
        end = pos + len(stripped)
        content = pos + (len(raw) - len(raw.lstrip()))
        is_list = content == pos and is_list_marker(text, pos) if stripped else False
        if is_list:
            after = pos + 2
            while after < end and text[after].isspace():
                after += 1
            if after < end:  # a bare "- " line is text, not an empty list item
                content = after
            else:
                is_list = False
        out.append(Line(pos, content, end, is_list) if content < end else None)
        pos += len(raw) + 1
    return out


def wrap_width(text: str, lines: list[Line | None], cues: Cues) -> int | None:
    """The width W the document is hard-wrapped at, or None if it is not hard-wrapped.

    W is the longest line. The document counts as wrapped when W is at most the cue file's
    max_width and most lines that are followed by another non-empty line are nearly full.
    """
    lengths = [ln.end - ln.start for ln in lines if ln is not None]
    if not lengths:
        return None
    width = max(lengths)
    followed = [a for a, b in zip(lines, lines[1:]) if a is not None and b is not None]
    if width > cues.wrap_max_width or len(followed) < 3:
        return None
    full = sum(1 for ln in followed if ln.end - ln.start >= width - cues.wrap_slack)
    return width if full >= cues.wrap_min_full_fraction * len(followed) else None


def _ends_terminal(s: str) -> bool:
    """True if s ends with sentence-final punctuation, possibly followed by closing quotes/brackets."""
    s = s.rstrip(_CLOSERS)
    return bool(s) and s[-1] in _TERMINAL


def _last_token(s: str) -> str:
    return s.rsplit(None, 1)[-1] if s.strip() else ""


def _first_token(s: str) -> str:
    parts = s.split(None, 1)
    return parts[0] if parts else ""


def _unclosed(s: str, opener: str, closer: str) -> bool:
    return s.count(opener) > s.count(closer)


def _joins(text: str, prev: Line, nxt: Line, block_start: int, width: int | None, cues: Cues) -> bool:
    """True if the break between two adjacent non-empty lines is a hard wrap inside a sentence."""
    p = text[prev.content : prev.end]
    n = text[nxt.content : nxt.end]
    if nxt.is_list or cues.is_header(p) or cues.is_header(n):
        return False
    if _unclosed(p, "(", ")") or _unclosed(p, "[", "]"):
        return True  # an open bracket on this line continues on the next: "(Related:\n..."
    first = n[0]
    last = _last_token(p)
    if p.endswith(":"):
        return False  # a line introducing a quotation or a list is its own segment
    if _ends_terminal(p) and not (p.endswith(".") and cues.is_abbreviation(last)):
        return first.islower()
    if first.islower():
        return True
    if last.lower() in cues.function_words or p[-1] in ",;–—" or p[-1] in "“‘" or p.endswith(" -"):
        return True
    block_text = text[block_start : prev.end]
    if _unclosed(block_text, "“", "”") or block_text.count('"') % 2 == 1:
        return True  # inside an open quotation
    if width is not None and len(p) + (prev.content - prev.start) + 1 + len(_first_token(n)) > width:
        return True  # a full line of a hard-wrapped document
    return False


def blocks(text: str, cues: Cues | None = None) -> list[Block]:
    """The document's blocks, in order: lines joined across hard wraps, boilerplate sections marked."""
    cues = cues or load_cues()
    lines = split_lines(text)
    width = wrap_width(text, lines, cues)
    out: list[Block] = []
    prev: Line | None = None
    in_section = False
    for line in lines:
        if line is None:
            prev = None
            in_section = False
            continue
        content = text[line.content : line.end]
        if prev is not None and out and _joins(text, prev, line, out[-1].start, width, cues):
            out[-1].lines.append(line)
        else:
            if in_section and line.end - line.content > cues.max_boilerplate_line_chars:
                in_section = False
            if cues.is_header(content):
                in_section = True
            out.append(Block([line], boilerplate=in_section))
        prev = line
    return out


def _role_of_block(block: Block, first: bool, text: str, cues: Cues) -> str | None:
    """'title' or 'heading' for a block kept whole; None for a block split into sentences."""
    if block.boilerplate or block.is_list:
        return None
    content = text[block.start : block.end]
    stripped = content.rstrip(_CLOSERS)
    if not stripped or stripped[-1] in ".:;,":
        return None
    words = len(content.split())
    if first and words <= cues.max_title_words:
        return "title"
    if not first and words <= cues.max_heading_words and not cues.is_boilerplate(content):
        return "heading"
    return None


def _sentence_cuts(text: str, block: Block, ends: list[int], cues: Cues) -> list[int]:
    """Sentence ends inside a block: blingfire's, minus abbreviations and lower-case continuations."""
    cuts = []
    inline = [m.span() for m in cues.inline_boilerplate.finditer(text, block.start, block.end)]
    # `ends` is sorted: only the ends inside this block (a scan of all of them per block was quadratic per document)
    for end in ends[bisect.bisect_right(ends, block.start) : bisect.bisect_left(ends, block.end)]:
        if any(a < end < b for a, b in inline):
            continue
        nxt_start = end
        while nxt_start < block.end and text[nxt_start].isspace():
            nxt_start += 1
        if nxt_start >= block.end:
            continue
        if text[nxt_start].islower():
            continue  # "land… we’ll be talking": a lower-case word continues the sentence
        if text[end - 1] == ".":
            tok_start = max(text.rfind(" ", block.start, end), text.rfind("\n", block.start, end)) + 1
            token = text[max(tok_start, block.start) : end]
            if cues.is_abbreviation(token):
                match = _WORD.match(text, nxt_start)
                nxt = match.group().lstrip(_OPENERS).rstrip(",.").lower() if match else ""
                if nxt not in cues.sentence_starters:
                    continue  # "U.S. President", but "with the U.S. In a call" ends a sentence
        cuts.append(end)
    for a, b in inline:
        cuts += [a, b]
    return sorted(set(c for c in cuts if block.start < c < block.end))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def segment_text(text: str, sentence_ends: list[int] | None = None, cues: Cues | None = None) -> list[tuple[int, int, str]]:
    """Silver segments (start, end, role) of one document, in order, covering all its non-whitespace text."""
    cues = cues or load_cues()
    if sentence_ends is None:
        sentence_ends = blingfire_ends(text)
    out: list[tuple[int, int, str]] = []
    for i, block in enumerate(blocks(text, cues)):
        whole = _role_of_block(block, i == 0, text, cues)
        cuts = [] if whole else _sentence_cuts(text, block, sentence_ends, cues)
        bounds = [block.start, *cuts, block.end]
        for a, b in zip(bounds, bounds[1:]):
            start, end = _trim(text, a, b)
            if start >= end:
                continue
            if whole:
                role = whole
            elif block.boilerplate or cues.is_boilerplate(text[start:end]):
                role = "boilerplate"
            else:
                role = "list_item" if block.is_list else "body"
            out.append((start, end, role))
    return out


_BUFFERS = threading.local()


def blingfire_ends(text: str) -> list[int]:
    """End offsets (Python str indices) of the sentences blingfire finds in the text, in one call.

    Calls blingfire's C function directly: the package's own Python wrapper maps UTF-8 byte offsets
    to string offsets with a per-byte Python loop, which costs more than the splitting itself. Here
    the mapping is one numpy cumulative sum (and none at all for ASCII text).
    """
    import ctypes

    import blingfire
    import numpy as np

    data = text.encode("utf-8")
    if not data:
        return []
    size = len(data) * 2
    buffers = getattr(_BUFFERS, "value", None)
    if buffers is None or buffers[0] < size:
        # Reused between calls (per thread), grown when needed: allocating three buffers of twice the
        # text's size per document cost as much as blingfire's own work.
        size = max(size, 1 << 16)
        buffers = _BUFFERS.value = (size, ctypes.create_string_buffer(size), (ctypes.c_int32 * size)(), (ctypes.c_int32 * size)())
    size, out, starts, ends = buffers
    n = blingfire.blingfire.TextToSentencesWithOffsets(
        ctypes.c_char_p(data), ctypes.c_int(len(data)), ctypes.byref(out), ctypes.byref(starts), ctypes.byref(ends), ctypes.c_int(size)
    )
    if n < 0 or n > size:
        return [len(text)]
    count = ctypes.string_at(out, n).split(b"\0", 1)[0].count(b"\n") + 1
    last_bytes = np.frombuffer(ends, dtype=np.int32, count=count)  # byte index of each sentence's last byte
    if len(data) == len(text):
        return (last_bytes + 1).tolist()
    # char end = number of characters that start at or before the sentence's last byte
    char_starts = np.cumsum((np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80)
    return char_starts[last_bytes].tolist()


#: Arrow schema of the stage's output (the `sentences` table's columns, role as its label name).
SENTENCE_COLUMNS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("index", pa.int32()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("text", pa.string()),
        ("role", pa.string()),  # the label name; the writer stores it as the declared ClassLabel column
    ]
)


def segment_batch(docs: pa.RecordBatch | pa.Table) -> pa.Table:
    """Stage: a batch of documents (doc_id, text) -> their silver segments (sentences columns)."""
    cues = load_cues()
    cols: dict[str, list] = {name: [] for name in SENTENCE_COLUMNS.names}
    for doc_id, text in zip(docs.column("doc_id").to_pylist(), docs.column("text").to_pylist()):
        for index, (start, end, role) in enumerate(segment_text(text, cues=cues)):
            cols["doc_id"].append(doc_id)
            cols["index"].append(index)
            cols["start"].append(start)
            cols["end"].append(end)
            cols["text"].append(text[start:end])
            cols["role"].append(role)
    return pa.table(cols, schema=SENTENCE_COLUMNS)
