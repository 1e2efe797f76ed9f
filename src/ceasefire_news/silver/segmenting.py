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
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import pyarrow as pa


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
#: Most tokens whose abbreviation test is remembered (the tokens before a full stop repeat across documents).
_MEMO_SIZE = 1 << 16


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
    _abbreviation_memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def is_abbreviation(self, token: str) -> bool:
        """True if a token ending in '.' is an abbreviation or an initial (U.S., Mr., J.)."""
        known = self._abbreviation_memo.get(token)
        if known is None:
            bare = token.lstrip(_OPENERS)
            known = bare.lower() in self.abbreviations or _INITIALS.fullmatch(bare) is not None
            if len(self._abbreviation_memo) < _MEMO_SIZE:
                self._abbreviation_memo[token] = known
        return known

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


class Block(NamedTuple):
    """Consecutive lines joined by hard wraps: a title, heading, paragraph, list item or boilerplate line."""

    start: int  # the first line's content
    end: int  # the last line's end
    is_list: bool  # the first line is a '- ' list item
    boilerplate: bool  # inside a boilerplate section


def split_lines(text: str) -> list[Line | None]:
    """Every line of the text; None for a line that is empty or whitespace only."""
    # str.lstrip/rstrip strip exactly what str.isspace calls whitespace, so the offsets come from
    # string lengths: no per-character loop.
    out: list[Line | None] = []
    append = out.append
    pos = 0
    for raw in text.split("\n"):
        size = len(raw)
        body = raw.lstrip()
        if body:
            content = pos + size - len(body)
            is_list = False
            if raw.startswith("- "):  # is_list_marker at the line's start (no indentation)
                rest = raw[2:].lstrip()
                if rest:  # a bare "- " line is text, not an empty list item
                    content = pos + size - len(rest)
                    is_list = True
            append(Line(pos, content, pos + len(raw.rstrip()), is_list))
        else:
            append(None)
        pos += size + 1
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
    followed = [a.end - a.start for a, b in zip(lines, lines[1:]) if a is not None and b is not None]
    if width > cues.wrap_max_width or len(followed) < 3:
        return None
    floor = width - cues.wrap_slack
    full = sum(1 for length in followed if length >= floor)
    return width if full >= cues.wrap_min_full_fraction * len(followed) else None


def _joins(text: str, p: str, n: str, p_indent: int, p_end: int, block_start: int, width: int | None, cues: Cues) -> bool:
    """True if the break between two adjacent non-empty lines (contents p and n) is a hard wrap inside a sentence.

    The caller has already ruled out the cases that never join: n is a list item, or p or n is a
    boilerplate header. p and n are stripped and non-empty; p_indent is the characters before p on
    its line, p_end where p ends in the text.
    """
    if ("(" in p and p.count("(") > p.count(")")) or ("[" in p and p.count("[") > p.count("]")):
        return True  # an open bracket on this line continues on the next: "(Related:\n..."
    tail = p[-1]
    if tail == ":":
        return False  # a line introducing a quotation or a list is its own segment
    core = p.rstrip(_CLOSERS)  # sentence-final punctuation, possibly followed by closing quotes/brackets
    if core and core[-1] in _TERMINAL and not (tail == "." and cues.is_abbreviation(p.rsplit(None, 1)[-1])):
        return n[0].islower()
    if n[0].islower():
        return True
    if tail in ",;–—“‘" or p.endswith(" -") or p.rsplit(None, 1)[-1].lower() in cues.function_words:
        return True
    block_text = text[block_start:p_end]
    if block_text.count("“") > block_text.count("”") or block_text.count('"') % 2 == 1:
        return True  # inside an open quotation
    if width is not None and len(p) + p_indent + 1 + len(n.split(None, 1)[0]) > width:
        return True  # a full line of a hard-wrapped document
    return False


def blocks(text: str, cues: Cues | None = None) -> list[Block]:
    """The document's blocks, in order: lines joined across hard wraps, boilerplate sections marked."""
    cues = cues or load_cues()
    lines = split_lines(text)
    width = wrap_width(text, lines, cues)
    is_header = cues.boilerplate_headers.search
    max_section_line = cues.max_boilerplate_line_chars
    out: list[Block] = []
    # The block being built, and the previous line (its content, indentation, end and whether it is
    # a header; p is None after an empty line): each line's header test runs once, not once per neighbour.
    b_start = b_end = -1
    b_list = b_boilerplate = False
    p: str | None = None
    p_indent = p_end = 0
    p_header = False
    in_section = False
    for line in lines:
        if line is None:
            p = None
            in_section = False
            continue
        start, content, end, is_list = line
        n = text[content:end]
        header = is_header(n) is not None
        if p is not None and not (is_list or header or p_header) and _joins(text, p, n, p_indent, p_end, b_start, width, cues):
            b_end = end
        else:
            if b_start >= 0:
                out.append(Block(b_start, b_end, b_list, b_boilerplate))
            if in_section and end - content > max_section_line:
                in_section = False
            if header:
                in_section = True
            b_start, b_end, b_list, b_boilerplate = content, end, is_list, in_section
        p, p_indent, p_end, p_header = n, content - start, end, header
    if b_start >= 0:
        out.append(Block(b_start, b_end, b_list, b_boilerplate))
    return out


