"""Scoring a grouping of a synth corpus (e.g. a silver build's duplicate groups) against its labels.

The scores are the evaluator's clustering scores (`bench.evaluate.clustering_scores`: pairwise
and B-cubed precision/recall/F1, ARI, V-measure), with the synth labels as the gold.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from pathlib import Path

from ..bench.evaluate import clustering_scores
from ..errors import DatasetError, Problem, ProblemLog
from ..schema.models import GROUP_LEVELS
from .generate import LABELS_FILE

PredictionInput = Path | str | Mapping[str, Hashable]


def label_groups(labels: Path | str, level: str = "near_duplicate") -> dict[str, str]:
    """doc_id -> gold group at level, streamed from a synth output (directory or its labels.jsonl)."""
    if level not in GROUP_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(GROUP_LEVELS)}")
    path = Path(labels)
    if path.is_dir():
        path = path / LABELS_FILE
    log = ProblemLog()
    if not path.is_file():
        log.add(str(path), "labels file does not exist (expected the labels.jsonl of a synth output)")
        log.raise_if_any()
    out: dict[str, str] = {}
    names: dict[str, str] = {}  # one string object per group id
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            try:
                record = json.loads(line)
                doc_id, group = record["doc_id"], record[level]
            except (ValueError, KeyError, TypeError) as err:
                log.add(str(path), f"not a synth label line ({err})", line=line_no)
                continue
            out[doc_id] = names.setdefault(group, group)
    log.raise_if_any()
    return out


def predicted_groups(predictions: PredictionInput, level: str, gold: Mapping[str, str]) -> dict[str, Hashable]:
    """doc_id -> predicted group from a built dataset directory, a JSONL prediction file or a mapping."""
    if isinstance(predictions, Mapping):
        pred = dict(predictions)
        where = "<predictions>"
    else:
        path = Path(predictions)
        where = str(path)
        if path.is_dir():
            import pyarrow.parquet as pq

            folder = path / "data" / "duplicate_groups"
            if not folder.is_dir():
                raise DatasetError([_problem(folder, "no duplicate_groups table here (expected a built dataset directory)")])
            table = pq.read_table(folder, columns=["doc_id", level])
            pred = dict(zip(table.column("doc_id").to_pylist(), table.column(level).to_pylist()))
        else:
            from ..bench.predictions import read_predictions

            items = read_predictions(level, path, documents=gold)  # strict records, one per labelled article
            pred = {i.record.doc_id: i.record.group for i in items}
    missing, extra = sorted(set(gold) - set(pred)), sorted(set(pred) - set(gold))
    if missing or extra:
        problems = [_problem(where, f"no predicted group for labelled article {d!r}", d) for d in missing[:5]]
        problems += [_problem(where, f"article {d!r} is not in the labels", d) for d in extra[:5]]
        if len(missing) + len(extra) > 10:
            problems.append(_problem(where, f"{len(missing)} article(s) missing and {len(extra)} unknown in all"))
        raise DatasetError(problems)
    return pred


def _problem(file: object, message: str, doc_id: str | None = None) -> Problem:
    return Problem(str(file), message, doc_id=doc_id, field="doc_id" if doc_id else None)


def score_synth(labels: Path | str, predictions: PredictionInput, level: str = "near_duplicate") -> dict[str, float]:
    """Clustering scores (ARI, pairwise and B-cubed F1, V-measure) of a grouping against synth labels."""
    gold = label_groups(labels, level)
    pred = predicted_groups(predictions, level, gold)
    scores = clustering_scores(gold, pred)
    return {**scores, "num_docs": len(gold), "gold_groups": len(set(gold.values())), "predicted_groups": len(set(pred.values()))}
