"""Bootstrap confidence intervals for every metric: seeded percentile intervals over a task's resampling unit.

How it works: the units of a task (segments, gold mentions, pairs, query segments, documents) are
resampled with replacement by `scipy.stats.bootstrap` (percentile method, 95%, `N_RESAMPLES`
resamples, a fixed seed: deterministic). A resample is turned into per-unit weights (how often each
unit was drawn) and every metric is recomputed from per-unit sufficient statistics (counts, a fixed
ranking, a contingency table) for a whole batch of resamples at once with numpy.

These vectorised kernels are hand-written because the library functions that give the point
estimates (scikit-learn, scorch) score one sample at a time and would take seconds to minutes for
1000 resamples. Each kernel is tested to give exactly the library's value on the original sample.

The percentile method (not BCa) is used on purpose: it needs no jackknife (which costs n extra
evaluations, quadratic for 8,700 segment pairs) and does not degenerate when the statistic is
constant: a perfect prediction scores 1.0 in every resample, so its interval is [1.0, 1.0].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: Number of bootstrap resamples: enough for stable 2.5%/97.5% percentiles (about +-0.01 on a
#: metric's bound for these sample sizes) while scoring a task in well under a second.
N_RESAMPLES = 1000
#: Seed of the resampling generator (numpy default_rng): the same inputs give the same intervals.
SEED = 0
#: Two-sided confidence level of every interval.
CONFIDENCE = 0.95
#: Resamples evaluated together (memory: BATCH x units floats per array).
BATCH = 100

#: A statistic maps unit weights of shape (batch, n) to metric values of shape (k, batch).
Statistic = Callable[[np.ndarray], np.ndarray]


def unit_weights(indices: np.ndarray, n: int) -> np.ndarray:
    """How often each of n units was drawn in each resample: (batch, n) indices -> (batch, n) counts."""
    indices = np.atleast_2d(indices)
    batch = indices.shape[0]
    flat = (indices + n * np.arange(batch)[:, None]).ravel()
    return np.bincount(flat, minlength=batch * n).reshape(batch, n)


def percentile_intervals(
    statistic: Statistic,
    n: int,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    strata: Sequence[int] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Low and high bounds (arrays of k) of the 95% percentile bootstrap interval; None for fewer than 2 units.

    With `strata` (one id per unit) the bootstrap is stratified: each stratum is resampled on its
    own and keeps its size (scipy resamples the samples of an unpaired statistic independently).
    Ranking metrics use the gold label as stratum, so that every resample has as many positives
    as the gold: average precision is undefined without positives.
    """
    if n < 2:
        return None
    from scipy.stats import bootstrap

    groups = [np.arange(n)] if strata is None else [np.flatnonzero(np.asarray(strata) == s) for s in np.unique(strata)]
    fixed = np.zeros(n)
    for members in groups:
        if len(members) == 1:  # a stratum of one unit is the same in every resample
            fixed[members] = 1.0
    samples = [members for members in groups if len(members) > 1]
    if not samples:
        return None

    def resampled(*drawn: np.ndarray, axis: int = -1) -> np.ndarray:
        single = np.ndim(drawn[0]) == 1
        units = np.concatenate([members[np.atleast_2d(d).astype(np.int64)] for members, d in zip(samples, drawn)], axis=1)
        values = statistic(unit_weights(units, n) + fixed)
        return values[:, 0] if single else values

    result = bootstrap(
        tuple(np.arange(len(members)) for members in samples),
        resampled,
        n_resamples=n_resamples,
        batch=BATCH,
        vectorized=True,
        paired=False,
        method="percentile",
        confidence_level=CONFIDENCE,
        rng=np.random.default_rng(seed),
    )
    low = np.atleast_1d(result.confidence_interval.low)
    high = np.atleast_1d(result.confidence_interval.high)
    return low, high