def _segments_into(text: str, sentence_ends: list[int], cues: Cues, out: tuple[list, list, list, list]) -> int:
    """Append the silver segments of one document to out = (starts, ends, roles, texts); return how many.

    One pass over the document's blocks. This is a hand loop because every rule reads the text
    around one position (the next word, the token before a full stop, the block's open quotes):
    a columnar form would compute each of them for every character. Per block it does only what
    the block needs: a title or heading is one segment; inline boilerplate is searched only in
    blocks with a '('; blingfire's ends are taken from the sorted list by bisection.
    """
    starts, ends, roles, texts = out
    is_boilerplate = cues.boilerplate_prefixes.search
    inline_boilerplate = cues.inline_boilerplate.finditer
    is_abbreviation = cues.is_abbreviation
    starters = cues.sentence_starters
    match_word = _WORD.match
    bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
    max_title, max_heading = cues.max_title_words, cues.max_heading_words
    count = 0
    for i, (bs, be, is_list, boilerplate) in enumerate(blocks(text, cues)):
        whole = None
        if not (boilerplate or is_list):
            content = text[bs:be]
            stripped = content.rstrip(_CLOSERS)
            if stripped and stripped[-1] not in ".:;,":
                words = len(content.split())
                if i == 0 and words <= max_title:
                    whole = "title"
                elif i != 0 and words <= max_heading and is_boilerplate(content) is None:
                    whole = "heading"
        if whole is not None:
            # bs and be are a line's first and last content characters: nothing to trim
            starts.append(bs)
            ends.append(be)
            roles.append(whole)
            texts.append(content)
            count += 1
            continue
        # Sentence ends inside the block: blingfire's, minus abbreviations and lower-case continuations.
        inline = [m.span() for m in inline_boilerplate(text, bs, be)] if text.find("(", bs, be) >= 0 else []
        cuts = []
        for end in sentence_ends[bisect_right(sentence_ends, bs) : bisect_left(sentence_ends, be)]:
            if inline and any(a < end < b for a, b in inline):
                continue
            nxt_start = end
            while nxt_start < be and text[nxt_start].isspace():
                nxt_start += 1
            if nxt_start >= be:
                continue
            if text[nxt_start].islower():
                continue  # "land… we’ll be talking": a lower-case word continues the sentence
            if text[end - 1] == ".":
                tok_start = max(text.rfind(" ", bs, end), text.rfind("\n", bs, end)) + 1
                if is_abbreviation(text[max(tok_start, bs) : end]):
                    match = match_word(text, nxt_start)
                    nxt = match.group().lstrip(_OPENERS).rstrip(",.").lower() if match else ""
                    if nxt not in starters:
                        continue  # "U.S. President", but "with the U.S. In a call" ends a sentence
            cuts.append(end)
        if inline:
            for a, b in inline:
                cuts += [a, b]
            cuts = sorted(set(c for c in cuts if bs < c < be))
        # (blingfire's ends are strictly increasing, so without inline cuts the list is sorted and unique)
        role = "boilerplate" if boilerplate else "list_item" if is_list else "body"
        a = bs
        for b in [*cuts, be]:
            start, end = a, b
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            a = b
            if start >= end:
                continue
            segment = text[start:end]
            starts.append(start)
            ends.append(end)
            roles.append("boilerplate" if role != "boilerplate" and is_boilerplate(segment) is not None else role)
            texts.append(segment)
            count += 1
    return count


def segment_text(text: str, sentence_ends: list[int] | None = None, cues: Cues | None = None) -> list[tuple[int, int, str]]:
    """Silver segments (start, end, role) of one document, in order, covering all its non-whitespace text."""
    cues = cues or load_cues()
    if sentence_ends is None:
        sentence_ends = blingfire_ends(text)
    out: tuple[list, list, list, list] = ([], [], [], [])
    _segments_into(text, sentence_ends, cues, out)
    return list(zip(out[0], out[1], out[2]))


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
    # The output (the sentences' bytes, each followed by at most one '\n') is never longer than twice
    # the input, so that is the capacity passed. Not the buffers' size: blingfire zeroes that many
    # offsets per call, which for a short document behind a long one cost more than the splitting.
    # The start offsets are not needed, so none are asked for (blingfire accepts NULL there).
    size = len(data) * 2
    buffers = getattr(_BUFFERS, "value", None)
    if buffers is None or buffers[0] < size:
        # Reused between calls (per thread), grown when needed: allocating the buffers per document
        # cost as much as blingfire's own work.
        grown = max(size, 1 << 16)
        buffers = _BUFFERS.value = (grown, ctypes.create_string_buffer(grown), (ctypes.c_int32 * grown)())
    _, out, ends = buffers
    n = blingfire.blingfire.TextToSentencesWithOffsets(
        ctypes.c_char_p(data), ctypes.c_int(len(data)), ctypes.byref(out), None, ctypes.byref(ends), ctypes.c_int(size)
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
    import numpy as np

    cues = load_cues()
    out: tuple[list, list, list, list] = ([], [], [], [])
    counts = [_segments_into(text, blingfire_ends(text), cues, out) for text in docs.column("text").to_pylist()]
    starts, ends, roles, texts = out
    # doc_id and index columns from the per-document counts, without a Python object per segment
    counts_np = np.asarray(counts, dtype=np.int64)
    first = np.cumsum(counts_np) - counts_np
    owner = np.repeat(np.arange(len(counts_np)), counts_np)
    doc_ids = docs.column("doc_id").take(pa.array(owner, pa.int64()))
    if isinstance(doc_ids, pa.ChunkedArray):
        doc_ids = doc_ids.combine_chunks()
    columns = [
        doc_ids.cast(pa.string()),
        pa.array(np.arange(len(owner), dtype=np.int64) - first[owner], pa.int32()),
        pa.array(starts, pa.int32()),
        pa.array(ends, pa.int32()),
        pa.array(texts, pa.string()),
        pa.array(roles, pa.string()),
    ]
    return pa.Table.from_arrays(columns, schema=SENTENCE_COLUMNS)
