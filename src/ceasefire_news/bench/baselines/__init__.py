"""Baselines: simple, deterministic methods for every benchmark task, and their report.

Modules by task family: `documents` (clustering and pair scores of whole articles), `alignment`
(cross-document sentence alignment), `coreference` (cross-document entity coreference), `spans`
(gazetteer NER and linking, sentence splitters), `spacy_ner` (a verified spaCy model), plus the
`registry` of methods and the `report`. Data (the gazetteer, the spaCy reference values, the
report's prose) live in `data/`. Each method turns the built tables into predictions in the formats
`ceasefire_news.evaluate` reads: a dict from task name to a list of JSON-ready records.
"""

from __future__ import annotations

from .alignment import ALIGNMENT_TASK, alignment_records, cross_pairs, link_f1_at_threshold
from .coreference import COREFERENCE_TASK, coreference_mentions
from .documents import (
    EMBEDDING_THRESHOLD,
    JACCARD_THRESHOLD,
    MINHASH_NGRAM,
    MINHASH_NUM_PERM,
    MINHASH_THRESHOLDS,
    TFIDF_THRESHOLD,
    connected_groups,
    minhash_lsh_candidates,
    thresholded,
)
from .embeddings import EMBEDDINGS_EXTRA, embeddings_available, load_embedding_model
from .registry import (
    BASELINES,
    BASELINES_BY_NAME,
    DOC_TASKS,
    GROUP_TASKS,
    PAIR_TASKS,
    SPACY_EXTRA,
    SPAN_TASKS,
    TASKS,
    Baseline,
    Predictions,
    Tables,
    run_baseline,
    scorable_tasks,
    score_predictions,
    with_spacy_model,
    write_predictions,
)
from .report import (
    LINKS_TASK,
    README_END,
    README_START,
    Run,
    embed_in_readme,
    findings,
    format_cell,
    gold_pairs,
    predicted_pairs,
    render_report,
    results_table,
    trivial_outcome,
)
from .spans import Gazetteer, align_pieces, default_gazetteer, line_segments, read_gazetteer, trim_span
from .text import doc_pairs, doc_texts, normalize_text, word_ngrams

__all__ = [
    "ALIGNMENT_TASK",
    "BASELINES",
    "BASELINES_BY_NAME",
    "COREFERENCE_TASK",
    "DOC_TASKS",
    "EMBEDDINGS_EXTRA",
    "EMBEDDING_THRESHOLD",
    "GROUP_TASKS",
    "JACCARD_THRESHOLD",
    "LINKS_TASK",
    "MINHASH_NGRAM",
    "MINHASH_NUM_PERM",
    "MINHASH_THRESHOLDS",
    "PAIR_TASKS",
    "README_END",
    "README_START",
    "SPACY_EXTRA",
    "SPAN_TASKS",
    "TASKS",
    "TFIDF_THRESHOLD",
    "Baseline",
    "Gazetteer",
    "Predictions",
    "Run",
    "Tables",
    "align_pieces",
    "alignment_records",
    "connected_groups",
    "coreference_mentions",
    "cross_pairs",
    "default_gazetteer",
    "doc_pairs",
    "doc_texts",
    "embed_in_readme",
    "embeddings_available",
    "findings",
    "format_cell",
    "gold_pairs",
    "line_segments",
    "link_f1_at_threshold",
    "load_embedding_model",
    "minhash_lsh_candidates",
    "normalize_text",
    "predicted_pairs",
    "read_gazetteer",
    "render_report",
    "results_table",
    "run_baseline",
    "scorable_tasks",
    "score_predictions",
    "thresholded",
    "trim_span",
    "trivial_outcome",
    "with_spacy_model",
    "word_ngrams",
    "write_predictions",
]
