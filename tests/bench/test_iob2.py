"""IOB2 <-> spans: strict decoding agrees with seqeval's strict IOB2 mode; encoding round-trips; the gold decodes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2, Entities

from ceasefire_news import iob2_from_spans, load, spans_from_iob2

TAGS = st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG"]), max_size=30)


def offsets(n: int) -> tuple[list[int], list[int]]:
    """Token k covers characters [3k, 3k + 2) (one separator character between tokens)."""
    return [3 * k for k in range(n)], [3 * k + 2 for k in range(n)]


@settings(max_examples=500, deadline=None)
@given(TAGS)
def test_strict_decoding_equals_seqeval_strict_iob2(tags: list[str]) -> None:
    starts, ends = offsets(len(tags))
    ours = spans_from_iob2(tags, starts, ends)
    strict = sorted((3 * e.start, 3 * (e.end - 1) + 2, e.tag) for e in Entities([tags], IOB2).entities[0])
    assert ours == strict


def test_strict_and_lenient_decoding_differ_on_a_stray_inside_tag() -> None:
    tags = ["O", "I-PER", "I-PER", "O", "B-LOC", "I-PER"]
    starts, ends = offsets(len(tags))
    assert spans_from_iob2(tags, starts, ends) == [(12, 14, "LOC")]
    # seqeval's default (lenient, conlleval-style) decoding starts an entity at the stray I-PER.
    assert sorted(get_entities(tags)) == [("LOC", 4, 4), ("PER", 1, 2), ("PER", 5, 5)]


@settings(max_examples=300, deadline=None)
@given(TAGS)
def test_encoding_round_trips(tags: list[str]) -> None:
    starts, ends = offsets(len(tags))
    spans = spans_from_iob2(tags, starts, ends)
    encoded = iob2_from_spans(spans, starts, ends)
    assert spans_from_iob2(encoded, starts, ends) == spans
    # The encoding is the canonical IOB2 of those spans: no stray I- tag.
    assert all(t == "O" or t.startswith("B-") or encoded[k - 1][2:] == t[2:] for k, t in enumerate(encoded))


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="not an IOB2 tag"):
        spans_from_iob2(["B-PER", "X-PER"], [0, 3], [2, 5])
    with pytest.raises(ValueError, match="not an IOB2 tag"):
        spans_from_iob2(["B-"], [0], [2])
    with pytest.raises(ValueError, match="2 tags, 1 token starts"):
        spans_from_iob2(["O", "O"], [0], [2, 5])
    with pytest.raises(ValueError, match="token boundaries"):
        iob2_from_spans([(1, 5, "PER")], [0, 3], [2, 5])
    with pytest.raises(ValueError, match="overlaps"):
        iob2_from_spans([(0, 5, "PER"), (3, 5, "LOC")], [0, 3], [2, 5])


def test_the_ner_table_decodes_to_the_entities_table(built: Path) -> None:
    ner = load("ner", built)
    names = ner.features["ner_tags"].feature.names
    decoded = set()
    for row in ner:
        tags = [names[t] for t in row["ner_tags"]]
        assert iob2_from_spans(spans_from_iob2(tags, row["token_starts"], row["token_ends"]), row["token_starts"], row["token_ends"]) == tags
        decoded |= {(row["doc_id"], s, e, label) for s, e, label in spans_from_iob2(tags, row["token_starts"], row["token_ends"])}
    entities = load("entities", built)
    labels = entities.features["label"].names
    assert decoded == {(r["doc_id"], r["start"], r["end"], labels[r["label"]]) for r in entities}
