"""Input helpers shared by the baselines: tables as plain rows, text normalisation, set similarity."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

Rows = Iterable[Mapping[str, Any]]

#: (doc_id, segment index) of a gold segment.
SegmentKey = tuple[str, int]


def doc_texts(documents: Rows) -> dict[str, str]:
    """doc_id -> text from rows of the `documents` table, in doc_id order."""
    texts = {row["doc_id"]: row["text"] for row in documents}
    return {doc_id: texts[doc_id] for doc_id in sorted(texts)}


def doc_segments(sentences: Rows) -> dict[str, list[str]]:
    """doc_id -> segment texts in index order, from rows of the `sentences` table."""
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for row in sentences:
        by_doc.setdefault(row["doc_id"], []).append((row["index"], row["text"]))
    return {doc_id: [text for _, text in sorted(by_doc[doc_id])] for doc_id in sorted(by_doc)}


def segment_texts(sentences: Rows) -> dict[SegmentKey, str]:
    """(doc_id, index) -> segment text, in (doc_id, index) order."""
    return {(d, i): t for d, texts in doc_segments(sentences).items() for i, t in enumerate(texts)}


_PUNCT_CATEGORIES = ("P",)


def normalize_text(text: str) -> str:
    """Lowercase, delete punctuation (Unicode category P*), collapse whitespace to single spaces."""
    lowered = text.lower()
    no_punct = "".join(ch for ch in lowered if not unicodedata.category(ch).startswith(_PUNCT_CATEGORIES))
    return " ".join(no_punct.split())


def words(text: str) -> list[str]:
    """The words of a text after `normalize_text`."""
    return normalize_text(text).split()


def word_ngrams(text: str, n: int) -> set[str]:
    """The set of word n-grams of the normalised text (the whole text if it has fewer than n words)."""
    tokens = words(text)
    if len(tokens) < n:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def jaccard(a: set[Any], b: set[Any]) -> float:
    """Jaccard similarity of two sets (1.0 for two empty sets)."""
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def label_name(label: Any) -> str:
    """An entity label as its name (the loaded `entities` table stores the ClassLabel index)."""
    if isinstance(label, str):
        return label
    from ...schema.models import ENTITY_LABELS

    return ENTITY_LABELS[int(label)]


def doc_pairs(doc_ids: Iterable[str]) -> list[tuple[str, str]]:
    """Every unordered pair of doc ids once, as (doc_a, doc_b) with doc_a < doc_b, sorted."""
    return list(itertools.combinations(sorted(doc_ids), 2))
