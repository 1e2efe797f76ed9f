"""IOB2 tags <-> character spans, for scoring token-classification models against the span gold.

Decoding is strict, as seqeval's strict mode with the IOB2 scheme (`seqeval.metrics.classification_report(...,
mode="strict", scheme=IOB2)`): an entity starts at `B-X` and continues over the directly following
`I-X` tokens; an `I-X` that does not continue an entity of type X (after `O`, after another type,
or at the start) is dropped, and so are the `I-` tokens that follow it until the next `B-`.
Lenient (conlleval-style) decoding would start an entity at such a stray `I-X` instead. The gold
`ner` tags never contain a stray `I-`, so both rules decode the gold identically; for
predictions they differ, and the evaluator scores the spans you give it: decode with this function
to get the strict rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: A decoded entity: (start, end, label), character offsets from the token offsets.
Span = tuple[int, int, str]


def _split(tag: str) -> tuple[str, str]:
    """('B' | 'I' | 'O', label) of an IOB2 tag; anything else is a ValueError."""
    if tag == "O":
        return "O", ""
    prefix, sep, label = tag.partition("-")
    if prefix not in ("B", "I") or not sep or not label:
        raise ValueError(f"{tag!r} is not an IOB2 tag (expected 'O', 'B-<label>' or 'I-<label>')")
    return prefix, label


def spans_from_iob2(tags: Sequence[str], token_starts: Sequence[int], token_ends: Sequence[int]) -> list[Span]:
    """Entities (start, end, label) of an IOB2 tag sequence, decoded strictly (stray I- tags are dropped).

    token_starts/token_ends are the character offsets of the tokens (as in the `ner` table), so the
    spans are document offsets ready for the `ner` task's predictions.
    """
    if not len(tags) == len(token_starts) == len(token_ends):
        raise ValueError(f"{len(tags)} tags, {len(token_starts)} token starts and {len(token_ends)} token ends")
    spans: list[Span] = []
    current: list | None = None  # [start, end, label] of the open entity
    for tag, start, end in zip(tags, token_starts, token_ends):
        prefix, label = _split(tag)
        if prefix == "I" and current is not None and current[2] == label:
            current[1] = end
            continue
        if current is not None:
            spans.append((current[0], current[1], current[2]))
        current = [start, end, label] if prefix == "B" else None  # O, or a stray I- (dropped)
    if current is not None:
        spans.append((current[0], current[1], current[2]))
    return spans


def iob2_from_spans(spans: Iterable[Span], token_starts: Sequence[int], token_ends: Sequence[int]) -> list[str]:
    """IOB2 tags of entities (start, end, label) over tokens; spans must start and end on token edges and not overlap."""
    if len(token_starts) != len(token_ends):
        raise ValueError(f"{len(token_starts)} token starts but {len(token_ends)} token ends")
    first = {start: k for k, start in enumerate(token_starts)}
    last = {end: k for k, end in enumerate(token_ends)}
    tags = ["O"] * len(token_starts)
    for start, end, label in sorted(spans):
        if start not in first or end not in last or last[end] < first[start]:
            raise ValueError(f"span ({start}, {end}, {label!r}) does not start and end on token boundaries")
        covered = range(first[start], last[end] + 1)
        if any(tags[k] != "O" for k in covered):
            raise ValueError(f"span ({start}, {end}, {label!r}) overlaps another span")
        _split(f"B-{label}")
        tags[covered[0]] = f"B-{label}"
        for k in covered[1:]:
            tags[k] = f"I-{label}"
    return tags
