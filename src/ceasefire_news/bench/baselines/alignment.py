"""Cross-document sentence alignment baselines over the gold segments (task `sentence_alignment`).

Every method scores every cross-document pair of gold segments once, as records
{"doc_a", "index_a", "doc_b", "index_b", "score"} with doc_a < doc_b (higher = more alike).
Average precision, best F1 and the retrieval metrics need no threshold. A method's own decision
(which pairs it links) uses ONE threshold per method, fixed here by a written rule before any
score was computed and never tuned on the gold; the report shows the link F1 at that threshold
next to the best F1 over all thresholds (which is tuned on the gold by construction).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .embeddings import encode, load_embedding_model
from .spans import Gazetteer, default_gazetteer
from .text import Rows, SegmentKey, label_name, normalize_text, segment_texts

ALIGNMENT_TASK = "sentence_alignment"

#: (doc_a, index_a, doc_b, index_b) with doc_a < doc_b.
PairKey = tuple[str, int, str, int]
Predictions = dict[str, list[dict[str, Any]]]

# --- thresholds (fixed before any result was seen) -----------------------------------------------

#: TF-IDF cosine: the midpoint of the [0, 1] range of cosines between non-negative TF-IDF vectors,
#: as for the document-level TF-IDF baseline.
TFIDF_THRESHOLD = 0.5
#: BM25, normalised per query by the query's score against itself (so in [0, ~1]): the midpoint 0.5.
BM25_THRESHOLD = 0.5
#: MiniLM cosine: sentence-transformers' default for grouping texts by embedding,
#: `util.community_detection(threshold=0.75)`, as for the document-level embedding baseline.
EMBEDDING_THRESHOLD = 0.75
#: Entity-set Jaccard: the same cut as the document-level word Jaccard, 0.5.
JACCARD_THRESHOLD = 0.5
#: Trivial scores (constant 0.5; seeded uniform random), cut at the midpoint 0.5.
CONSTANT_SCORE = 0.5
RANDOM_SEED = 20250101
TRIVIAL_THRESHOLD = 0.5

#: Scores are rounded so prediction files do not change with the last bits of float math.
SCORE_DECIMALS = 6


def cross_pairs(segments: Iterable[SegmentKey]) -> list[PairKey]:
    """Every pair of segments of two different documents once, (doc_a, index_a, doc_b, index_b), doc_a < doc_b, sorted."""
    keys = sorted(segments)
    by_doc: dict[str, list[int]] = {}
    for doc_id, index in keys:
        by_doc.setdefault(doc_id, []).append(index)
    out = []
    for a, b in itertools.combinations(sorted(by_doc), 2):
        out.extend((a, i, b, j) for i in by_doc[a] for j in by_doc[b])
    return sorted(out)


def alignment_records(scores: Mapping[PairKey, float]) -> list[dict[str, Any]]:
    """Records {"doc_a","index_a","doc_b","index_b","score"} in key order, scores rounded."""
    return [
        {"doc_a": a, "index_a": i, "doc_b": b, "index_b": j, "score": round(float(scores[(a, i, b, j)]), SCORE_DECIMALS)}
        for a, i, b, j in sorted(scores)
    ]


def _matrix_scores(keys: Sequence[SegmentKey], sim: Any) -> dict[PairKey, float]:
    """Pair scores from a square similarity matrix over `keys` (rows and columns in the same order)."""
    pos = {k: n for n, k in enumerate(keys)}
    return {(a, i, b, j): float(sim[pos[(a, i)], pos[(b, j)]]) for a, i, b, j in cross_pairs(keys)}


# --- methods: each returns PairKey -> score over every cross-document pair ---------------------


def constant_alignment_scores(sentences: Rows, value: float = CONSTANT_SCORE) -> dict[PairKey, float]:
    """The same score for every pair (average precision = the share of gold links)."""
    return {key: value for key in cross_pairs(segment_texts(sentences))}


def random_alignment_scores(sentences: Rows, seed: int = RANDOM_SEED) -> dict[PairKey, float]:
    """Seeded uniform random scores in [0, 1), drawn in pair order."""
    rng = random.Random(seed)
    return {key: rng.random() for key in cross_pairs(segment_texts(sentences))}


def tfidf_alignment_scores(sentences: Rows) -> dict[PairKey, float]:
    """Cosine of scikit-learn TF-IDF vectors (default settings) fitted on all gold segments."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    texts = segment_texts(sentences)
    keys = list(texts)
    return _matrix_scores(keys, cosine_similarity(TfidfVectorizer().fit_transform([texts[k] for k in keys])))


