"""Sentence-alignment baselines: every cross-document segment pair scored, method semantics on small inputs,
and the link F1 at a method's fixed threshold with its interval (against the test fixture, not gold)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.metrics import precision_recall_fscore_support

from ceasefire_news import load
from ceasefire_news.bench import baselines as B
from ceasefire_news.bench.baselines import alignment as A
from ceasefire_news.bench.baselines import report as R
from ceasefire_news.bench.baselines.run import load_tables, run_all

from .alignment_fixture import DOCS, alignment_tables


@pytest.fixture(scope="module")
def sentences(built: Path) -> list[dict]:
    return list(load("sentences", built))


@pytest.fixture(scope="module")
def fixture_links(sentences: list[dict]) -> list[dict]:
    """The fixture's alignments rows (ClassLabel ids, as the built table stores them)."""
    return list(alignment_tables(sentences)["alignments"])


def _sentences(*docs: list[str]) -> list[dict]:
    """A sentences table from lists of segment texts, one list per document d0, d1, ..."""
    return [{"doc_id": f"d{n}", "index": i, "text": t} for n, texts in enumerate(docs) for i, t in enumerate(texts)]


def test_every_cross_document_pair_once(sentences: list[dict]) -> None:
    keys = B.cross_pairs((r["doc_id"], r["index"]) for r in sentences)
    per_doc = {}
    for r in sentences:
        per_doc[r["doc_id"]] = per_doc.get(r["doc_id"], 0) + 1
    sizes = list(per_doc.values())
    assert len(keys) == sum(a * b for n, a in enumerate(sizes) for b in sizes[n + 1 :]) == 8683
    assert len(set(keys)) == len(keys) and keys == sorted(keys)
    assert all(a < b for a, _, b, _ in keys)


def test_alignment_methods_on_a_small_input() -> None:
    table = _sentences(
        ["Putin met Trump in Moscow.", "The weather was fine."],
        ["Putin met Trump in Moscow.", "Prices rose sharply in May."],
    )
    key = ("d0", 0, "d1", 0)
    assert A.tfidf_alignment_scores(table)[key] == pytest.approx(1.0)
    bm25 = A.bm25_alignment_scores(table)
    assert bm25[key] == pytest.approx(1.0)  # identical segments: each scores its own self-score
    assert bm25[("d0", 1, "d1", 1)] == 0.0  # no shared word
    sets = A.gazetteer_entity_sets(table)
    assert sets[("d0", 0)] == {"Q7747", "Q22686", "Q649"} and sets[("d0", 1)] == set()
    jac = A.entity_jaccard_scores(table, sets)
    assert jac[key] == 1.0
    assert jac[("d0", 1, "d1", 1)] == 0.0  # neither segment has an entity: no evidence, not a match
    assert set(A.constant_alignment_scores(table).values()) == {A.CONSTANT_SCORE}
    assert A.random_alignment_scores(table) == A.random_alignment_scores(table)  # seeded


def test_gold_entity_sets_use_the_referent(built: Path) -> None:
    entities = list(load("entities", built))
    sets = A.gold_entity_sets(entities)
    first = next(e for e in entities if e["text"] == "Donald Trump")
    assert "Q22686" in sets[(first["doc_id"], first["sentence_index"])]
    date = next(e for e in entities if not e["entity_id"])
    assert any(k.startswith(("DATE:", "CARDINAL:", "TIME:", "ORDINAL:", "PERCENT:", "MONEY:", "QUANTITY:")) for k in sets[(date["doc_id"], date["sentence_index"])])


def test_alignment_records_are_rounded_and_ordered() -> None:
    records = B.alignment_records({("b", 0, "c", 1): 0.123456789, ("a", 2, "b", 0): 1 / 3})
    assert records == [
        {"doc_a": "a", "index_a": 2, "doc_b": "b", "index_b": 0, "score": 0.333333},
        {"doc_a": "b", "index_a": 0, "doc_b": "c", "index_b": 1, "score": 0.123457},
    ]


# --------------------------------------------------------------------------- links at the fixed threshold


def _records(scores: dict) -> list[dict]:
    return B.alignment_records(scores)


def test_link_f1_at_threshold_matches_scikit_learn(sentences: list[dict], fixture_links: list[dict]) -> None:
    two = [r for r in sentences if r["doc_id"] in DOCS]
    records = _records(A.tfidf_alignment_scores(two))
    out = B.link_f1_at_threshold(records, fixture_links, A.TFIDF_THRESHOLD)
    gold = {(r["doc_a"], r["index_a"], r["doc_b"], r["index_b"]) for r in fixture_links}
    y_true = [(r["doc_a"], r["index_a"], r["doc_b"], r["index_b"]) in gold for r in records]
    y_pred = [r["score"] >= A.TFIDF_THRESHOLD for r in records]
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0.0)
    assert (out["precision"], out["recall"], out["f1"]) == pytest.approx((p, r, f))
    assert out["n"] == len(records) == 26 * 25 and out["threshold"] == 0.5
    for name in ("precision", "recall", "f1"):
        assert out[f"{name}_ci_low"] <= out[name] <= out[f"{name}_ci_high"]
    assert out["f1_ci_high"] - out["f1_ci_low"] > 0.05  # 9 links: a wide interval
    again = B.link_f1_at_threshold(records, fixture_links, A.TFIDF_THRESHOLD)
    assert again == out  # seeded


def test_perfect_links_score_one_with_a_zero_width_interval(sentences: list[dict], fixture_links: list[dict]) -> None:
    two = [r for r in sentences if r["doc_id"] in DOCS]
    gold = {(r["doc_a"], r["index_a"], r["doc_b"], r["index_b"]) for r in fixture_links}
    records = _records({k: 1.0 if k in gold else 0.0 for k in A.cross_pairs((r["doc_id"], r["index"]) for r in two)})
    out = B.link_f1_at_threshold(records, fixture_links, 0.5)
    assert out["f1"] == out["f1_ci_low"] == out["f1_ci_high"] == 1.0


def test_link_f1_refuses_incomplete_predictions(fixture_links: list[dict]) -> None:
    with pytest.raises(ValueError, match="gold links have no prediction"):
        B.link_f1_at_threshold([], fixture_links, 0.5)


def test_run_reports_links_f1_when_the_build_has_gold_links(built: Path, sentences: list[dict], tmp_path: Path) -> None:
    tables = load_tables(built)
    tables["alignments"] = list(alignment_tables(sentences)["alignments"])
    chosen = tuple(B.BASELINES_BY_NAME[n] for n in ("constant_score", "tfidf_cosine", "entity_jaccard_gold", "exact_hash"))
    run = run_all(tables, tmp_path, built, chosen)
    assert set(run.results["tfidf_cosine"]) >= {R.LINKS_TASK}
    assert R.LINKS_TASK not in run.results["exact_hash"]  # it does not align segments
    assert run.results["constant_score"][R.LINKS_TASK]["recall"] == 1.0  # links every pair
    assert run.stats["gold_links"] == len(tables["alignments"]) and run.stats["segment_pairs"] == 8683
    table = B.results_table(run)
    assert "links F1 at own threshold" in table and "entity_jaccard_gold (oracle input)" in table
    links = run.results["tfidf_cosine"][R.LINKS_TASK]
    assert B.format_cell(links, "f1") in table
