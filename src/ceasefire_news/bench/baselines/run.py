"""Running every baseline on a built dataset: load the tables, predict, write, score, collect a report Run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import alignment as A
from . import coreference as C
from .registry import (
    ALIGNMENT_TASK,
    BASELINES,
    Baseline,
    run_baseline,
    scorable_tasks,
    score_predictions,
    write_predictions,
)
from .report import LINKS_TASK, Run
from .spacy_ner import DEFAULT_SPACY_MODEL, SPACY_EXTRA, load_spacy_model
from .text import segment_texts

#: Tables every run reads, and the ones read when the built dataset has them.
REQUIRED_TABLES = ("documents", "sentences", "entities", "duplicate_groups")
OPTIONAL_TABLES = ("alignments",)


def load_tables(data_dir: Path | str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The tables the baselines read, as lists of rows (optional ones only if the build has them)."""
    from ...dataset.load import default_data_dir, load
    from ...dataset.manifest import MANIFEST_FILE, Manifest

    root = Path(data_dir) if data_dir is not None else default_data_dir()
    tables = {name: list(load(name, root)) for name in REQUIRED_TABLES}  # builds the dataset if missing
    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
    for name in OPTIONAL_TABLES:
        if name in manifest.tables:
            tables[name] = list(load(name, root))
    return tables


def dataset_stats(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, int]:
    """Counts the report states: documents, segments, cross-document segment pairs, gold links, mentions."""
    segments = segment_texts(tables["sentences"])
    stats = {
        "documents": len(tables["documents"]),
        "segments": len(segments),
        "coreference_mentions": len(C.coreference_mentions(tables["entities"])),
    }
    if tables.get("alignments"):
        stats["segment_pairs"] = len(A.cross_pairs(segments))
        stats["gold_links"] = len(tables["alignments"])
    return stats


def run_all(
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    out_dir: Path | str,
    data_dir: Path | str | None,
    baselines: Iterable[Baseline] = BASELINES,
    skip: Iterable[str] = (),
    log: Callable[[str], None] = lambda message: None,
) -> Run:
    """Run every available baseline (minus `skip`), write <out_dir>/<method>/<task>.jsonl, score and collect a Run."""
    baselines = tuple(baselines)
    skip = set(skip)
    known = scorable_tasks()
    run = Run(
        results={},
        predictions={},
        duplicate_groups=list(tables["duplicate_groups"]),
        entities=list(tables["entities"]),
        stats=dataset_stats(tables),
        baselines=baselines,
    )
    alignments = tables.get("alignments") or []
    todo = []
    for b in baselines:
        if b.name in skip:
            run.skipped[b.name] = "skipped on request"
        elif not b.available():
            run.skipped[b.name] = f"optional extra `{b.extra}` not installed"
            log(f"skip {b.name}: needs the optional extra '{b.extra}' (pip install 'ceasefire-news[{b.extra}]')")
        else:
            todo.append(b)
    for b in todo:
        if b.extra == SPACY_EXTRA:
            # verify first (DatasetError on a mismatch, before anything is written); the check goes in the report
            run.model_checks[b.name] = load_spacy_model(b.model or DEFAULT_SPACY_MODEL)[1]
    for b in todo:
        log(f"run {b.name}")
        preds = run_baseline(b, tables)
        run.predictions[b.name] = preds
        paths = write_predictions(preds, Path(out_dir) / b.name)
        run.results[b.name] = score_predictions(paths, data_dir)
        if ALIGNMENT_TASK in preds and alignments and b.alignment_threshold is not None:
            run.results[b.name][LINKS_TASK] = A.link_f1_at_threshold(preds[ALIGNMENT_TASK], alignments, b.alignment_threshold)
    run.unscored = tuple(sorted({t for p in run.predictions.values() for t in p} - set(known)))
    return run
