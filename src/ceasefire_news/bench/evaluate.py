"""Scoring the benchmark tasks: pure metric functions on plain structures and `evaluate` on a built dataset.

Conventions for degenerate cases (documented in the README section on evaluation):

- Set-based precision/recall/F1 (clustering pairs, NER spans, segments, boundaries): a ratio whose
  denominator is zero is 0.0 (no predicted items -> precision 0; no gold items -> recall 0), except
  when gold and prediction are *both* empty: the prediction is then exactly right and all three are 1.0.
  So an all-singletons clustering scores pairwise P = R = F1 = 0 against any gold with at least one
  same-cluster pair, and 1.0 against an all-singletons gold (where it *is* the gold).
- B-cubed is never degenerate (every document is in one gold and one predicted cluster).
- ARI and V-measure are scikit-learn's, including its special cases (identical partitions,
  e.g. both all-singletons or both one cluster, give 1.0).
- Pair scoring with no positive gold pair: average precision and best F1 are 0.0 and
  best_threshold is the highest score (the F1 of every threshold ties at 0).
- Linking with no gold mention linked to Wikidata: accuracy 0.0 with num_gold_linked 0.

Every metric comes with a 95% bootstrap interval over the task's unit (see `intervals`), and every
output says whether the gold makes the task degenerate (`degenerate`, `degenerate_reason`).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError, ProblemLog
from ..dataset.manifest import MANIFEST_FILE, Manifest
from .intervals import (
    CONFIDENCE,
    N_RESAMPLES,
    SEED,
    ClusteringStatistic,
    RankingStatistic,
    Statistic,
    count_statistic,
    mean_statistic,
    percentile_intervals,
    prf,
)
from .predictions import CLUSTERING_TASKS, PAIR_TASKS, PredictionSource, read_predictions

#: Every benchmark task, in the order of the README.
TASKS: tuple[str, ...] = (
    *CLUSTERING_TASKS, *PAIR_TASKS, "ner", "linking", "segmentation", "sentence_alignment", "entity_coreference",
)

#: The resampling unit of each task's confidence intervals (named in the output as `unit`).
UNITS: dict[str, str] = {
    **{t: "document" for t in CLUSTERING_TASKS},
    **{t: "document pair" for t in PAIR_TASKS},
    "ner": "segment",
    "linking": "gold mention",
    "segmentation": "segment",
    "sentence_alignment": "segment pair",
    "entity_coreference": "coreference component",
}

#: (doc_id, start, end) of a span; NER spans add the label.
SpanKey = tuple[str, int, int]


def exact_match_prf(gold: Collection[Hashable], pred: Collection[Hashable]) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted set of items against a gold set (exact matches)."""
    gold_set, pred_set = set(gold), set(pred)
    if not gold_set and not pred_set:
        return 1.0, 1.0, 1.0
    # scikit-learn scores the binary problem "is this item gold / predicted?" over the union of items.
    from sklearn.metrics import precision_recall_fscore_support

    union = list(gold_set | pred_set)
    y_true = [item in gold_set for item in union]
    y_pred = [item in pred_set for item in union]
    p, r, f, _ = precision_recall_fscore_support(
        y_true, y_pred, average="binary", pos_label=True, zero_division=0.0
    )
    return float(p), float(r), float(f)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _codes(labels: Mapping[str, Hashable], doc_ids: Sequence[str]) -> np.ndarray:
    """Integer codes of cluster labels by Python equality (so 1 and "1" stay distinct for numpy)."""
    index: dict[tuple[type, Hashable], int] = {}
    return np.array([index.setdefault((type(labels[d]), labels[d]), len(index)) for d in doc_ids])