# --------------------------------------------------------------------------- kernels


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0."""
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def prf(tp: np.ndarray, gold: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 from summed counts, with the evaluator's conventions.

    A zero denominator gives 0, except when gold and prediction are both empty: then all three are 1.
    F1 is 2TP / (2TP + FP + FN), as in scikit-learn.
    """
    p, r = _ratio(tp, pred), _ratio(tp, gold)
    f = _ratio(2 * tp, gold + pred)
    both_empty = (gold == 0) & (pred == 0)
    return np.where(both_empty, 1.0, p), np.where(both_empty, 1.0, r), np.where(both_empty, 1.0, f)


def count_statistic(counts: np.ndarray, metrics: Callable[[np.ndarray], np.ndarray]) -> Statistic:
    """A statistic from per-unit counts (n, c): weights (b, n) @ counts -> summed counts (c, b) -> metrics(sums)."""
    return lambda w: metrics((w @ counts).T)


def mean_statistic(values: np.ndarray) -> Statistic:
    """The weighted mean of per-unit values (n,) or (n, k): one row per value column."""
    values = values.reshape(len(values), -1)
    return lambda w: ((w @ values) / w.sum(axis=1, keepdims=True)).T


class RankingStatistic:
    """Average precision and best F1 of a scored binary ranking, for weighted resamples of its items.

    The items are sorted once by decreasing score; items with equal scores form one threshold step
    (as in scikit-learn's precision_recall_curve), so a resample only needs the weighted number of
    positives TP_g and negatives FP_g of each score group g: with cumulative sums over groups,
    AP = sum_g TP_g * precision_g / P and best F1 = max_g 2 TP_<=g / (TP_<=g + FP_<=g + P).
    No positive: both are 0.
    """

    def __init__(self, labels: Sequence[bool] | np.ndarray, scores: Sequence[float] | np.ndarray) -> None:
        labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=float)
        self.order = np.argsort(-scores, kind="stable")
        self.positive = labels[self.order]
        ranked = scores[self.order]
        self.starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]) if len(ranked) else np.zeros(0, int)

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """(2, batch): average precision and best F1 of each weighted resample."""
        w = w[:, self.order]
        pos = np.where(self.positive, w, 0.0)
        tp_g = np.add.reduceat(pos, self.starts, axis=1)
        fp_g = np.add.reduceat(w, self.starts, axis=1) - tp_g
        tp, fp = np.cumsum(tp_g, axis=1), np.cumsum(fp_g, axis=1)
        total = tp[:, -1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            precision = np.where(tp > 0, tp / (tp + fp), 0.0)
            f1 = np.where(tp > 0, 2 * tp / (tp + fp + total), 0.0)
            ap = np.where(total[:, 0] > 0, (tp_g * precision).sum(axis=1) / total[:, 0], 0.0)
        return np.stack([ap, f1.max(axis=1)])


class ClusteringStatistic:
    """Pairwise P/R/F1, B-cubed P/R/F1, ARI and V-measure of a clustering, for weighted resamples of documents.

    From the weighted contingency table (gold cluster x predicted cluster). A document drawn twice
    is two documents, but never its own cluster-mate: pair counts (pairwise scores, ARI) only join
    copies of *different* documents, and in B-cubed each copy sees itself once and the copies of
    the other documents of its clusters (otherwise a copy would be a same-cluster partner that is
    right by construction, and an all-singletons prediction would gain pairs). V-measure, an
    entropy of the two partitions, has no such correction: it counts copies as one cluster, which
    favours over-split predictions in resamples. On unit weights every value equals
    `clustering_scores` (scikit-learn for ARI and V-measure, which this mirrors: full agreement
    gives ARI 1.0; a single class on either side gives homogeneity/completeness 1.0).
    """

    names = (
        "pairwise_precision",
        "pairwise_recall",
        "pairwise_f1",
        "bcubed_precision",
        "bcubed_recall",
        "bcubed_f1",
        "ari",
        "v_measure",
    )

    def __init__(self, gold: np.ndarray, pred: np.ndarray) -> None:
        cells, cell_of = np.unique(np.stack([gold, pred], axis=1), axis=0, return_inverse=True)
        cell_of = cell_of.ravel()
        self.cell = np.zeros((len(gold), len(cells)))
        self.cell[np.arange(len(gold)), cell_of] = 1.0
        _, gold_of = np.unique(cells[:, 0], return_inverse=True)
        _, pred_of = np.unique(cells[:, 1], return_inverse=True)
        self.to_gold = np.eye(gold_of.max() + 1)[gold_of.ravel()]  # cells x gold clusters
        self.to_pred = np.eye(pred_of.max() + 1)[pred_of.ravel()]
        self.doc_cell = cell_of
        self.doc_gold, self.doc_pred = gold_of.ravel()[cell_of], pred_of.ravel()[cell_of]

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """(8, batch): the values of `names` for each weighted resample."""
        cw, cq = w @ self.cell, (w**2) @ self.cell
        rows, cols = cw @ self.to_gold, cw @ self.to_pred
        rows_q, cols_q = cq @ self.to_gold, cq @ self.to_pred
        n, nq = w.sum(axis=1), (w**2).sum(axis=1)
        tp = ((cw**2 - cq) / 2).sum(axis=1)
        gold_pairs = ((rows**2 - rows_q) / 2).sum(axis=1)
        pred_pairs = ((cols**2 - cols_q) / 2).sum(axis=1)
        pp, pr, pf = prf(tp, gold_pairs, pred_pairs)
        # B-cubed: each drawn copy of d contributes |G(d) & P(d)| / |P(d)| (precision), / |G(d)| (recall),
        # counting d itself once (not its other copies).
        rows_c, cols_c = rows @ self.to_gold.T, cols @ self.to_pred.T  # cluster sizes seen from each cell
        own = w - 1
        both = cw[:, self.doc_cell] - own
        bp = _ratio((w * _ratio(both, cols[:, self.doc_pred] - own)).sum(axis=1), n)
        br = _ratio((w * _ratio(both, rows[:, self.doc_gold] - own)).sum(axis=1), n)
        bf = _ratio(2 * bp * br, bp + br)
        # ARI from pair counts (scikit-learn's formula on unordered pairs; both scale alike).
        fp, fn = pred_pairs - tp, gold_pairs - tp
        tn = (n**2 - nq) / 2 - tp - fp - fn
        den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)
        ari = np.where((fn == 0) & (fp == 0), 1.0, _ratio(2 * (tp * tn - fn * fp), den))
        # V-measure: mutual information over the entropies of the weighted contingency table.
        h_gold = _entropy(rows, n)
        h_pred = _entropy(cols, n)
        nz = cw > 0
        logs = np.log(np.where(nz, cw * n[:, None], 1.0)) - np.log(np.where(nz, rows_c * cols_c, 1.0))
        mi = np.where(nz, cw / n[:, None] * logs, 0.0).sum(axis=1)
        mi = np.clip(np.where(np.abs(mi) < np.finfo(float).eps, 0.0, mi), 0.0, None)
        homogeneity = np.where(h_gold > 0, _ratio(mi, h_gold), 1.0)
        completeness = np.where(h_pred > 0, _ratio(mi, h_pred), 1.0)
        # Exactly 1 (not 1 - 1e-16) when every predicted cluster is pure / every gold cluster is whole.
        homogeneity = np.where((nz @ self.to_pred <= 1).all(axis=1), 1.0, homogeneity)
        completeness = np.where((nz @ self.to_gold <= 1).all(axis=1), 1.0, completeness)
        v = _ratio(2 * homogeneity * completeness, homogeneity + completeness)
        return np.stack([pp, pr, pf, bp, br, bf, ari, v])


def _entropy(sizes: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Entropy (natural log) of cluster sizes (batch, k) summing to n (batch,)."""
    p = _ratio(sizes, n[:, None])
    return -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=1)