def bm25_alignment_scores(sentences: Rows) -> dict[PairKey, float]:
    """BM25 (bm25s defaults: Lucene variant, k1=1.5, b=0.75, English stopwords) over all gold segments.

    BM25 scores are not comparable across queries (they grow with the query's length and rare
    words), and average precision ranks all pairs together, so each query's scores are divided by
    the query's score against itself; a pair's score is the mean of its two directions.
    """
    import bm25s
    import numpy as np

    texts = segment_texts(sentences)
    keys = list(texts)
    tokens = bm25s.tokenize([texts[k] for k in keys], stopwords="en", return_ids=False, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    rows = []
    for n, query in enumerate(tokens):
        scores = retriever.get_scores(query) if query else np.zeros(len(keys))
        self_score = float(scores[n])
        rows.append(scores / self_score if self_score > 0 else np.zeros(len(keys)))
    normalised = np.vstack(rows)
    return _matrix_scores(keys, (normalised + normalised.T) / 2)


def embedding_alignment_scores(sentences: Rows, model: Any = None) -> dict[PairKey, float]:
    """Cosine of all-MiniLM-L6-v2 embeddings of the two segments (the `embeddings` extra, offline)."""
    model = model if model is not None else load_embedding_model()
    texts = segment_texts(sentences)
    keys = list(texts)
    emb = encode([texts[k] for k in keys], model)
    return _matrix_scores(keys, emb @ emb.T)


def gold_entity_sets(entities: Rows) -> dict[SegmentKey, set[str]]:
    """(doc_id, sentence_index) -> the referents of its gold mentions: entity_id, else label + normalised text."""
    out: dict[SegmentKey, set[str]] = {}
    for row in entities:
        key = row["entity_id"] if row.get("entity_id") else f"{label_name(row['label'])}:{normalize_text(row['text'])}"
        out.setdefault((row["doc_id"], row["sentence_index"]), set()).add(key)
    return out


def gazetteer_entity_sets(sentences: Rows, gazetteer: Gazetteer | None = None) -> dict[SegmentKey, set[str]]:
    """(doc_id, index) -> the referents the gazetteer finds in the segment: kb_id, else label + normalised surface."""
    gaz = gazetteer if gazetteer is not None else default_gazetteer()
    out: dict[SegmentKey, set[str]] = {}
    for key, text in segment_texts(sentences).items():
        out[key] = {kb if kb else f"{label}:{normalize_text(text[s:e])}" for s, e, label, kb in gaz.find(text)}
    return out


def entity_jaccard_scores(sentences: Rows, entity_sets: Mapping[SegmentKey, set[str]]) -> dict[PairKey, float]:
    """Jaccard of the two segments' entity sets; 0.0 when neither has an entity (no shared evidence).

    Hand-written: one set operation per pair; `text.jaccard` gives two empty sets 1.0, which would
    link every pair of entity-free segments.
    """
    out = {}
    for a, i, b, j in cross_pairs(segment_texts(sentences)):
        x, y = entity_sets.get((a, i), set()), entity_sets.get((b, j), set())
        union = x | y
        out[(a, i, b, j)] = len(x & y) / len(union) if union else 0.0
    return out


# --- the method's own decision at its fixed threshold ---------------------------------------------


def link_f1_at_threshold(
    predictions: Sequence[Mapping[str, Any]],
    alignments: Rows,
    threshold: float,
    *,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict[str, float]:
    """Precision, recall and F1 of the links a method makes at its fixed threshold (score >= threshold),
    against the gold links (equivalent or partial), with 95% percentile bootstrap intervals over pairs.

    Point values come from scikit-learn; the bootstrap (scipy.stats.bootstrap, paired, seeded)
    recomputes them per resample with the same formulas in numpy, vectorised, because calling
    scikit-learn thousands of times on ~9,000 pairs would be slow.
    """
    import numpy as np
    from scipy.stats import bootstrap
    from sklearn.metrics import precision_recall_fscore_support

    gold = {(r["doc_a"], r["index_a"], r["doc_b"], r["index_b"]) for r in alignments}
    keys = [(r["doc_a"], r["index_a"], r["doc_b"], r["index_b"]) for r in predictions]
    if len(set(keys)) != len(keys):
        raise ValueError("alignment predictions list a pair twice")
    missing = gold - set(keys)
    if missing:
        raise ValueError(f"{len(missing)} gold links have no prediction, e.g. {sorted(missing)[0]}")
    y_true = np.array([k in gold for k in keys])
    y_pred = np.array([r["score"] >= threshold for r in predictions])
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0.0)
    out = {"precision": float(p), "recall": float(r), "f1": float(f)}

    def stat(t: Any, q: Any, axis: int = -1) -> Any:
        tp = np.sum(t & q, axis=axis)
        fp = np.sum(~t & q, axis=axis)
        fn = np.sum(t & ~q, axis=axis)
        with np.errstate(invalid="ignore", divide="ignore"):
            prec = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
            rec = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
            f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
        return np.stack([prec, rec, f1])

    if y_true.any() or y_pred.any():
        res = bootstrap(
            (y_true, y_pred), stat, paired=True, vectorized=True, n_resamples=n_resamples,
            confidence_level=0.95, method="percentile", random_state=np.random.default_rng(seed),
        )
        lows, highs = res.confidence_interval.low, res.confidence_interval.high
    else:
        lows = highs = [out["precision"], out["recall"], out["f1"]]
    for n, name in enumerate(("precision", "recall", "f1")):
        out[f"{name}_ci_low"] = float(np.nan_to_num(lows[n], nan=out[name]))
        out[f"{name}_ci_high"] = float(np.nan_to_num(highs[n], nan=out[name]))
    out["n"] = len(keys)
    out["threshold"] = float(threshold)
    return out
