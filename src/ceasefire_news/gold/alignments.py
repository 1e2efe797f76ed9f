"""The alignment layer: checks of cross-document segment links, the derived sentence_pairs table, agreement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..errors import Located, ProblemLog
from ..schema.rules import PAIR_LABELS

if TYPE_CHECKING:
    from ..schema.models import Alignment, AlignmentJudgement, Sentence, SegmentPair
from ..dataset.storage import arrow_array, take_values
from ..schema.tables import TABLES

#: A link's key: (doc_a, index_a, doc_b, index_b).
LinkKey = tuple[str, int, str, int]


def link_key(link: SegmentPair) -> LinkKey:
    """The (doc_a, index_a, doc_b, index_b) key of a link."""
    return (link.doc_a, link.index_a, link.doc_b, link.index_b)


def segment_texts(segments: Mapping[str, Iterable[Sentence]]) -> dict[str, list[str]]:
    """The segment texts of every document in index order (positions are the segment indices)."""
    return {doc_id: [s.text for s in sorted(segs, key=lambda s: s.index)] for doc_id, segs in segments.items()}


def check_links(
    texts: Mapping[str, Sequence[str]], items: list[Located[SegmentPair]], log: ProblemLog
) -> list[Located]:
    """Check links against the gold segments; return the valid ones in key order.

    Both segments exist, the documents differ and are ordered (doc_a < doc_b), no link is given
    twice, and text_a/text_b (when the record has them) equal the segment texts. The relation is
    checked by the record model when the file is read.
    """
    valid: list[Located] = []
    seen: dict[tuple, Located] = {}
    for item in items:
        rec = item.record
        ok = True
        for side in ("a", "b"):
            doc_id, index = getattr(rec, f"doc_{side}"), getattr(rec, f"index_{side}")
            if doc_id not in texts:
                _problem(log, item, doc_id, f"doc_{side}", f"unknown doc_{side} {doc_id!r} (no such document)")
                ok = False
            elif index >= len(texts[doc_id]):
                n = len(texts[doc_id])
                _problem(log, item, doc_id, f"index_{side}", f"index_{side} {index} out of range: document {doc_id!r} has {n} segments (0..{n - 1})")
                ok = False
        if not ok:
            continue
        if rec.doc_a == rec.doc_b:
            _problem(log, item, rec.doc_b, "doc_b", f"doc_a and doc_b are both {rec.doc_a!r}; links join segments of two different documents")
            continue
        if rec.doc_a > rec.doc_b:
            _problem(log, item, rec.doc_a, "doc_a", f"doc_a {rec.doc_a!r} sorts after doc_b {rec.doc_b!r}; write the link once with doc_a < doc_b (swap doc, index and text)")
            continue
        for side in ("a", "b"):
            doc_id, index = getattr(rec, f"doc_{side}"), getattr(rec, f"index_{side}")
            given, expected = getattr(rec, f"text_{side}"), texts[doc_id][index]
            if given is not None and given != expected:
                _problem(log, item, doc_id, f"text_{side}", f"text_{side} {_cut(given)!r} does not equal segment {index} of {doc_id}: {_cut(expected)!r}")
                ok = False
        key = link_key(rec)
        if key in seen:
            first = seen[key]
            _problem(log, item, rec.doc_a, "index_b", f"duplicate link {key} (first given at line {first.line})" if first.line else f"duplicate link {key}")
            continue
        seen[key] = item
        if ok:
            valid.append(item)
    return sorted(valid, key=lambda i: (i.record.doc_a, i.record.doc_b, i.record.index_a, i.record.index_b))


def _problem(log: ProblemLog, item: Located, doc_id: str, field: str, message: str) -> None:
    log.add(item.file, message, line=item.line, row=item.row, doc_id=doc_id, field=field)


def _cut(text: str, size: int = 80) -> str:
    return text if len(text) <= size else text[:size] + "…"


def num_cross_pairs(sizes: Mapping[str, int]) -> int:
    """Number of cross-document segment pairs: sum over document pairs of n_a * n_b."""
    total = sum(sizes.values())
    return (total * total - sum(n * n for n in sizes.values())) // 2


def pair_positions(sizes: Mapping[str, int], keys: Iterable[LinkKey]) -> np.ndarray:
    """Row numbers of segment pairs in the sentence_pairs order (doc_a, doc_b, index_a, index_b)."""
    docs = sorted(sizes)
    block: dict[tuple[str, str], int] = {}
    start = 0
    for a, b in combinations(docs, 2):
        block[(a, b)] = start
        start += sizes[a] * sizes[b]
    return np.array([block[(a, b)] + ia * sizes[b] + ib for a, ia, b, ib in keys], dtype=np.int64)


def sentence_pairs(texts: Mapping[str, Sequence[str]], links: Iterable[Alignment]) -> pa.Table:
    """The sentence_pairs table: every cross-document segment pair once, labelled by the links.

    Built column by column in Arrow (numpy index arithmetic and `take`), linear in its size: one
    Python object per document pair, never one per segment pair.
    """
    table = TABLES["sentence_pairs"]
    docs = sorted(texts)
    sizes = np.array([len(texts[d]) for d in docs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    all_texts = arrow_array([t for d in docs for t in texts[d]], pa.string())
    doc_a, doc_b, glob_a, glob_b = [], [], [], []
    for a, b in combinations(range(len(docs)), 2):
        na, nb = int(sizes[a]), int(sizes[b])
        doc_a.append(np.full(na * nb, a, dtype=np.int64))
        doc_b.append(np.full(na * nb, b, dtype=np.int64))
        glob_a.append(offsets[a] + np.repeat(np.arange(na, dtype=np.int64), nb))
        glob_b.append(offsets[b] + np.tile(np.arange(nb, dtype=np.int64), na))
    da, db, ga, gb = (np.concatenate(x) if x else np.zeros(0, dtype=np.int64) for x in (doc_a, doc_b, glob_a, glob_b))
    labels = np.zeros(len(da), dtype=np.int64)
    links = list(links)
    rows = pair_positions(dict(zip(docs, sizes.tolist())), (link_key(x) for x in links))
    labels[rows] = [PAIR_LABELS.index(x.relation) for x in links]
    names = arrow_array(docs, pa.string())
    columns = [
        take_values(names, da),
        arrow_array((ga - offsets[da]).astype(np.int32), pa.int32()),
        take_values(names, db),
        arrow_array((gb - offsets[db]).astype(np.int32), pa.int32()),
        take_values(arrow_array(PAIR_LABELS, pa.string()), labels),  # label names (format 2)
        take_values(all_texts, ga),
        take_values(all_texts, gb),
    ]
    return pa.Table.from_arrays(columns, schema=table.arrow_schema)


def empty_sentence_pairs() -> pa.Table:
    """The sentence_pairs table of seeds without an alignment layer: no rows."""
    return pa.Table.from_batches([], schema=TABLES["sentence_pairs"].arrow_schema)  # empty_table() imports pandas


def alignment_agreement(sizes: Mapping[str, int], annotations: Mapping[str, Iterable[AlignmentJudgement]]) -> list[dict] | None:
    """Agreement between every two independent alignment annotations (None with fewer than two).

    Cohen's kappa (scikit-learn) over ALL cross-document segment pairs with three classes
    (unrelated, partial, equivalent); only the linked pairs are listed, the unrelated-unrelated
    pairs enter as one observation weighted by their number, so the cost is linear in the links.
    Link F1: a link is a pair with a non-unrelated label; `link_f1` matches pairs exactly,
    `link_f1_relation` also requires the same relation.
    """
    names = sorted(annotations)
    if len(names) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score  # here: only seeds with two annotations pay for it

    total = num_cross_pairs(sizes)
    labelled = {n: {link_key(x): PAIR_LABELS.index(x.relation) for x in annotations[n]} for n in names}
    out = []
    for a, b in combinations(names, 2):
        la, lb = labelled[a], labelled[b]
        union = sorted(set(la) | set(lb))
        both_unrelated = total - len(union)
        y1 = [la.get(k, 0) for k in union] + [0]
        y2 = [lb.get(k, 0) for k in union] + [0]
        weights = [1] * len(union) + [both_unrelated]
        if len(set(y1) | set(y2)) < 2:
            kappa = None  # both annotators mark every pair unrelated: kappa is undefined
        else:
            kappa = float(cohen_kappa_score(y1, y2, labels=[0, 1, 2], sample_weight=weights))
        out.append(
            {
                "annotators": [a, b],
                "pairs": total,
                "links_a": len(la),
                "links_b": len(lb),
                "kappa": kappa,
                "link_f1": _f1(set(la), set(lb)),
                "link_f1_relation": _f1(set(la.items()), set(lb.items())),
            }
        )
    return out


def _f1(a: set, b: set) -> float:
    """Symmetric F1 of two sets (1.0 when both are empty)."""
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))