def clustering_scores(gold: Mapping[str, Hashable], pred: Mapping[str, Hashable]) -> dict[str, float]:
    """Pairwise, B-cubed, ARI and V-measure scores of a predicted clustering (doc_id -> label) against gold."""
    if set(gold) != set(pred):
        missing, extra = sorted(set(gold) - set(pred)), sorted(set(pred) - set(gold))
        raise ValueError(f"gold and prediction cover different documents (missing {missing}, extra {extra})")
    if not gold:
        raise ValueError("cannot score an empty clustering")
    from sklearn.metrics import adjusted_rand_score, v_measure_score
    from sklearn.metrics.cluster import contingency_matrix, pair_confusion_matrix

    doc_ids = sorted(gold)
    y_true, y_pred = _codes(gold, doc_ids), _codes(pred, doc_ids)

    # pair_confusion_matrix counts ordered pairs: [[TN, FP], [FN, TP]], each unordered pair twice.
    (_, fp), (fn, tp) = pair_confusion_matrix(y_true, y_pred) // 2
    if tp + fp == 0 and tp + fn == 0:
        pp = pr = pf = 1.0  # neither gold nor prediction has a same-cluster pair: exactly right
    else:
        pp = tp / (tp + fp) if tp + fp else 0.0
        pr = tp / (tp + fn) if tp + fn else 0.0
        pf = _f1(pp, pr)

    # Hand-written: scikit-learn has no B-cubed. Per document d with gold cluster G(d) and predicted
    # cluster P(d): precision |G∩P|/|P|, recall |G∩P|/|G|, averaged over documents (Bagga & Baldwin
    # 1998; Amigó et al. 2009); F1 is the harmonic mean of the two averages. From the contingency
    # matrix n[i, j]: each of the n[i, j] documents of cell (i, j) contributes n[i, j] / |P_j|.
    n = contingency_matrix(y_true, y_pred).astype(float)
    sizes_pred, sizes_gold = n.sum(axis=0), n.sum(axis=1)
    bp = float((n**2 / sizes_pred[None, :]).sum() / len(doc_ids))
    br = float((n**2 / sizes_gold[:, None]).sum() / len(doc_ids))

    return {
        "pairwise_precision": float(pp),
        "pairwise_recall": float(pr),
        "pairwise_f1": float(pf),
        "bcubed_precision": bp,
        "bcubed_recall": br,
        "bcubed_f1": _f1(bp, br),
        "ari": float(adjusted_rand_score(y_true, y_pred)),
        "v_measure": float(v_measure_score(y_true, y_pred)),
    }


def gold_pair_labels(groups: Mapping[str, Hashable]) -> dict[tuple[str, str], bool]:
    """Every unordered pair (doc_a < doc_b) of documents, True when both are in the same group."""
    return {(a, b): groups[a] == groups[b] for a, b in combinations(sorted(groups), 2)}


