"""Bootstrap intervals: the vectorised kernels equal the library point estimates; intervals are seeded and sound."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score, average_precision_score, v_measure_score

from ceasefire_news.bench.evaluate import clustering_scores, exact_match_prf, pair_scores
from ceasefire_news.bench.intervals import (
    ClusteringStatistic,
    RankingStatistic,
    count_statistic,
    mean_statistic,
    percentile_intervals,
    prf,
    unit_weights,
)

labels_lists = st.integers(1, 12).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 3), min_size=n, max_size=n), st.lists(st.integers(0, 3), min_size=n, max_size=n))
)


def test_unit_weights_count_draws() -> None:
    assert unit_weights(np.array([[0, 0, 2], [1, 2, 2]]), 3).tolist() == [[2, 0, 1], [0, 1, 2]]
    assert unit_weights(np.array([2, 2, 0]), 3).tolist() == [[1, 0, 2]]


def test_prf_conventions() -> None:
    p, r, f = prf(np.array([0.0, 2, 0]), np.array([0.0, 4, 3]), np.array([0.0, 2, 0]))
    assert p.tolist() == [1.0, 1.0, 0.0] and r.tolist() == [1.0, 0.5, 0.0] and f.tolist() == [1.0, 2 / 3, 0.0]
    for gold, pred in (({1, 2}, {2, 3, 4}), (set(), {1}), ({1}, set()), (set(), set())):
        tp = len(gold & pred)
        assert [float(x) for x in prf(np.array(tp), np.array(len(gold)), np.array(len(pred)))] == pytest.approx(exact_match_prf(gold, pred))


@settings(max_examples=200, deadline=None)
@given(labels_lists)
def test_ranking_kernel_equals_scikit_learn(case: tuple[list[int], list[int]]) -> None:
    labels, scores = [x % 2 == 1 for x in case[0]], [float(x) for x in case[1]]
    expected = pair_scores(labels, scores)
    ap, f1 = RankingStatistic(labels, scores)(np.ones((1, len(labels))))[:, 0]
    assert (ap, f1) == pytest.approx((expected["average_precision"], expected["best_f1"]), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(labels_lists, st.data())
def test_ranking_kernel_weights_are_sample_weights(case: tuple[list[int], list[int]], data: st.DataObject) -> None:
    labels, scores = np.array(case[0]) % 2 == 1, np.array(case[1], dtype=float)
    weights = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(labels), max_size=len(labels))), dtype=float)
    ap, _ = RankingStatistic(labels, scores)(weights[None, :])[:, 0]
    if (weights * labels).sum() == 0:
        assert ap == 0.0
    else:
        assert ap == pytest.approx(average_precision_score(labels, scores, sample_weight=weights), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(labels_lists)
def test_clustering_kernel_equals_clustering_scores(case: tuple[list[int], list[int]]) -> None:
    gold, pred = np.array(case[0]), np.array(case[1])
    docs = [f"d{i}" for i in range(len(gold))]
    expected = clustering_scores(dict(zip(docs, gold.tolist())), dict(zip(docs, pred.tolist())))
    got = ClusteringStatistic(gold, pred)(np.ones((1, len(gold))))[:, 0]
    assert dict(zip(ClusteringStatistic.names, got)) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(labels_lists, st.data())
def test_clustering_kernel_on_copies(case: tuple[list[int], list[int]], data: st.DataObject) -> None:
    """Copies are documents, but a document is never its own cluster-mate (pairs, B-cubed)."""
    gold, pred = np.array(case[0]), np.array(case[1])
    w = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(gold), max_size=len(gold))))
    if w.sum() < 2:
        return
    got = dict(zip(ClusteringStatistic.names, ClusteringStatistic(gold, pred)(w[None, :].astype(float))[:, 0]))
    # Expand the copies, keeping which original each copy came from.
    origin = np.repeat(np.arange(len(gold)), w)
    g, p = gold[origin], pred[origin]
    pairs = [(i, j) for i, j in combinations(range(len(origin)), 2) if origin[i] != origin[j]]
    same_g = {(i, j) for i, j in pairs if g[i] == g[j]}
    same_p = {(i, j) for i, j in pairs if p[i] == p[j]}
    assert [got["pairwise_precision"], got["pairwise_recall"], got["pairwise_f1"]] == pytest.approx(exact_match_prf(same_g, same_p))
    mates = [[j for j in range(len(origin)) if origin[j] != origin[i] or j == i] for i in range(len(origin))]
    bp = np.mean([sum(g[j] == g[i] and p[j] == p[i] for j in m) / sum(p[j] == p[i] for j in m) for i, m in enumerate(mates)])
    br = np.mean([sum(g[j] == g[i] and p[j] == p[i] for j in m) / sum(g[j] == g[i] for j in m) for i, m in enumerate(mates)])
    assert (got["bcubed_precision"], got["bcubed_recall"]) == pytest.approx((bp, br))
    # ARI from the pairs of distinct originals; V-measure item-level on the expanded labels.
    tp, fp, fn = len(same_g & same_p), len(same_p - same_g), len(same_g - same_p)
    tn = len(pairs) - tp - fp - fn
    ari = 1.0 if fn == fp == 0 else 2 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
    assert got["ari"] == pytest.approx(ari)
    assert got["v_measure"] == pytest.approx(v_measure_score(g, p), abs=1e-9)
    if not any(origin[i] == origin[j] for i, j in combinations(range(len(origin)), 2)):
        assert got["ari"] == pytest.approx(adjusted_rand_score(g, p))


def test_count_and_mean_statistics() -> None:
    counts = np.array([[1.0, 1, 1], [0, 1, 0], [0, 0, 1]])  # per unit: tp, gold, pred
    stat = count_statistic(counts, lambda s: np.stack(prf(s[0], s[1], s[2])))
    assert stat(np.array([[1.0, 1, 1], [2, 0, 0]])).tolist() == [[0.5, 1.0], [0.5, 1.0], [0.5, 1.0]]
    assert mean_statistic(np.array([0.0, 1.0, 1.0]))(np.array([[1.0, 1, 1], [3, 0, 0]])).tolist() == [[2 / 3, 0.0]]


def test_intervals_are_seeded_and_contain_the_point() -> None:
    rng = np.random.default_rng(5)
    values = (rng.random(200) < 0.3).astype(float)
    stat = mean_statistic(values)
    first, again = percentile_intervals(stat, 200), percentile_intervals(stat, 200)
    assert first is not None and again is not None
    assert first[0].tolist() == again[0].tolist() and first[1].tolist() == again[1].tolist()
    low, high = first[0][0], first[1][0]
    mean, se = values.mean(), values.std() / np.sqrt(200)
    assert low < mean < high
    # Close to the normal-approximation interval for a mean of 200 draws.
    assert low == pytest.approx(mean - 1.96 * se, abs=0.02) and high == pytest.approx(mean + 1.96 * se, abs=0.02)
    other = percentile_intervals(stat, 200, seed=1)
    assert other is not None and (other[0][0], other[1][0]) != (low, high)  # the seed matters


def test_constant_statistic_has_a_zero_width_interval() -> None:
    bounds = percentile_intervals(lambda w: np.ones((2, w.shape[0])), 50)
    assert bounds is not None and bounds[0].tolist() == [1.0, 1.0] and bounds[1].tolist() == [1.0, 1.0]


def test_fewer_than_two_units_have_no_interval() -> None:
    assert percentile_intervals(lambda w: np.ones((1, w.shape[0])), 1) is None
    assert percentile_intervals(lambda w: np.ones((1, w.shape[0])), 0) is None


def test_stratified_resamples_keep_stratum_sizes() -> None:
    strata = np.array([0, 0, 0, 1, 1, 2])  # stratum 2 has one unit: the same in every resample
    seen = []

    def stat(w: np.ndarray) -> np.ndarray:
        seen.append(w)
        return np.stack([w[:, :3].sum(axis=1), w[:, 3:5].sum(axis=1), w[:, 5]])

    bounds = percentile_intervals(stat, 6, n_resamples=200, strata=strata)
    assert bounds is not None and bounds[0].tolist() == [3.0, 2.0, 1.0] and bounds[1].tolist() == [3.0, 2.0, 1.0]
    assert any(not np.array_equal(w[:, :3], np.ones((len(w), 3))) for w in seen)  # units do vary within a stratum
