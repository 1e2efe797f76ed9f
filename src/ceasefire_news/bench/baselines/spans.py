"""Span baselines: a hand-written gazetteer for NER and linking, and sentence splitters for segmentation."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ...gold.segments import is_list_marker
from .text import Rows, doc_texts

Predictions = dict[str, list[dict[str, Any]]]

#: The gazetteer's data file (surface, label, kb_id), with the rule it was written by in its header.
GAZETTEER_FILE = "gazetteer.tsv"


def read_gazetteer(name: str = GAZETTEER_FILE) -> tuple[tuple[str, str, str | None], ...]:
    """The (surface, label, kb_id or None) entries of a tab-separated gazetteer in this package's data/."""
    text = (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    entries = []
    for number, row in enumerate(csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
        if len(row) != 3:
            raise ValueError(f"{name}: entry {number} {row!r}: expected surface, label and kb_id separated by tabs")
        surface, label, kb = row
        entries.append((surface, label, kb or None))
    return tuple(entries)


@lru_cache(maxsize=1)
def default_gazetteer() -> "Gazetteer":
    """The packaged gazetteer (data/gazetteer.tsv), read once."""
    return Gazetteer(read_gazetteer())


@dataclass(frozen=True)
class Gazetteer:
    """Case-sensitive, longest-match, word-boundary matcher over a surface -> (label, kb_id) list."""

    entries: tuple[tuple[str, str, str | None], ...]

    def __post_init__(self) -> None:
        surfaces = [s for s, _, _ in self.entries]
        dupes = sorted({s for s in surfaces if surfaces.count(s) > 1})
        if dupes:
            raise ValueError(f"gazetteer surfaces listed twice: {dupes}")

    @property
    def lookup(self) -> dict[str, tuple[str, str | None]]:
        """Whitespace-normalised surface -> (label, kb_id)."""
        return {" ".join(s.split()): (label, kb) for s, label, kb in self.entries}

    @property
    def pattern(self) -> re.Pattern[str]:
        """One regex: alternatives longest first (so the longest match wins), whitespace as \\s+,
        and no word character directly before or after a match."""
        surfaces = sorted({s for s, _, _ in self.entries}, key=lambda s: (-len(s), s))
        alts = [r"\s+".join(re.escape(w) for w in s.split()) for s in surfaces]
        return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")

    def find(self, text: str) -> list[tuple[int, int, str, str | None]]:
        """Non-overlapping matches (start, end, label, kb_id), leftmost then longest."""
        lookup = self.lookup
        out = []
        for m in self.pattern.finditer(text):
            label, kb = lookup[" ".join(m.group().split())]
            out.append((m.start(), m.end(), label, kb))
        return out


def gazetteer_entities(documents: Rows, gazetteer: Gazetteer | None = None) -> Predictions:
    """Gazetteer NER ({"doc_id","start","end","label"}) and linking ({"doc_id","start","end","kb_id"})."""
    gaz = gazetteer if gazetteer is not None else default_gazetteer()
    ner: list[dict[str, Any]] = []
    linking: list[dict[str, Any]] = []
    for doc_id, text in doc_texts(documents).items():
        for start, end, label, kb in gaz.find(text):
            ner.append({"doc_id": doc_id, "start": start, "end": end, "label": label})
            if kb is not None:
                linking.append({"doc_id": doc_id, "start": start, "end": end, "kb_id": kb})
    return {"ner": ner, "linking": linking}


# --- segmentation ----------------------------------------------------------------------------


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past surrounding whitespace and a leading '- ' list marker (never part of a segment)."""
    while start < end and text[start].isspace():
        start += 1
    if start < end and is_list_marker(text, start):
        start += 2
        while start < end and text[start].isspace():
            start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def align_pieces(text: str, pieces: Iterable[str]) -> list[tuple[int, int]]:
    """Offsets in `text` of consecutive pieces whose non-whitespace characters spell the text in order.

    Whitespace is skipped on both sides, so the mapping survives a splitter that normalises spaces.
    Raises ValueError if a piece does not match the text at the current position.
    """
    spans = []
    pos = 0
    for piece in pieces:
        chars = [c for c in piece if not c.isspace()]
        if not chars:
            continue
        while pos < len(text) and text[pos].isspace():
            pos += 1
        start = pos
        for c in chars:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos >= len(text) or text[pos] != c:
                raise ValueError(f"splitter output {piece[:40]!r} does not match the text at offset {pos}")
            pos += 1
        spans.append((start, pos))
    if text[pos:].strip():
        raise ValueError(f"splitter output does not cover the text after offset {pos}")
    return spans


def segment_records(doc_id: str, text: str, spans: Iterable[tuple[int, int]]) -> list[dict[str, Any]]:
    """Records {"doc_id","start","end"} of the non-empty trimmed spans, in order."""
    out = []
    for start, end in spans:
        start, end = trim_span(text, start, end)
        if start < end:
            out.append({"doc_id": doc_id, "start": start, "end": end})
    return out


def pysbd_segments(documents: Rows) -> Predictions:
    """Segments from pysbd (English, clean=False) over each whole document, mapped back to offsets."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    out = []
    for doc_id, text in doc_texts(documents).items():
        out.extend(segment_records(doc_id, text, align_pieces(text, segmenter.segment(text))))
    return {"segmentation": out}


def line_segments(documents: Rows) -> Predictions:
    """Trivial segmentation: one segment per non-empty line (trimmed, list marker removed)."""
    out = []
    for doc_id, text in doc_texts(documents).items():
        spans, start = [], 0
        for line in text.split("\n"):
            spans.append((start, start + len(line)))
            start += len(line) + 1
        out.extend(segment_records(doc_id, text, spans))
    return {"segmentation": out}


