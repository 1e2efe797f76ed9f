"""MTEB tasks: `mteb.evaluate(model, tasks=...)` runs offline with the local MiniLM and scores what the task data say.

Until the gold `alignments` and `sentence_pairs` tables are built, the sentence tasks read a small
test fixture (tests/bench/alignment_fixture.py, NOT gold) through the same table names.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire_news import load
from ceasefire_news.bench import baselines as B
from ceasefire_news.bench.evaluate import evaluate

from .alignment_fixture import DOCS, alignment_tables

pytest.importorskip("mteb")
pytest.importorskip("sentence_transformers")

#: Segments per fixture document: enough for several links, few enough to keep the test fast.
SEGMENTS = 8


@pytest.fixture(scope="module")
def source(built: Path):
    """Tables by name: the real build, plus the fixture's alignments and sentence_pairs over a few segments."""
    sentences = load("sentences", built).filter(lambda r: r["doc_id"] in DOCS and r["index"] < SEGMENTS)
    fixture = alignment_tables(list(sentences))
    assert len(fixture["alignments"]) >= 4 and len(fixture["sentence_pairs"]) == SEGMENTS * SEGMENTS

    def load_table(name: str):
        if name in fixture:
            return fixture[name]
        return sentences if name == "sentences" else load(name, built)

    return load_table


@pytest.fixture(scope="module")
def results(source) -> dict[str, dict[str, dict]]:
    """task name -> subset -> scores, from one mteb.evaluate run over every task (no result cache)."""
    import mteb

    from ceasefire_news.bench.mteb_tasks import mteb_tasks

    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    tasks = mteb_tasks(source=source)
    run = mteb.evaluate(B.load_embedding_model(), tasks=tasks, cache=None, show_progress_bar=False, encode_kwargs={"batch_size": 32})
    assert not run.exceptions
    return {tr.task_name: {s["hf_subset"]: s for s in tr.scores["test"]} for tr in run.task_results}


def test_every_task_runs_with_its_subsets(results) -> None:
    assert {name: sorted(subsets) for name, subsets in results.items()} == {
        "CeasefireNewsDocumentPairs": ["event", "near_duplicate"],
        "CeasefireNewsDocumentClustering": ["event", "near_duplicate"],
        "CeasefireNewsSentencePairs": ["equivalent", "linked"],
        "CeasefireNewsSentenceAlignment": ["default"],
    }
    for subsets in results.values():
        for scores in subsets.values():
            assert 0.0 <= scores["main_score"] <= 1.0


def test_document_pairs_agree_with_the_embedding_baseline(results, built: Path) -> None:
    """mteb's cosine AP on the document pairs equals the evaluator's AP of the embedding_cosine baseline."""
    from ceasefire_news.bench.baselines.documents import embedding_cosine

    preds = embedding_cosine(list(load("documents", built)))
    for level in ("near_duplicate", "event"):
        ours = evaluate(f"{level}_pairs", preds[f"{level}_pairs"], built)["average_precision"]
        assert results["CeasefireNewsDocumentPairs"][level]["cosine_ap"] == pytest.approx(ours, abs=1e-6), level


def test_sentence_pairs_subsets_have_the_fixture_labels(source) -> None:
    from ceasefire_news.bench.mteb_tasks import mteb_tasks

    task = next(t for t in mteb_tasks(source=source) if t.metadata.name == "CeasefireNewsSentencePairs")
    task.load_data()
    table = source("sentence_pairs")
    names = [table.features["label"].int2str(v) for v in table["label"]]
    assert sum(task.dataset["equivalent"]["test"]["labels"]) == names.count("equivalent") > 0
    assert sum(task.dataset["linked"]["test"]["labels"]) == names.count("equivalent") + names.count("partial")


def test_alignment_retrieval_queries_only_other_documents(source) -> None:
    from ceasefire_news.bench.mteb_tasks import mteb_tasks

    task = next(t for t in mteb_tasks(source=source) if t.metadata.name == "CeasefireNewsSentenceAlignment")
    task.load_data()
    split = task.dataset["default"]["test"]
    links = source("alignments")
    assert len(split["queries"]) == len({(r["doc_a"], r["index_a"]) for r in links} | {(r["doc_b"], r["index_b"]) for r in links})
    for query, candidates in split["top_ranked"].items():
        doc = query.split(":")[0]
        assert candidates and all(not c.startswith(doc + ":") for c in candidates)
        assert set(split["relevant_docs"][query]) <= set(candidates)
    grades = {g for rel in split["relevant_docs"].values() for g in rel.values()}
    assert grades == {1, 2}  # partial and equivalent


def test_a_build_without_gold_links_gets_the_document_tasks_only(built: Path) -> None:
    import ceasefire_news

    names = [t.metadata.name for t in ceasefire_news.mteb_tasks(built)]
    assert names[:2] == ["CeasefireNewsDocumentPairs", "CeasefireNewsDocumentClustering"]
    from ceasefire_news.dataset.manifest import MANIFEST_FILE, Manifest

    manifest = Manifest.model_validate_json((built / MANIFEST_FILE).read_bytes())
    linked = manifest.tables.get("alignments") is not None and manifest.tables["alignments"].num_rows > 0
    assert len(names) == (4 if linked else 2)


def test_import_ceasefire_news_does_not_import_mteb() -> None:
    code = "import sys, ceasefire_news; assert 'mteb' not in sys.modules and callable(ceasefire_news.mteb_tasks)"
    subprocess.run([sys.executable, "-c", code], check=True)
