"""Sentence alignment: retrieval metrics against trec_eval, the tie and missing-pair rules, the task end to end."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import pytrec_eval
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire_news import build, evaluate, load
from ceasefire_news.bench.alignment import retrieval_per_query
from ceasefire_news.errors import DatasetError
from ceasefire_news.gold.seeds import default_seeds_dir

D0, D1, D3 = "000_a604801cb8896bbe", "001_962f232c241942aa", "003_dbbfab3a559acc3c"


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_retrieval_metrics_equal_trec_eval(data: st.DataObject) -> None:
    """On strict rankings: mrr_at_10 = trec_eval recip_rank of the top 10, ndcg_cut_10, success_1."""
    n_queries = data.draw(st.integers(1, 6))
    query, candidate, grade = [], [], []
    for q in range(n_queries):
        grades = data.draw(st.lists(st.integers(0, 2), min_size=2, max_size=25))
        for c, g in enumerate(grades):
            query.append(q), candidate.append(100 * q + c), grade.append(g)
    scores = data.draw(st.permutations(list(range(len(query)))))  # distinct scores: no ties
    query, candidate, grade, score = map(np.array, (query, candidate, grade, scores))
    ids, values, excluded = retrieval_per_query(query, candidate, grade, score.astype(float))
    qrels = {str(q): {str(c): int(g) for c, g in zip(candidate[query == q], grade[query == q])} for q in set(query.tolist())}
    run, top10 = {}, {}
    for q in set(query.tolist()):
        ranked = sorted(zip(score[query == q], candidate[query == q]), reverse=True)
        run[str(q)] = {str(c): float(s) for s, c in ranked}
        top10[str(q)] = {str(c): float(s) for s, c in ranked[:10]}
    full = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "success.1"}).evaluate(run)
    cut = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(top10)
    relevant = {q for q in qrels if max(qrels[q].values()) > 0}
    assert sorted(map(str, ids.tolist())) == sorted(relevant)
    assert sorted(map(str, excluded.tolist())) == sorted(set(qrels) - relevant)
    for q, (mrr, ndcg, r1) in zip(ids.tolist(), values):
        assert mrr == pytest.approx(cut[str(q)]["recip_rank"], abs=1e-9)
        assert ndcg == pytest.approx(full[str(q)]["ndcg_cut_10"], abs=1e-9)
        assert r1 == full[str(q)]["success_1"]


def test_ties_are_broken_against_the_system() -> None:
    # One query, three candidates with one score: the unrelated one ranks first, the equivalent last.
    ids, values, _ = retrieval_per_query(np.zeros(3, int), np.array([0, 1, 2]), np.array([2, 1, 0]), np.zeros(3))
    mrr, ndcg, r1 = values[0]
    assert ids.tolist() == [0] and (mrr, r1) == (0.5, 0.0)
    assert ndcg == pytest.approx((1 / math.log2(3) + 2 / math.log2(4)) / (2 + 1 / math.log2(3)))
    # Beyond rank 10 the reciprocal rank is 0.
    grade = np.array([0] * 10 + [1])
    _, values, _ = retrieval_per_query(np.zeros(11, int), np.arange(11), grade, np.zeros(11))
    assert values[0][0] == 0.0


# --------------------------------------------------------------------------- end to end


def gold_pairs(aligned: Path) -> list[dict]:
    return load("sentence_pairs", aligned).to_list()


def test_linked_pairs_only(aligned: Path) -> None:
    """Only the linked pairs, all with score 1: every other pair is missing and ranks below them."""
    pairs = gold_pairs(aligned)
    linked = [p for p in pairs if p["label"] > 0]
    equivalent = sum(p["label"] == 2 for p in pairs)
    pred = [{k: p[k] for k in ("doc_a", "index_a", "doc_b", "index_b")} | {"score": 1.0} for p in linked]
    out = evaluate("sentence_alignment", pred, aligned)
    assert (out["average_precision_linked"], out["best_f1_linked"], out["best_threshold_linked"]) == (1.0, 1.0, 1.0)
    # Equivalent pairs are tied with the partial ones: one threshold step of precision E / L.
    assert out["average_precision_equivalent"] == pytest.approx(equivalent / len(linked))
    assert out["best_f1_equivalent"] == pytest.approx(2 * equivalent / (equivalent + len(linked)))
    assert (out["num_linked"], out["num_equivalent"], out["num_predicted"], out["n"]) == (len(linked), equivalent, len(linked), len(pairs))
    assert out["unit"] == "segment pair" and out["query_unit"] == "query segment"
    # Retrieval: relevant candidates score 1, all others are missing: the first one is always relevant.
    assert out["mrr_at_10"] == 1.0 and out["recall_at_1"] == 1.0
    queries = {(p["doc_a"], p["index_a"]) for p in linked} | {(p["doc_b"], p["index_b"]) for p in linked}
    assert out["n_queries"] == len(queries)
    assert out["n_queries"] + out["num_queries_excluded"] == len(load("sentences", aligned))
    for name in ("average_precision_equivalent", "best_f1_linked", "mrr_at_10", "ndcg_at_10", "recall_at_1"):
        assert out[f"{name}_ci_low"] <= out[name] <= out[f"{name}_ci_high"]


def test_ndcg_with_a_tie_of_partial_and_equivalent(aligned: Path) -> None:
    """With equal scores a partial candidate ranks before an equivalent one (ties against the system)."""
    pairs = gold_pairs(aligned)
    linked = [p for p in pairs if p["label"] > 0]
    pred = [{k: p[k] for k in ("doc_a", "index_a", "doc_b", "index_b")} | {"score": 1.0} for p in linked]
    perfect = [{k: p[k] for k in ("doc_a", "index_a", "doc_b", "index_b")} | {"score": float(p["label"])} for p in linked]
    tied, graded = evaluate("sentence_alignment", pred, aligned), evaluate("sentence_alignment", perfect, aligned)
    assert graded["ndcg_at_10"] == 1.0
    mixed = 0  # queries whose relevant candidates have both grades
    segments = {(p["doc_a"], p["index_a"]) for p in linked} | {(p["doc_b"], p["index_b"]) for p in linked}
    expected = []
    for seg in sorted(segments):
        grades = sorted(p["label"] for p in linked if seg in ((p["doc_a"], p["index_a"]), (p["doc_b"], p["index_b"])))
        mixed += len(set(grades)) > 1
        dcg = sum(g / math.log2(k + 2) for k, g in enumerate(grades[:10]))  # @10: the ten least relevant first
        ideal = sum(g / math.log2(k + 2) for k, g in enumerate(sorted(grades, reverse=True)[:10]))
        expected.append(dcg / ideal)
    assert tied["ndcg_at_10"] == pytest.approx(np.mean(expected))
    assert (tied["ndcg_at_10"] < 1.0) == (mixed > 0)


def test_best_threshold_is_null_when_it_needs_the_missing_pairs(aligned: Path) -> None:
    unrelated = next(p for p in gold_pairs(aligned) if p["label"] == 0)
    pred = [{k: unrelated[k] for k in ("doc_a", "index_a", "doc_b", "index_b")} | {"score": 5.0}]
    out = evaluate("sentence_alignment", pred, aligned)
    assert out["best_threshold_linked"] is None and out["best_f1_linked"] > 0.0
    assert out["num_predicted"] == 1


def test_by_doc(aligned: Path) -> None:
    pairs = gold_pairs(aligned)
    pred = [{k: p[k] for k in ("doc_a", "index_a", "doc_b", "index_b")} | {"score": float(p["label"])} for p in pairs]
    out = evaluate("sentence_alignment", pred, aligned, by="doc")
    assert sum(sub["n_queries"] for sub in out["by_doc"].values()) == out["n_queries"]
    for doc_id, sub in out["by_doc"].items():
        assert sub["n"] == sum(doc_id in (p["doc_a"], p["doc_b"]) for p in pairs)
        if not sub["degenerate"]:
            assert sub["average_precision_linked"] == 1.0 and sub["ndcg_at_10"] == 1.0


def test_prediction_errors_are_located(aligned: Path, tmp_path: Path) -> None:
    records = [
        {"doc_a": D1, "index_a": 5, "doc_b": D0, "index_b": 7, "score": 0.9},  # reversed: accepted
        {"doc_a": D0, "index_a": 7, "doc_b": D1, "index_b": 5, "score": 0.1},  # the same pair again
        {"doc_a": D0, "index_a": 1, "doc_b": D0, "index_b": 2, "score": 0.5},  # same document
        {"doc_a": D0, "index_a": 26, "doc_b": D1, "index_b": 0, "score": 0.5},  # 000 has 26 segments
        {"doc_a": "999_none", "index_a": 0, "doc_b": D1, "index_b": 0, "score": 0.5},
        {"doc_a": D0, "index_a": 0, "doc_b": D3, "index_b": 0, "score": float("nan")},
    ]
    path = tmp_path / "align.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        evaluate("sentence_alignment", path, aligned)
    lines = [str(p) for p in err.value.problems]
    expected = [
        ("align.jsonl:6", "field 'score'"),
        ("align.jsonl:2", f"doc_id={D0} field 'index_a'", "duplicate pair", "first given at line 1"),
        ("align.jsonl:3", f"doc_id={D0} field 'doc_b'", "only cross-document pairs"),
        ("align.jsonl:4", f"doc_id={D0} field 'index_a'", "out of range", "26 gold segments"),
        ("align.jsonl:5", "doc_id=999_none field 'doc_a'", "unknown doc_a"),
    ]
    for fragments in expected:
        assert any(all(f in line for f in fragments) for line in lines), (fragments, lines)
    assert len(lines) == len(expected)


def test_a_dataset_without_alignment_layer_is_degenerate(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    (seeds / "annotations" / "alignments.jsonl").unlink(missing_ok=True)
    data = build(seeds, tmp_path / "ds")
    pred = [{"doc_a": D0, "index_a": 0, "doc_b": D1, "index_b": 0, "score": 1.0}]
    out = evaluate("sentence_alignment", pred, data)
    assert out["degenerate"] and "no alignment layer" in out["degenerate_reason"]
    assert (out["n"], out["n_queries"], out["average_precision_linked"], out["mrr_at_10"]) == (0, 0, 0.0, 0.0)
    assert out["average_precision_linked_ci_low"] is None and out["mrr_at_10_ci_high"] is None
