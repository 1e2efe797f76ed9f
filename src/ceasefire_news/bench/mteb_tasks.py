"""MTEB task classes over the built dataset (optional extra `mteb`): `mteb.evaluate(model, tasks=mteb_tasks())`.

The tasks read their data from the locally built dataset (never the Hugging Face Hub), so they run
offline. Each task's `dataset.revision` is the dataset version (`ceasefire_news.DATASET_VERSION`).
mteb's result cache is keyed by task name and model: after the data change, run with
`overwrite_strategy="always"` (or `cache=None`) so stale cached scores are not returned.

| task | type | data | main score |
| --- | --- | --- | --- |
| CeasefireNewsDocumentPairs | PairClassification | every document pair; subsets `near_duplicate`, `event` (1 = same gold group) | max_ap |
| CeasefireNewsDocumentClustering | Clustering | the documents; subsets `near_duplicate`, `event` (gold group ids) | v_measure |
| CeasefireNewsSentencePairs | PairClassification | `sentence_pairs`; subsets `equivalent` (1 = equivalent) and `linked` (1 = equivalent or partial) | max_ap |
| CeasefireNewsSentenceAlignment | Retrieval | each linked segment as a query over the other documents' segments; relevance 2 = equivalent, 1 = partial | ndcg_at_10 |

The topic level is left out: it has a single gold cluster, so every pair is positive and any
clustering of it scores 1.0 (the evaluator keeps it only as a smoke test). With five documents the
document-level tasks have 10 pairs; their scores vary a lot with tiny changes and are smoke tests
more than measurements. The sentence tasks need the `alignments` and `sentence_pairs` tables; a
build without them gets only the document tasks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import datasets

#: Loads one config of the dataset by name (default: `ceasefire_news.load(name, data_dir)`).
TableSource = Callable[[str], datasets.Dataset]

#: Levels with more than one gold group (the topic level has one and is left out).
DOCUMENT_LEVELS: tuple[str, ...] = ("near_duplicate", "event")
SPLIT = "test"
ENGLISH = ["eng-Latn"]
#: Graded relevance of a gold link for retrieval (nDCG uses the grades; MRR and recall count both).
RELEVANCE = {"equivalent": 2, "partial": 1}


def _metadata(name: str, description: str, task_type: str, main_score: str, subsets: Sequence[str] | None) -> Any:
    """TaskMetadata shared by every ceasefire-news task; the revision is the dataset version."""
    from mteb.abstasks.task_metadata import TaskMetadata

    from ..versions import DATASET_VERSION

    return TaskMetadata(
        name=name,
        description=description,
        dataset={"path": "ceasefire-news (local build, ceasefire_news.load)", "revision": DATASET_VERSION},
        type=task_type,
        category="t2t",
        modalities=["text"],
        eval_splits=[SPLIT],
        eval_langs={s: ENGLISH for s in subsets} if subsets else ENGLISH,
        main_score=main_score,
        date=("2025-02-01", "2025-05-31"),
        domains=["News", "Written"],
        task_subtypes=[],
        license="not specified",  # annotations CC-BY-4.0; article texts copyright of their publishers (LICENSE.md)
        annotations_creators="expert-annotated",
        dialect=[],
        sample_creation="found",
        bibtex_citation="",
        reference=None,
    )


def _names(dataset: datasets.Dataset, column: str) -> list[str]:
    """A ClassLabel column's values as label names (plain string columns are returned as they are)."""
    feature = dataset.features[column]
    values = dataset[column]
    return [feature.int2str(v) for v in values] if isinstance(feature, datasets.ClassLabel) else list(values)


def _documents(source: TableSource) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    texts = {r["doc_id"]: r["text"] for r in source("documents")}
    groups = {r["doc_id"]: r for r in source("duplicate_groups")}
    return texts, groups