def pair_scores(labels: Sequence[bool], scores: Sequence[float]) -> dict[str, float]:
    """Average precision, best F1 over all thresholds and that threshold (positive when score >= threshold)."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    if len(labels) != len(scores):
        raise ValueError(f"{len(labels)} labels but {len(scores)} scores")
    if not labels:
        raise ValueError("cannot score an empty list of pairs")
    y_true = np.asarray(labels, dtype=bool)
    y_score = np.asarray(scores, dtype=float)
    if not y_true.any():
        # Undefined without positives; every threshold has F1 0, so the tie goes to the highest.
        return {"average_precision": 0.0, "best_f1": 0.0, "best_threshold": float(y_score.max())}
    precision, recall, thresholds = precision_recall_curve(y_true, y_score)
    # The last (precision, recall) point has no threshold (it predicts nothing positive).
    p, r = precision[:-1], recall[:-1]
    f1 = np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=(p + r) > 0)
    # thresholds are increasing: among equal F1 values take the highest threshold.
    best = len(f1) - 1 - int(np.argmax(f1[::-1]))
    return {
        "average_precision": float(average_precision_score(y_true, y_score)),
        "best_f1": float(f1[best]),
        "best_threshold": float(thresholds[best]),
    }


def ner_scores(gold: Iterable[tuple[str, int, int, str]], pred: Iterable[tuple[str, int, int, str]]) -> dict[str, float]:
    """Strict span micro P/R/F1 (exact doc_id, start, end, label), per-label F1 and untyped span F1."""
    gold_set, pred_set = set(gold), set(pred)
    p, r, f = exact_match_prf(gold_set, pred_set)
    out = {"precision": p, "recall": r, "f1": f}
    for label in sorted({s[3] for s in gold_set | pred_set}):
        out[f"f1_{label}"] = exact_match_prf(
            {s for s in gold_set if s[3] == label}, {s for s in pred_set if s[3] == label}
        )[2]
    out["span_f1"] = exact_match_prf({s[:3] for s in gold_set}, {s[:3] for s in pred_set})[2]
    return out


def linking_scores(gold: Mapping[SpanKey, str | None], pred: Mapping[SpanKey, str | None]) -> dict[str, float]:
    """Accuracy over gold mentions with a kb_id: correct when the exact span is predicted with that kb_id."""
    linked = {span: kb for span, kb in gold.items() if kb is not None}
    # Hand-written: a plain ratio; predictions for other spans (or for unlinked gold) are ignored.
    correct = sum(1 for span, kb in linked.items() if pred.get(span) == kb)
    return {
        "accuracy": correct / len(linked) if linked else 0.0,
        "num_gold_linked": len(linked),
    }


def boundaries(segments: Iterable[SpanKey]) -> set[tuple[str, int]]:
    """(doc_id, end) of every segment except the last (greatest end) of each document."""
    last: dict[str, int] = {}
    ends: set[tuple[str, int]] = set()
    for doc_id, _start, end in segments:
        ends.add((doc_id, end))
        last[doc_id] = max(last.get(doc_id, end), end)
    return ends - set(last.items())


def segmentation_scores(gold: Iterable[SpanKey], pred: Iterable[SpanKey]) -> dict[str, float]:
    """P/R/F1 of exact (doc_id, start, end) segments and F1 of segment boundaries."""
    gold_set, pred_set = set(gold), set(pred)
    p, r, f = exact_match_prf(gold_set, pred_set)
    return {
        "precision": p,
        "recall": r,
        "f1": f,
        "boundary_f1": exact_match_prf(boundaries(gold_set), boundaries(pred_set))[2],
    }




# --------------------------------------------------------------------------- scores with intervals


class Resampling:
    """How intervals are computed: number of bootstrap resamples and seed (both fixed by default)."""

    def __init__(self, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> None:
        if n_resamples < 1:
            raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
        self.n_resamples, self.seed = n_resamples, seed


def with_intervals(
    point: Mapping[str, Any],
    names: Sequence[str],
    statistic: Statistic | None,
    n: int,
    resampling: Resampling,
    strata: Sequence[int] | np.ndarray | None = None,
) -> dict[str, Any]:
    """Each metric of `names` followed by its `_ci_low`/`_ci_high`, then the other keys of point.

    The interval bounds are None when there are fewer than two units (or nothing to resample).
    With strata, the bootstrap keeps the size of each stratum (see `percentile_intervals`).
    """
    bounds = None
    if statistic is not None and names:
        bounds = percentile_intervals(statistic, n, resampling.n_resamples, resampling.seed, strata)
    out: dict[str, Any] = {}
    for k, name in enumerate(names):
        out[name] = point[name]
        out[f"{name}_ci_low"] = None if bounds is None else float(bounds[0][k])
        out[f"{name}_ci_high"] = None if bounds is None else float(bounds[1][k])
    out.update((key, value) for key, value in point.items() if key not in out)
    return out


def _finish(out: dict[str, Any], n: int, unit: str, reason: str | None) -> dict[str, Any]:
    """Add the support n, the resampling unit and the degenerate flag with its reason."""
    out["n"] = n
    out["unit"] = unit
    out["degenerate"] = reason is not None
    out["degenerate_reason"] = reason
    return out


def _same(a: Hashable, b: Hashable) -> bool:
    """Equality of cluster labels as JSON values (1 and "1" differ)."""
    return type(a) is type(b) and a == b


def scored_clustering(gold: Mapping[str, Hashable], pred: Mapping[str, Hashable], resampling: Resampling, level: str = "") -> dict[str, Any]:
    """Clustering scores with intervals over documents, and the degenerate flag."""
    point = clustering_scores(gold, pred)
    docs = sorted(gold)
    statistic = ClusteringStatistic(_codes(gold, docs), _codes(pred, docs))
    out = with_intervals(point, ClusteringStatistic.names, statistic, len(docs), resampling)
    sizes = list(Counter(gold.values()).values())
    reason = None
    if len(sizes) == 1 and len(docs) > 1:
        reason = (
            f"the gold has a single {level} cluster: putting every document in one cluster scores 1.0 on "
            "every metric; kept as a smoke test only"
        )
    elif max(sizes) == 1:
        reason = f"no two gold documents share a {level} cluster: pairwise scores only reward predicting no pair"
    return _finish(out, len(docs), UNITS["near_duplicate"], reason)


def scored_pair_sets(gold: Sequence[bool], pred: Sequence[bool], resampling: Resampling, prefix: str = "pairwise_") -> dict[str, Any]:
    """P/R/F1 of same-cluster pairs (one unit per pair) with intervals: the per-document view of clustering."""
    g, p = np.asarray(gold, dtype=bool), np.asarray(pred, dtype=bool)
    keys = range(len(g))
    pp, pr, pf = exact_match_prf({k for k in keys if g[k]}, {k for k in keys if p[k]})
    counts = np.stack([g & p, g, p], axis=1).astype(float)
    names = [f"{prefix}precision", f"{prefix}recall", f"{prefix}f1"]
    statistic = count_statistic(counts, lambda sums: np.stack(prf(sums[0], sums[1], sums[2])))
    out = with_intervals(dict(zip(names, (pp, pr, pf))), names, statistic, len(g), resampling)
    reason = None
    if not g.any():
        reason = "no gold pair is positive: pairwise scores only reward predicting no pair"
    elif g.all():
        reason = "every gold pair is positive: predicting one cluster scores 1.0; kept as a smoke test only"
    return _finish(out, len(g), UNITS["near_duplicate_pairs"], reason)


def scored_pairs(labels: Sequence[bool], scores: Sequence[float], resampling: Resampling) -> dict[str, Any]:
    """Average precision, best F1 (and threshold) with intervals over pairs, and the degenerate flag."""
    if not len(labels):
        point: dict[str, Any] = {"average_precision": 0.0, "best_f1": 0.0, "best_threshold": None}
        statistic = None
    else:
        point = pair_scores(labels, scores)
        statistic = RankingStatistic(labels, scores)
    out = with_intervals(point, ["average_precision", "best_f1"], statistic, len(labels), resampling, np.asarray(labels, dtype=int))
    return _finish(out, len(labels), UNITS["near_duplicate_pairs"], _pairs_reason(labels))


def _pairs_reason(labels: Sequence[bool]) -> str | None:
    positives = int(np.sum(labels))
    if not len(labels):
        return "no gold pairs"
    if positives == len(labels):
        return "every gold pair is positive: any ranking has average precision 1.0; kept as a smoke test only"
    if positives == 0:
        return "no gold pair is positive: average precision and F1 are 0 for every ranking"
    return None


class _Units:
    """Gold segments as resampling units: maps a (doc_id, offset) to the segment whose extent holds it.

    Segment i of a document extends from its start to the next segment's start (the first from
    offset 0), so every offset of a document, whitespace included, belongs to one unit.
    """

    def __init__(self, segments: Iterable[tuple[str, int]]) -> None:
        self.keys = sorted(segments)
        self.starts: dict[str, list[int]] = {}
        self.first: dict[str, int] = {}
        for i, (doc_id, start) in enumerate(self.keys):
            self.first.setdefault(doc_id, i)
            self.starts.setdefault(doc_id, []).append(start)

    def __len__(self) -> int:
        return len(self.keys)

    def of(self, doc_id: str, offset: int) -> int:
        """The unit (row) of the segment containing offset."""
        k = bisect.bisect_right(self.starts[doc_id], offset) - 1
        return self.first[doc_id] + max(k, 0)


def scored_segmentation(gold: Iterable[SpanKey], pred: Iterable[SpanKey], resampling: Resampling) -> dict[str, Any]:
    """Segmentation scores with intervals over gold segments."""
    gold_set, pred_set = set(gold), set(pred)
    point = segmentation_scores(gold_set, pred_set)
    units = _Units((d, s) for d, s, _ in gold_set)
    counts = np.zeros((len(units), 6))
    for d, s, e in gold_set:
        u = units.of(d, s)
        counts[u, 0] += (d, s, e) in pred_set
        counts[u, 1] += 1
    for d, s, _ in pred_set:
        counts[units.of(d, s), 2] += 1
    gold_b, pred_b = boundaries(gold_set), boundaries(pred_set)
    for d, e in gold_b:
        u = units.of(d, e - 1)
        counts[u, 3] += (d, e) in pred_b
        counts[u, 4] += 1
    for d, e in pred_b:
        counts[units.of(d, e - 1), 5] += 1

    def metrics(sums: np.ndarray) -> np.ndarray:
        p, r, f = prf(sums[0], sums[1], sums[2])
        return np.stack([p, r, f, prf(sums[3], sums[4], sums[5])[2]])

    names = ["precision", "recall", "f1", "boundary_f1"]
    out = with_intervals(point, names, count_statistic(counts, metrics), len(units), resampling)
    return _finish(out, len(units), UNITS["segmentation"], None if gold_set else "no gold segments")


def scored_ner(
    gold: Iterable[tuple[str, int, int, str]],
    pred: Iterable[tuple[str, int, int, str]],
    segments: Iterable[tuple[str, int]],
    resampling: Resampling,
) -> dict[str, Any]:
    """NER scores with intervals over gold segments (a mention belongs to the segment holding its start)."""
    gold_set, pred_set = set(gold), set(pred)
    point = ner_scores(gold_set, pred_set)
    labels = sorted({m[3] for m in gold_set | pred_set})
    column = {label: 6 + 3 * k for k, label in enumerate(labels)}
    units = _Units(segments)
    counts = np.zeros((len(units), 6 + 3 * len(labels)))
    gold_spans, pred_spans = {m[:3] for m in gold_set}, {m[:3] for m in pred_set}
    for m in gold_set:
        u = units.of(m[0], m[1])
        hit = m in pred_set
        counts[u, [0, 1]] += (hit, 1)
        counts[u, [column[m[3]], column[m[3]] + 1]] += (hit, 1)
    for m in pred_set:
        u = units.of(m[0], m[1])
        counts[u, 2] += 1
        counts[u, column[m[3]] + 2] += 1
    for span in gold_spans:
        counts[units.of(span[0], span[1]), [3, 4]] += (span in pred_spans, 1)
    for span in pred_spans:
        counts[units.of(span[0], span[1]), 5] += 1

    def metrics(sums: np.ndarray) -> np.ndarray:
        p, r, f = prf(sums[0], sums[1], sums[2])
        rows = [p, r, f, prf(sums[3], sums[4], sums[5])[2]]
        rows += [prf(sums[c], sums[c + 1], sums[c + 2])[2] for c in column.values()]
        return np.stack(rows)

    names = ["precision", "recall", "f1", "span_f1", *(f"f1_{label}" for label in labels)]
    for label in labels:
        point[f"support_{label}"] = sum(1 for m in gold_set if m[3] == label)
    out = with_intervals(point, names, count_statistic(counts, metrics), len(units), resampling)
    return _finish(out, len(units), UNITS["ner"], None if gold_set else "no gold mentions")


def scored_linking(gold: Mapping[SpanKey, str | None], pred: Mapping[SpanKey, str | None], resampling: Resampling) -> dict[str, Any]:
    """Linking accuracy with an interval over the gold mentions that have a kb_id."""
    point = linking_scores(gold, pred)
    linked = sorted(span for span, kb in gold.items() if kb is not None)
    correct = np.array([pred.get(span) == gold[span] for span in linked], dtype=float)
    statistic = mean_statistic(correct) if linked else None
    out = with_intervals(point, ["accuracy"], statistic, len(linked), resampling)
    return _finish(out, len(linked), UNITS["linking"], None if linked else "no gold mention has a kb_id")


def scored_coreference(key: Mapping[SpanKey, str], response: Mapping[SpanKey, Hashable], resampling: Resampling) -> dict[str, Any]:
    """MUC, B-cubed, CEAF-e and CoNLL F1 (scorch) with intervals over the gold mentions in a chain."""
    from .coreference import METRICS, CoreferenceStatistic, codes, coreference_scores

    point = coreference_scores(key, response)
    mentions = sorted(key)
    statistic = None
    if mentions:
        responses = [("cluster", response[m]) if m in response else ("singleton", m) for m in mentions]
        statistic = CoreferenceStatistic(codes([key[m] for m in mentions]), codes(responses))
    n = statistic.n if statistic is not None else 0
    out = with_intervals(point, METRICS, statistic, n, resampling)
    out["num_mentions"] = len(mentions)
    out["num_entities"] = len(set(key.values()))
    chains = Counter(key.values())
    reason = None
    if not chains or max(chains.values()) < 2:
        reason = "no gold entity has two mentions: MUC is 0 for every response"
    return _finish(out, n, UNITS["entity_coreference"], reason)


def scored_alignment(
    labels: np.ndarray,
    scores: np.ndarray,
    query_ids: np.ndarray,
    query_values: np.ndarray,
    excluded: int,
    resampling: Resampling,
) -> dict[str, Any]:
    """Sentence alignment: pair ranking over segment pairs and retrieval over query segments, with intervals.

    labels are sentence_pairs label ids (0 unrelated, 1 partial, 2 equivalent) and scores the
    predicted scores of the same pairs, -inf where a pair was not predicted. query_ids and
    query_values come from `alignment.retrieval_per_query`.
    """
    from .alignment import RETRIEVAL_METRICS

    n = len(labels)
    given = np.isfinite(scores)
    fill = float(scores[given].min()) - 1.0 if given.any() else 0.0  # missing pairs: below every given score
    filled = np.where(given, scores, fill)
    point: dict[str, Any] = {}
    statistics = []
    names = []
    for name, positive in (("equivalent", labels == 2), ("linked", labels >= 1)):
        if n:
            scored = pair_scores(positive.tolist(), filled.tolist())
            threshold = scored["best_threshold"]
            if not given.all() and threshold == fill:
                threshold = None  # the best F1 needs the unpredicted pairs counted as positive
            statistics.append(RankingStatistic(positive, filled))
        else:
            scored, threshold = {"average_precision": 0.0, "best_f1": 0.0}, None
        point[f"average_precision_{name}"] = scored["average_precision"]
        point[f"best_f1_{name}"] = scored["best_f1"]
        point[f"best_threshold_{name}"] = threshold
        names += [f"average_precision_{name}", f"best_f1_{name}"]
    point["num_equivalent"] = int(np.sum(labels == 2))
    point["num_linked"] = int(np.sum(labels >= 1))
    point["num_predicted"] = int(given.sum())
    pair_stat = (lambda w: np.concatenate([s(w) for s in statistics])) if statistics else None
    out = with_intervals(point, names, pair_stat, n, resampling, labels)
    reason = None if point["num_linked"] else (
        "no gold alignment links (the dataset has no alignment layer)" if not n else "no gold alignment links"
    )
    _finish(out, n, UNITS["sentence_alignment"], reason)
    retrieval = dict(zip(RETRIEVAL_METRICS, query_values.mean(axis=0).tolist() if len(query_ids) else [0.0] * 3))
    stat = mean_statistic(query_values) if len(query_ids) else None
    out.update(with_intervals(retrieval, RETRIEVAL_METRICS, stat, len(query_ids), resampling))
    out["n_queries"] = len(query_ids)
    out["query_unit"] = "query segment"
    out["num_queries_excluded"] = excluded
    return out


# --------------------------------------------------------------------------- evaluate on a built dataset


class _Gold:
    """The gold tables of a built dataset, read with pyarrow column by column (never row by row)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())

    def table(self, config: str, columns: Sequence[str] | None = None, label_names: bool = True) -> dict[str, list]:
        """Columns of a gold table as Python lists (ClassLabel columns as names unless label_names is False)."""
        from ..dataset.storage import read_file
        from ..schema.tables import TABLES, data_file

        if config not in self.manifest.tables:
            log = ProblemLog()
            log.add(
                str(self.root / MANIFEST_FILE),
                f"the dataset has no {config!r} table, which this task is scored against; rebuild it",
                field="tables",
            )
            raise DatasetError(log.problems)
        import pyarrow as pa

        path = self.root / data_file(config)
        try:
            data = read_file(path, columns or None)
        except (OSError, pa.ArrowException) as err:
            log = ProblemLog()
            log.add(str(path), f"cannot read the table of config {config!r}: {err}; run `ceasefire-news validate {self.root}`")
            raise DatasetError(log.problems) from err
        out = {name: data[name].to_pylist() for name in data.column_names}
        if not label_names:
            # Parquet stores ClassLabel columns as label names (format 2); give their indices.
            for name, label in TABLES[config].class_labels.items():
                if name in out:
                    index = {n: i for i, n in enumerate(label.names)}
                    out[name] = [index[v] for v in out[name]]
        return out


