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
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path

import datasets
import numpy as np
from sklearn.metrics import (
    adjusted_rand_score,
    average_precision_score,
    precision_recall_curve,
    precision_recall_fscore_support,
    v_measure_score,
)
from sklearn.metrics.cluster import contingency_matrix, pair_confusion_matrix

from ..errors import DatasetError, ProblemLog
from ..dataset.load import default_data_dir, load
from ..dataset.manifest import MANIFEST_FILE, Manifest
from .predictions import CLUSTERING_TASKS, PAIR_TASKS, PredictionSource, read_predictions

#: Every benchmark task, in the order of the README.
TASKS: tuple[str, ...] = (*CLUSTERING_TASKS, *PAIR_TASKS, "ner", "linking", "segmentation")

#: (doc_id, start, end) of a span; NER spans add the label.
SpanKey = tuple[str, int, int]


def exact_match_prf(gold: Collection[Hashable], pred: Collection[Hashable]) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted set of items against a gold set (exact matches)."""
    gold_set, pred_set = set(gold), set(pred)
    if not gold_set and not pred_set:
        return 1.0, 1.0, 1.0
    # scikit-learn scores the binary problem "is this item gold / predicted?" over the union of items.
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


def evaluate(task: str, predictions: PredictionSource, data_dir: Path | str | None = None) -> dict[str, float]:
    """Score predictions (a JSONL path or a list of dicts) for a task against the built dataset's gold."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    documents = load("documents", data_dir)  # only the default location is built on demand
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    texts = dict(zip(documents["doc_id"], documents["text"]))
    items = read_predictions(task, predictions, texts)
    records = [i.record for i in items]

    if task in CLUSTERING_TASKS or task in PAIR_TASKS:
        level = task.removesuffix("_pairs")
        groups = _load_gold(root, "duplicate_groups")
        gold = dict(zip(groups["doc_id"], groups[level]))
        if task in CLUSTERING_TASKS:
            return clustering_scores(gold, {r.doc_id: r.group for r in records})
        labels = gold_pair_labels(gold)
        scored = {(r.doc_a, r.doc_b): r.score for r in records}
        keys = sorted(labels)
        return pair_scores([labels[k] for k in keys], [scored[k] for k in keys])

    if task == "segmentation":
        sentences = _load_gold(root, "sentences")
        gold_spans = zip(sentences["doc_id"], sentences["start"], sentences["end"])
        return segmentation_scores(gold_spans, [(r.doc_id, r.start, r.end) for r in records])

    entities = _load_gold(root, "entities")
    spans = list(zip(entities["doc_id"], entities["start"], entities["end"]))
    if task == "ner":
        names = entities.features["label"].int2str(entities["label"])
        return ner_scores(
            [(*s, name) for s, name in zip(spans, names)],
            [(r.doc_id, r.start, r.end, r.label) for r in records],
        )
    return linking_scores(
        dict(zip(spans, entities["kb_id"])), {(r.doc_id, r.start, r.end): r.kb_id for r in records}
    )


def _load_gold(root: Path, config: str) -> datasets.Dataset:
    """Load a gold table, with a located error when the built dataset does not have it."""
    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
    if config not in manifest.tables:
        log = ProblemLog()
        log.add(
            str(root / MANIFEST_FILE),
            f"the dataset has no {config!r} table, which this task is scored against; rebuild it",
            field="tables",
        )
        raise DatasetError(log.problems)
    return load(config, root)


def _format_value(name: str, value: float) -> str:
    """A count as an integer, a threshold with 6 significant digits, a score with 4 decimals."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(value)
    return f"{value:.6g}" if name.endswith("threshold") else f"{value:.4f}"


def format_table(metrics: Mapping[str, float]) -> str:
    """The metrics as an aligned two-column text table for `--format table`."""
    rows = [(name, _format_value(name, value)) for name, value in metrics.items()]
    name_width = max([len("metric"), *(len(n) for n, _ in rows)])
    value_width = max([len("value"), *(len(v) for _, v in rows)])
    lines = [f"{'metric':<{name_width}}  {'value':>{value_width}}", f"{'-' * name_width}  {'-' * value_width}"]
    lines += [f"{name:<{name_width}}  {value:>{value_width}}" for name, value in rows]
    return "\n".join(lines)