@lru_cache(maxsize=1)
def _task_classes() -> dict[str, tuple[type, ...]]:
    """The task classes (built on first use, so that `mteb` is imported only when the extra is used)."""
    from mteb.abstasks import AbsTaskClustering, AbsTaskPairClassification, AbsTaskRetrieval

    class _Local:
        """Mixin: the task's data come from a TableSource (the local build), never from the Hub."""

        def __init__(self, source: TableSource, **kwargs: Any) -> None:
            self._source = source
            super().__init__(**kwargs)

        def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
            """Build the task's data from the local tables (never from the Hub)."""
            if self.data_loaded:
                return
            self.dataset = self.build_data()
            self.dataset_transform(num_proc=num_proc)
            self.data_loaded = True

    class CeasefireNewsDocumentPairs(_Local, AbsTaskPairClassification):
        """Every pair of documents: same gold group (1) or not (0), per level."""

        metadata = _metadata(
            "CeasefireNewsDocumentPairs",
            "Pairs of English news articles about the 2025 Trump-Putin ceasefire talks: are the two in the same "
            "gold group (near_duplicate: rewrites of one story; event: reports of one event)? 5 documents, 10 pairs.",
            "PairClassification", "max_ap", DOCUMENT_LEVELS,
        )

        def build_data(self) -> dict[str, datasets.DatasetDict]:
            texts, groups = _documents(self._source)
            pairs = list(itertools.combinations(sorted(texts), 2))
            return {
                level: datasets.DatasetDict(
                    {
                        SPLIT: datasets.Dataset.from_dict(
                            {
                                "sentence1": [texts[a] for a, _ in pairs],
                                "sentence2": [texts[b] for _, b in pairs],
                                "labels": [int(groups[a][level] == groups[b][level]) for a, b in pairs],
                            }
                        )
                    }
                )
                for level in DOCUMENT_LEVELS
            }

    class CeasefireNewsDocumentClustering(_Local, AbsTaskClustering):
        """Cluster the documents; gold clusters per level."""

        # embed every document (mteb's default embeds 4% of the corpus, i.e. none of 5 documents)
        max_fraction_of_documents_to_embed = None

        metadata = _metadata(
            "CeasefireNewsDocumentClustering",
            "Cluster 5 English news articles about the 2025 Trump-Putin ceasefire talks by their gold group "
            "(near_duplicate: rewrites of one story; event: reports of one event).",
            "Clustering", "v_measure", DOCUMENT_LEVELS,
        )

        def build_data(self) -> dict[str, datasets.DatasetDict]:
            texts, groups = _documents(self._source)
            ids = sorted(texts)
            # mteb samples this many documents (with replacement) per clustering run: the whole corpus
            self.max_documents_per_cluster = len(ids)
            return {
                level: datasets.DatasetDict(
                    {SPLIT: datasets.Dataset.from_dict({"sentences": [texts[d] for d in ids], "labels": [groups[d][level] for d in ids]})}
                )
                for level in DOCUMENT_LEVELS
            }

    class CeasefireNewsSentencePairs(_Local, AbsTaskPairClassification):
        """Every cross-document pair of gold segments: equivalent, or linked (equivalent or partial)."""

        metadata = _metadata(
            "CeasefireNewsSentencePairs",
            "Every cross-document pair of gold segments (sentences, titles, list items) of 5 English news "
            "articles about one story, labelled by hand: equivalent (a paraphrase), partial (a shared core "
            "fact) or unrelated. Subsets: equivalent vs the rest; linked (equivalent or partial) vs unrelated.",
            "PairClassification", "max_ap", ("equivalent", "linked"),
        )

        def build_data(self) -> dict[str, datasets.DatasetDict]:
            table = self._source("sentence_pairs")
            labels = _names(table, "label")
            positive = {"equivalent": {"equivalent"}, "linked": {"equivalent", "partial"}}
            return {
                subset: datasets.DatasetDict(
                    {
                        SPLIT: datasets.Dataset.from_dict(
                            {
                                "sentence1": table["sentence1"],
                                "sentence2": table["sentence2"],
                                "labels": [int(label in wanted) for label in labels],
                            }
                        )
                    }
                )
                for subset, wanted in positive.items()
            }

    class CeasefireNewsSentenceAlignment(_Local, AbsTaskRetrieval):
        """Each linked gold segment as a query; candidates: every segment of the other documents."""

        k_values = (1, 3, 5, 10)

        metadata = _metadata(
            "CeasefireNewsSentenceAlignment",
            "Cross-document sentence alignment as retrieval: each gold segment that has a gold link is a query, "
            "ranked against every segment of the other documents; relevance 2 = equivalent, 1 = partial.",
            "Retrieval", "ndcg_at_10", None,
        )

        def build_data(self) -> dict[str, dict[str, Any]]:
            sentences = self._source("sentences")
            alignments = self._source("alignments")
            seg_id = lambda doc_id, index: f"{doc_id}:{index}"  # noqa: E731
            keys = sorted(zip(sentences["doc_id"], sentences["index"]))
            text = {(d, i): t for d, i, t in zip(sentences["doc_id"], sentences["index"], sentences["text"])}
            relevant: dict[str, dict[str, int]] = {}
            for r, relation in zip(alignments, _names(alignments, "relation")):
                a, b = seg_id(r["doc_a"], r["index_a"]), seg_id(r["doc_b"], r["index_b"])
                relevant.setdefault(a, {})[b] = RELEVANCE[relation]
                relevant.setdefault(b, {})[a] = RELEVANCE[relation]
            queries = [k for k in keys if seg_id(*k) in relevant]
            corpus = datasets.Dataset.from_dict(
                {"id": [seg_id(*k) for k in keys], "title": ["" for _ in keys], "text": [text[k] for k in keys]}
            )
            top_ranked = {seg_id(*q): [seg_id(*k) for k in keys if k[0] != q[0]] for q in queries}
            split = {
                "corpus": corpus,
                "queries": datasets.Dataset.from_dict({"id": [seg_id(*q) for q in queries], "text": [text[q] for q in queries]}),
                "relevant_docs": relevant,
                "top_ranked": top_ranked,
            }
            return {"default": {SPLIT: split}}

    return {
        "documents": (CeasefireNewsDocumentPairs, CeasefireNewsDocumentClustering),
        "sentences": (CeasefireNewsSentencePairs, CeasefireNewsSentenceAlignment),
    }


def mteb_tasks(data_dir: Path | str | None = None, *, source: TableSource | None = None) -> list[Any]:
    """MTEB tasks over the built dataset (built first if missing); sentence tasks only if it has gold links.

    `source` replaces how tables are loaded (a function from config name to `datasets.Dataset`);
    then every task is returned.
    """
    try:
        classes = _task_classes()
    except ImportError as err:
        raise ImportError("the MTEB tasks need the optional extra: pip install 'ceasefire-news[mteb]'") from err
    if source is None:
        from ..dataset.load import default_data_dir, load
        from ..dataset.manifest import MANIFEST_FILE, Manifest

        root = Path(data_dir) if data_dir is not None else default_data_dir()
        load("documents", root)  # builds the dataset if it is missing
        manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
        # the sentence tasks need gold links: a build without the tables, or with an empty alignment layer, gets none
        linked = all(manifest.tables.get(t) is not None and manifest.tables[t].num_rows > 0 for t in ("alignments", "sentence_pairs"))
        source = lambda name: load(name, root)  # noqa: E731
        wanted = ["documents"] + (["sentences"] if linked else [])
    else:
        wanted = ["documents", "sentences"]
    return [cls(source=source) for group in wanted for cls in classes[group]]