#: A task scorer: given a doc_id (or None for the whole corpus), the task's scores.
Scorer = Callable[[str | None], dict[str, Any]]


def evaluate(
    task: str,
    predictions: PredictionSource,
    data_dir: Path | str | None = None,
    *,
    by: str | None = None,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> dict[str, Any]:
    """Score predictions (a JSONL path or a list of dicts) for a task against the built dataset's gold.

    Every metric comes with `<metric>_ci_low`/`<metric>_ci_high` (95% percentile bootstrap over the
    task's `unit`, `n` units), and the output says whether the gold is `degenerate` for the task.
    `by="doc"` adds `by_doc`: the same scores per document.
    """
    from ..dataset.load import dataset_dir

    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    if by not in (None, "doc"):
        raise ValueError(f"unknown breakdown {by!r}; expected 'doc' or None")
    resampling = Resampling(n_resamples, seed)
    root = dataset_dir(data_dir)  # only the default location is built on demand; an explicit one is only read
    gold = _Gold(root)
    documents = gold.table("documents", ["doc_id", "text"])
    texts = dict(zip(documents["doc_id"], documents["text"]))
    segments = None
    if task == "sentence_alignment":
        counts = Counter(gold.table("sentences", ["doc_id"])["doc_id"])
        segments = {d: counts[d] for d in texts}
    items = read_predictions(task, predictions, texts, segments)
    scorer = _scorer(task, gold, items, resampling)
    out = scorer(None)
    out["ci_level"] = CONFIDENCE
    out["n_resamples"] = resampling.n_resamples
    out["seed"] = resampling.seed
    if by == "doc":
        out["by_doc"] = {doc_id: scorer(doc_id) for doc_id in sorted(texts)}
    return out


def _scorer(task: str, gold: _Gold, items: list, resampling: Resampling) -> Scorer:
    """The scoring function of a task, closed over its gold and predictions."""
    records = [i.record for i in items]

    def keep(doc_id: str | None, *docs: str) -> bool:
        return doc_id is None or doc_id in docs

    if task in CLUSTERING_TASKS or task in PAIR_TASKS:
        level = task.removesuffix("_pairs")
        groups = gold.table("duplicate_groups", ["doc_id", level])
        truth = dict(zip(groups["doc_id"], groups[level]))
        pairs = sorted(gold_pair_labels(truth).items())
        if task in CLUSTERING_TASKS:
            predicted = {r.doc_id: r.group for r in records}

            def clustering(doc_id: str | None) -> dict[str, Any]:
                if doc_id is None:
                    return scored_clustering(truth, predicted, resampling, level)
                mine = [(a, b) for (a, b), _ in pairs if doc_id in (a, b)]
                return scored_pair_sets(
                    [truth[a] == truth[b] for a, b in mine], [_same(predicted[a], predicted[b]) for a, b in mine], resampling
                )

            return clustering
        scored = {(r.doc_a, r.doc_b): r.score for r in records}

        def pair_task(doc_id: str | None) -> dict[str, Any]:
            mine = [(k, v) for k, v in pairs if keep(doc_id, *k)]
            return scored_pairs([v for _, v in mine], [scored[k] for k, _ in mine], resampling)

        return pair_task

    if task in ("segmentation", "ner"):
        sentences = gold.table("sentences", ["doc_id", "start", "end"])
        segs = list(zip(sentences["doc_id"], sentences["start"], sentences["end"]))
        if task == "segmentation":
            predicted_spans = [(r.doc_id, r.start, r.end) for r in records]
            return lambda doc_id: scored_segmentation(
                [s for s in segs if keep(doc_id, s[0])], [s for s in predicted_spans if keep(doc_id, s[0])], resampling
            )
        entities = gold.table("entities", ["doc_id", "start", "end", "label"])
        mentions = list(zip(entities["doc_id"], entities["start"], entities["end"], entities["label"]))
        predicted_mentions = [(r.doc_id, r.start, r.end, r.label) for r in records]
        return lambda doc_id: scored_ner(
            [m for m in mentions if keep(doc_id, m[0])],
            [m for m in predicted_mentions if keep(doc_id, m[0])],
            [(d, s) for d, s, _ in segs if keep(doc_id, d)],
            resampling,
        )

    if task == "linking":
        entities = gold.table("entities", ["doc_id", "start", "end", "kb_id"])
        links = dict(zip(zip(entities["doc_id"], entities["start"], entities["end"]), entities["kb_id"]))
        predicted_links = {(r.doc_id, r.start, r.end): r.kb_id for r in records}
        return lambda doc_id: scored_linking(
            {k: v for k, v in links.items() if keep(doc_id, k[0])},
            {k: v for k, v in predicted_links.items() if keep(doc_id, k[0])},
            resampling,
        )

    if task == "entity_coreference":
        entities = gold.table("entities", ["doc_id", "start", "end", "label", "entity_id"])
        spans = list(zip(entities["doc_id"], entities["start"], entities["end"]))
        chains = dict(zip(spans, entities["entity_id"]))
        _check_coreference(items, chains, dict(zip(spans, entities["label"])))
        clusters = {(r.doc_id, r.start, r.end): r.cluster for r in records}
        key = {span: eid for span, eid in chains.items() if eid is not None}
        return lambda doc_id: scored_coreference(
            {k: v for k, v in key.items() if keep(doc_id, k[0])},
            {k: v for k, v in clusters.items() if keep(doc_id, k[0])},
            resampling,
        )

    return _alignment_scorer(gold, records, resampling)


def _check_coreference(items: list, chains: Mapping[SpanKey, str | None], labels: Mapping[SpanKey, str]) -> None:
    """Coreference predictions must be gold mentions that are in a chain (have an entity_id)."""
    log = ProblemLog()
    for item in items:
        r = item.record
        span = (r.doc_id, r.start, r.end)
        if span not in chains:
            log.at(item, f"[{r.start}, {r.end}) is not a gold mention: entity_coreference clusters the gold mentions of the entities table", "start")
        elif chains[span] is None:
            log.at(item, f"the gold {labels[span]} mention [{r.start}, {r.end}) has no entity_id and is in no chain; leave it out", "start")
    log.raise_if_any()


def _alignment_scorer(gold: _Gold, records: list, resampling: Resampling) -> Scorer:
    """Sentence alignment: gold pairs from sentence_pairs, retrieval computed once and subset per document."""
    from .alignment import GRADES, retrieval_per_query

    pairs = gold.table("sentence_pairs", ["doc_a", "index_a", "doc_b", "index_b", "label"], label_names=False)
    sentences = gold.table("sentences", ["doc_id", "index"])
    segment_id = {key: i for i, key in enumerate(zip(sentences["doc_id"], sentences["index"]))}
    segment_doc = np.array(sentences["doc_id"], dtype=object)
    qa = np.array([segment_id[k] for k in zip(pairs["doc_a"], pairs["index_a"])], dtype=np.int64)
    qb = np.array([segment_id[k] for k in zip(pairs["doc_b"], pairs["index_b"])], dtype=np.int64)
    labels = np.array(pairs["label"], dtype=np.int64)
    row = {k: i for i, k in enumerate(zip(pairs["doc_a"], pairs["index_a"], pairs["doc_b"], pairs["index_b"]))}
    scores = np.full(len(labels), -np.inf)
    for r in records:
        k = row.get((r.doc_a, r.index_a, r.doc_b, r.index_b))
        if k is not None:  # with no alignment layer sentence_pairs is empty: nothing to score
            scores[k] = r.score
    query_ids, query_values, excluded_ids = retrieval_per_query(
        np.concatenate([qa, qb]), np.concatenate([qb, qa]), np.concatenate([GRADES[labels]] * 2), np.concatenate([scores, scores])
    )
    doc_a, doc_b = np.array(pairs["doc_a"], dtype=object), np.array(pairs["doc_b"], dtype=object)

    def alignment(doc_id: str | None) -> dict[str, Any]:
        if doc_id is None:
            return scored_alignment(labels, scores, query_ids, query_values, len(excluded_ids), resampling)
        mask = (doc_a == doc_id) | (doc_b == doc_id)
        mine = segment_doc[query_ids] == doc_id if len(query_ids) else np.zeros(0, dtype=bool)
        excluded = int(np.sum(segment_doc[excluded_ids] == doc_id)) if len(excluded_ids) else 0
        return scored_alignment(labels[mask], scores[mask], query_ids[mine], query_values[mine], excluded, resampling)

    return alignment


# --------------------------------------------------------------------------- output


def _format_value(name: str, value: Any) -> str:
    """A count as an integer, a threshold with 6 significant digits, a score with 4 decimals, None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return str(value)
    return f"{value:.6g}" if "threshold" in name else f"{value:.4f}"


def format_table(metrics: Mapping[str, Any]) -> str:
    """The metrics as an aligned text table for `--format table`: value, 95% interval and support per metric.

    A `by_doc` breakdown follows as one table per document.
    """
    rows = []
    for name, value in metrics.items():
        if name == "by_doc" or name.endswith(("_ci_low", "_ci_high")) or name.startswith("support_"):
            continue
        interval = ""
        if f"{name}_ci_low" in metrics:
            low, high = metrics[f"{name}_ci_low"], metrics[f"{name}_ci_high"]
            interval = "-" if low is None else f"[{low:.4f}, {high:.4f}]"
        support = metrics.get(f"support_{name[3:]}", "") if name.startswith("f1_") else ""
        rows.append((name, _format_value(name, value), interval, str(support)))
    header = ("metric", "value", "95% CI", "support")
    shown = [c for c in range(4) if c < 2 or any(r[c] for r in rows)]  # CI and support columns only when used
    widths = {c: max(len(header[c]), *(len(r[c]) for r in rows)) for c in shown}
    align = {0: "<", 1: ">", 2: "<", 3: ">"}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(f"{cells[c]:{align[c]}{widths[c]}}" for c in shown).rstrip()

    lines = [line(header), "  ".join("-" * widths[c] for c in shown)]
    lines += [line(r) for r in rows]
    for doc_id, sub in metrics.get("by_doc", {}).items():
        lines += ["", f"by_doc {doc_id}", format_table(sub)]
    return "\n".join(lines)
