"""A small alignment fixture for tests until the gold `alignments` table is built: NOT gold.

tests/fixtures/alignments_fixture.jsonl lists a few links between documents 000 and 001, written for
these tests by reading the two texts; the rows below are shaped like the `alignments` and
`sentence_pairs` tables (same columns, ClassLabel names and order as declared for them).
"""

from __future__ import annotations

import json
from pathlib import Path

import datasets

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "alignments_fixture.jsonl"
RELATIONS = ["equivalent", "partial"]  # ClassLabel of alignments.relation
PAIR_LABELS = ["unrelated", "partial", "equivalent"]  # ClassLabel of sentence_pairs.label
DOCS = ("000_a604801cb8896bbe", "001_962f232c241942aa")


def links() -> list[dict]:
    """The fixture links: doc_a, index_a, doc_b, index_b, relation."""
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def alignment_tables(sentences: list[dict], docs: tuple[str, ...] = DOCS) -> dict[str, datasets.Dataset]:
    """`alignments` and `sentence_pairs` over the given segments of `docs`, from the fixture links."""
    text = {(r["doc_id"], r["index"]): r["text"] for r in sentences if r["doc_id"] in docs}
    relation = {
        (l["doc_a"], l["index_a"], l["doc_b"], l["index_b"]): l["relation"]
        for l in links()
        if (l["doc_a"], l["index_a"]) in text and (l["doc_b"], l["index_b"]) in text  # links within the given segments
    }
    alignments = [
        {"doc_a": a, "index_a": i, "doc_b": b, "index_b": j, "relation": RELATIONS.index(rel), "text_a": text[(a, i)], "text_b": text[(b, j)]}
        for (a, i, b, j), rel in sorted(relation.items())
    ]
    keys = sorted(text)
    pairs = [
        {"doc_a": a, "index_a": i, "doc_b": b, "index_b": j,
         "label": PAIR_LABELS.index(relation.get((a, i, b, j), "unrelated")), "sentence1": text[(a, i)], "sentence2": text[(b, j)]}
        for a, i in keys for b, j in keys if a < b
    ]
    s, i32 = datasets.Value("string"), datasets.Value("int32")
    seg = {"doc_a": s, "index_a": i32, "doc_b": s, "index_b": i32}
    return {
        "alignments": datasets.Dataset.from_list(
            alignments, features=datasets.Features({**seg, "relation": datasets.ClassLabel(names=RELATIONS), "text_a": s, "text_b": s})
        ),
        "sentence_pairs": datasets.Dataset.from_list(
            pairs, features=datasets.Features({**seg, "label": datasets.ClassLabel(names=PAIR_LABELS), "sentence1": s, "sentence2": s})
        ),
    }
