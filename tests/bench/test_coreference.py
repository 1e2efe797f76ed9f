"""Entity coreference: scorch agrees with the reference scorer's published cases; the task end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scorch import scores

from ceasefire_news import evaluate, load
from ceasefire_news.bench.coreference import METRICS, CoreferenceStatistic, codes, coreference_scores
from ceasefire_news.errors import DatasetError

# The reference scorer's test cases (conll/reference-coreference-scorers, test/TestCases.README and
# test/CorefMetricTestConfig.pm; Pradhan et al. 2014): key TC-A = {a} {b c} {d e f}; capital B is a
# mention distinct from b; x, y, z are mentions absent from the key. Expected (recall, precision, F1).
KEY = [{"a"}, {"b", "c"}, {"d", "e", "f"}]
REFERENCE_CASES = {
    "A1": ([{"a"}, {"b", "c"}, {"d", "e", "f"}], {"muc": (1, 1, 1), "bcub": (1, 1, 1), "ceafe": (1, 1, 1)}),
    "A2": ([{"a"}, {"d", "e"}], {"muc": (1 / 3, 1, 0.5), "bcub": ((7 / 3) / 6, 1, 14 / 25), "ceafe": (0.6, 0.9, 0.72)}),
    "A3": (
        [{"a"}, {"b", "c", "x"}, {"d", "e", "f", "y"}, {"z"}],
        {"muc": (1, 3 / 5, 0.75), "bcub": (1, (4 + 7 / 12) / 9, 110 / 163), "ceafe": (0.88571, 0.66429, 0.75918)},
    ),
    "A4": (
        [{"a"}, {"b", "c", "x"}, {"d", "y"}, {"z"}],
        {"muc": (1 / 3, 1 / 3, 1 / 3), "bcub": ((3 + 1 / 3) / 6, (1 + 4 / 3 + 1 / 2) / 7, None), "ceafe": (0.73333, 0.55, 0.62857)},
    ),
    "A5": (
        [{"a"}, {"b", "c", "x", "B"}, {"d", "y"}, {"z"}],
        {"muc": (1 / 3, 1 / 4, 2 / 7), "bcub": ((3 + 1 / 3) / 6, 2.5 / 8, None), "ceafe": (0.68889, 0.51667, 0.59048)},
    ),
    "A6": (
        [{"a"}, {"b", "c", "x"}, {"d", "y"}, {"B", "z"}],
        {"muc": (1 / 3, 1 / 4, 2 / 7), "bcub": ((10 / 3) / 6, (1 + 4 / 3 + 1 / 2) / 8, None), "ceafe": (0.73333, 0.55, 0.62857)},
    ),
    "A10": ([{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}], {"muc": (0, 0, 0), "bcub": (3 / 6, 1, 2 / 3)}),
    "A11": ([{"a", "b", "c", "d", "e", "f"}], {"muc": (1, 3 / 5, 6 / 8), "bcub": (1, (1 / 6 + 2 * 2 / 6 + 3 * 3 / 6) / 6, 14 / 25)}),
}
METRIC = {"muc": scores.muc, "bcub": scores.b_cubed, "ceafe": scores.ceaf_e}


@pytest.mark.parametrize("case", list(REFERENCE_CASES))
def test_scorch_agrees_with_the_reference_scorer(case: str) -> None:
    response, expected = REFERENCE_CASES[case]
    for metric, values in expected.items():
        recall, precision, f1 = METRIC[metric](KEY, response)
        want_r, want_p, want_f = values
        if want_f is None:  # the config gives F1 as 2PR/(P+R)
            want_f = 2 * want_p * want_r / (want_p + want_r)
        assert (recall, precision, f1) == pytest.approx((want_r, want_p, want_f), abs=5e-6), metric


def test_gold_mention_wrapper_on_reference_cases() -> None:
    key = {m: k for k, cluster in enumerate(KEY) for m in cluster}
    perfect = coreference_scores(key, key)
    assert perfect == {name: 1.0 for name in METRICS}
    singletons = coreference_scores(key, {m: m for m in key})  # A10
    assert (singletons["muc_f1"], singletons["bcubed_recall"], singletons["bcubed_precision"]) == (0.0, 0.5, 1.0)
    assert coreference_scores(key, {}) == singletons  # mentions left out of the response are singletons
    merged = coreference_scores(key, {m: "all" for m in key})  # A11
    assert (merged["muc_recall"], merged["muc_precision"]) == (1.0, pytest.approx(3 / 5))
    assert merged["bcubed_precision"] == pytest.approx((1 / 6 + 2 * 2 / 6 + 3 * 3 / 6) / 6)
    assert merged["conll_f1"] == pytest.approx((merged["muc_f1"] + merged["bcubed_f1"] + merged["ceafe_f1"]) / 3)
    # Labels compare as JSON values: 1 and "1" are different clusters.
    assert coreference_scores({"a": 0, "b": 0}, {"a": 1, "b": "1"})["muc_recall"] == 0.0


partitions = st.integers(1, 14).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 4), min_size=n, max_size=n), st.lists(st.integers(0, 4), min_size=n, max_size=n))
)


@settings(max_examples=200, deadline=None)
@given(partitions)
def test_component_kernel_equals_scorch(case: tuple[list[int], list[int]]) -> None:
    key, response = case
    expected = coreference_scores(dict(enumerate(key)), dict(enumerate(response)))
    statistic = CoreferenceStatistic(codes(key), codes(response))
    got = statistic(np.ones((1, statistic.n)))[:, 0]
    assert dict(zip(METRICS, got)) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(partitions, st.data())
def test_a_resampled_component_is_an_independent_copy(case: tuple[list[int], list[int]], data: st.DataObject) -> None:
    key, response = np.array(case[0]), np.array(case[1])
    statistic = CoreferenceStatistic(key, response)
    weights = np.array(data.draw(st.lists(st.integers(0, 3), min_size=statistic.n, max_size=statistic.n)))
    if weights.sum() == 0:
        return
    # Explicitly: copy c of a component gets entity and cluster labels of its own.
    expanded_key, expanded_response = {}, {}
    for m, component in enumerate(statistic.component_of):
        for copy in range(weights[component]):
            expanded_key[(m, copy)] = (int(key[m]), copy)
            expanded_response[(m, copy)] = (int(response[m]), copy)
    # The components are what they claim: no entity or cluster spans two of them.
    for labels in (key, response):
        assert all(len({statistic.component_of[m] for m in np.flatnonzero(labels == x)}) == 1 for x in set(labels))
    expected = coreference_scores(expanded_key, expanded_response)
    got = statistic(weights[None, :].astype(float))[:, 0]
    assert dict(zip(METRICS, got)) == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- end to end


def gold_chains(built: Path) -> list[dict]:
    return [r for r in load("entities", built).to_list() if r["entity_id"] is not None]


def test_partial_prediction_scores_as_scorch(built: Path) -> None:
    chains = gold_chains(built)
    first_doc = chains[0]["doc_id"]
    # Cluster only the first document's mentions, by gold entity; every other mention is a singleton.
    pred = [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "cluster": r["entity_id"]} for r in chains if r["doc_id"] == first_doc]
    out = evaluate("entity_coreference", pred, built)
    key = {(r["doc_id"], r["start"], r["end"]): r["entity_id"] for r in chains}
    response = {(p["doc_id"], p["start"], p["end"]): p["cluster"] for p in pred}
    expected = coreference_scores(key, response)
    assert {k: out[k] for k in METRICS} == expected
    assert out["muc_precision"] == 1.0 and 0 < out["muc_recall"] < 1
    assert out["num_mentions"] == len(chains) and out["num_entities"] == len({r["entity_id"] for r in chains})
    assert out["unit"] == "coreference component" and out["n"] >= 2 and not out["degenerate"]
    for name in METRICS:
        assert out[f"{name}_ci_low"] <= out[name] <= out[f"{name}_ci_high"], name


def test_by_doc_scores_each_document_alone(built: Path) -> None:
    chains = gold_chains(built)
    pred = [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "cluster": r["entity_id"]} for r in chains]
    out = evaluate("entity_coreference", pred, built, by="doc")
    for doc_id, sub in out["by_doc"].items():
        assert sub["conll_f1"] == 1.0 and sub["num_mentions"] == sum(r["doc_id"] == doc_id for r in chains)


def test_predictions_must_be_gold_mentions_in_a_chain(built: Path, tmp_path: Path) -> None:
    rows = load("entities", built).to_list()
    names = load("entities", built).features["label"].names
    chained = next(r for r in rows if r["entity_id"] is not None)
    unchained = next(r for r in rows if r["entity_id"] is None)
    records = [
        {"doc_id": chained["doc_id"], "start": chained["start"], "end": chained["end"], "cluster": "e1"},
        {"doc_id": chained["doc_id"], "start": chained["start"], "end": chained["end"] - 1, "cluster": "e1"},
        {"doc_id": unchained["doc_id"], "start": unchained["start"], "end": unchained["end"], "cluster": 2},
        {"doc_id": chained["doc_id"], "start": chained["start"], "end": chained["end"], "cluster": ""},
    ]
    path = tmp_path / "coref.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        evaluate("entity_coreference", path, built)
    lines = [str(p) for p in err.value.problems]
    # A record error (empty cluster label) is reported first; the gold is not compared before it is fixed.
    assert lines and all("coref.jsonl:4" in line and "field 'cluster" in line for line in lines), lines
    records.pop()
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        evaluate("entity_coreference", path, built)
    lines = [str(p) for p in err.value.problems]
    assert len(lines) == 2, lines
    assert f"coref.jsonl:2 doc_id={chained['doc_id']} field 'start'" in lines[0] and "is not a gold mention" in lines[0]
    label = names[unchained["label"]]
    assert f"coref.jsonl:3 doc_id={unchained['doc_id']} field 'start'" in lines[1]
    assert f"the gold {label} mention" in lines[1] and "has no entity_id" in lines[1]
