"""Measuring silver quality with the package's own evaluator: predictions from a silver build, re-wrapped texts, CIs.

The evaluator (bench/evaluate.py) has no confidence intervals on this branch, so `bootstrap_ci`
adds a document-level percentile bootstrap (scipy.stats.bootstrap) for the span tasks, calling the
evaluator's own metric functions on each resample.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..dataset.manifest import MANIFEST_FILE, Manifest
from ..dataset.shards import read_shards
from ..dataset.storage import read_file
from ..schema.models import ENTITY_LABELS


def label_name(names: tuple[str, ...], value: int | str) -> str:
    """A ClassLabel value as its name, whether the file stores the index or the name."""
    return names[value] if isinstance(value, int) else value


def rewrap(text: str, width: int) -> str:
    """The text hard-wrapped at `width` columns by turning single spaces into line breaks.

    Every line is wrapped greedily (a line ends at the last space that keeps it within `width`;
    a longer word stays whole). Only ' ' characters change, to '\\n', so every offset, and so every
    gold span, stays valid.
    """
    out = list(text)
    pos = 0
    for line in text.split("\n"):
        start = pos  # offset where the current output line starts
        last_space = -1
        for i, ch in enumerate(line):
            p = pos + i
            if ch == " ":
                if p - start > width and last_space > start:
                    out[last_space] = "\n"
                    start = last_space + 1
                last_space = p
        if pos + len(line) - start > width and last_space > start:
            out[last_space] = "\n"
        pos += len(line) + 1
    return "".join(out)


def read_table(root: Path, config: str, columns: Sequence[str] | None = None) -> pa.Table:
    """A built table (all its shards) as one Arrow table."""
    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
    paths = read_shards(root, manifest.tables[config].file)
    return pa.concat_tables(read_file(p, columns=list(columns) if columns else None) for p in paths)


def silver_predictions(root: Path | str) -> dict[str, list[dict[str, Any]]]:
    """Prediction records for every evaluator task from a silver build's tables.

    Pair tasks need a score for every pair: candidate pairs get their Jaccard (near_duplicate_pairs)
    or TF-IDF cosine (event_pairs, topic_pairs); pairs that were never candidates get 0.
    """
    root = Path(root)
    sentences = read_table(root, "sentences", ["doc_id", "start", "end"]).to_pylist()
    entities = read_table(root, "entities", ["doc_id", "start", "end", "label", "kb_id"]).to_pylist()
    groups = read_table(root, "duplicate_groups").to_pylist()
    pairs = read_table(root, "pairs").to_pylist()
    doc_ids = sorted(g["doc_id"] for g in groups)
    out: dict[str, list[dict[str, Any]]] = {
        "segmentation": sentences,
        "ner": [{"doc_id": e["doc_id"], "start": e["start"], "end": e["end"], "label": label_name(ENTITY_LABELS, e["label"])} for e in entities],
        "linking": [{"doc_id": e["doc_id"], "start": e["start"], "end": e["end"], "kb_id": e["kb_id"]} for e in entities],
    }
    for level in ("near_duplicate", "event", "topic"):
        out[level] = [{"doc_id": g["doc_id"], "group": g[level]} for g in groups]
    scored = {(p["doc_a"], p["doc_b"]): p for p in pairs}
    for level, column in (("near_duplicate", "jaccard"), ("event", "tfidf_cosine"), ("topic", "tfidf_cosine")):
        out[f"{level}_pairs"] = [
            {"doc_a": a, "doc_b": b, "score": float(scored[(a, b)][column]) if (a, b) in scored else 0.0}
            for i, a in enumerate(doc_ids)
            for b in doc_ids[i + 1 :]
        ]
    return out


def bootstrap_ci(
    gold: Mapping[str, Sequence[tuple]],
    pred: Mapping[str, Sequence[tuple]],
    metric: Callable[[list[tuple], list[tuple]], float],
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """95% percentile bootstrap interval of a span metric, resampling documents with replacement.

    `gold` and `pred` map doc_id -> that document's items (tuples starting with doc_id). A document
    drawn twice enters twice (its items get a copy number), as the bootstrap requires.
    """
    import numpy as np
    from scipy.stats import bootstrap

    doc_ids = sorted(gold)

    def statistic(sample: np.ndarray) -> float:
        g: list[tuple] = []
        p: list[tuple] = []
        for copy, k in enumerate(sample.astype(int)):
            d = doc_ids[k]
            g += [(f"{d}#{copy}", *item[1:]) for item in gold[d]]
            p += [(f"{d}#{copy}", *item[1:]) for item in pred.get(d, ())]
        return metric(g, p)

    result = bootstrap(
        (np.arange(len(doc_ids)),), statistic, n_resamples=resamples, method="percentile", vectorized=False, random_state=seed
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
