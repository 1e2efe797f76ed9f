"""Cross-document entity coreference scores: MUC, B-cubed, CEAF-e and the CoNLL F1, with bootstrap intervals.

Point estimates come from `scorch` (an implementation of the CoNLL-2012 metrics following the
reference scorer of Pradhan et al. 2014; tested here against that scorer's published test cases).
The key (gold) clustering is the `entity_id` of the gold mentions that have one; the response
clusters the same mentions (gold mentions missing from the predictions are singletons).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np

#: Metric keys of the task, in output order.
METRICS: tuple[str, ...] = (
    "muc_precision",
    "muc_recall",
    "muc_f1",
    "bcubed_precision",
    "bcubed_recall",
    "bcubed_f1",
    "ceafe_precision",
    "ceafe_recall",
    "ceafe_f1",
    "conll_f1",
)


def _clusters(labels: Mapping[Hashable, Hashable]) -> list[set]:
    """Mentions grouped by label, as the list of sets scorch takes (deterministic order)."""
    groups: dict = {}
    for mention, label in labels.items():
        groups.setdefault((type(label).__name__, label), set()).add(mention)
    return [groups[k] for k in sorted(groups, key=repr)]


def coreference_scores(key: Mapping[Hashable, Hashable], response: Mapping[Hashable, Hashable]) -> dict[str, float]:
    """MUC, B-cubed and CEAF-e precision/recall/F1 and their mean F1 (scorch) of a response over the key's mentions.

    key maps each mention to its gold entity; response maps mentions to predicted clusters (a key
    mention absent from the response is a singleton). Follows the reference scorer's conventions:
    MUC is 0 when every key or every response cluster is a singleton.
    """
    from scorch import scores

    response = {m: ("response", response[m]) if m in response else ("singleton", m) for m in key}
    k, r = _clusters(key), _clusters(response)
    muc, b3, ceafe = scores.muc(k, r), scores.b_cubed(k, r), scores.ceaf_e(k, r)
    out = {}
    for name, (recall, precision, f1) in (("muc", muc), ("bcubed", b3), ("ceafe", ceafe)):
        out[f"{name}_precision"], out[f"{name}_recall"], out[f"{name}_f1"] = float(precision), float(recall), float(f1)
    out["conll_f1"] = (out["muc_f1"] + out["bcubed_f1"] + out["ceafe_f1"]) / 3
    return {name: out[name] for name in METRICS}


class CoreferenceStatistic:
    """The ten coreference metrics for weighted resamples of coreference components.

    A component is a connected group of gold entities and predicted clusters (linked by shared
    mentions): the smallest part of the corpus that is scored independently of the rest. Every
    metric is a ratio of sums over components (MUC over entities and clusters, B-cubed over
    mentions, CEAF-e's optimal alignment splits over components), so a resample is scored from
    per-component sums, and a component drawn twice is an exact, independent replicate.

    Resampling single mentions instead would be biased: a mention drawn twice is two mentions of
    one entity in one predicted cluster, a coreference link that is right by construction (in a
    trial the whole MUC recall interval lay above the point estimate). On unit weights the values
    equal `coreference_scores` (tested).
    """

    def __init__(self, key: Sequence[int], response: Sequence[int]) -> None:
        from scipy.optimize import linear_sum_assignment
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        key, response = np.asarray(key), np.asarray(response)
        cells, cell_of, cell_size = np.unique(
            np.stack([key, response], axis=1), axis=0, return_inverse=True, return_counts=True
        )
        _, k_of = np.unique(cells[:, 0], return_inverse=True)
        _, r_of = np.unique(cells[:, 1], return_inverse=True)
        k_of, r_of = k_of.ravel(), r_of.ravel()
        n_k, n_r = k_of.max() + 1, r_of.max() + 1
        ksize = np.bincount(k_of, weights=cell_size, minlength=n_k)
        rsize = np.bincount(r_of, weights=cell_size, minlength=n_r)
        graph = coo_matrix((np.ones(len(cells)), (k_of, n_k + r_of)), shape=(n_k + n_r,) * 2)
        self.n, component = connected_components(graph, directed=False)
        k_comp, r_comp, cell_comp = component[:n_k], component[n_k:], component[n_k + r_of]
        #: The component (resampling unit) of each mention.
        self.component_of = cell_comp[cell_of.ravel()]
        stats = np.zeros((self.n, 10))
        # MUC: an entity (cluster) of size s split into p parts keeps s - p of its s - 1 links.
        stats[:, 0] = np.bincount(k_comp, weights=ksize - np.bincount(k_of, minlength=n_k), minlength=self.n)
        stats[:, 1] = np.bincount(k_comp, weights=ksize - 1, minlength=self.n)
        stats[:, 2] = np.bincount(r_comp, weights=rsize - np.bincount(r_of, minlength=n_r), minlength=self.n)
        stats[:, 3] = np.bincount(r_comp, weights=rsize - 1, minlength=self.n)
        # B-cubed: per cell |k & r|^2 / |k| (recall) and / |r| (precision), over the mentions.
        stats[:, 4] = np.bincount(cell_comp, weights=cell_size**2 / ksize[k_of], minlength=self.n)
        stats[:, 5] = np.bincount(cell_comp, weights=cell_size**2 / rsize[r_of], minlength=self.n)
        stats[:, 6] = np.bincount(cell_comp, weights=cell_size, minlength=self.n)
        # CEAF-e: the best one-to-one alignment by phi4 = 2|k & r| / (|k| + |r|), solved per component.
        phi = 2 * cell_size / (ksize[k_of] + rsize[r_of])
        for c in range(self.n):
            members = np.flatnonzero(cell_comp == c)
            ks, rs = np.unique(k_of[members]), np.unique(r_of[members])
            sim = np.zeros((len(ks), len(rs)))
            sim[np.searchsorted(ks, k_of[members]), np.searchsorted(rs, r_of[members])] = phi[members]
            i, j = linear_sum_assignment(sim, maximize=True)
            stats[c, 7] = sim[i, j].sum()
        stats[:, 8] = np.bincount(k_comp, minlength=self.n)
        stats[:, 9] = np.bincount(r_comp, minlength=self.n)
        self.stats = stats

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """(10, batch): the values of METRICS for each weighted resample of the components."""
        s = (w @ self.stats).T
        defined = (s[1] > 0) & (s[3] > 0)  # scorch: MUC is 0 when every entity or every cluster is a singleton
        muc_r = np.where(defined, _ratio(s[0], s[1]), 0.0)
        muc_p = np.where(defined, _ratio(s[2], s[3]), 0.0)
        b3_r, b3_p = _ratio(s[4], s[6]), _ratio(s[5], s[6])
        ceaf_r, ceaf_p = _ratio(s[7], s[8]), _ratio(s[7], s[9])
        f = [_harmonic(p, r) for p, r in ((muc_p, muc_r), (b3_p, b3_r), (ceaf_p, ceaf_r))]
        return np.stack([muc_p, muc_r, f[0], b3_p, b3_r, f[1], ceaf_p, ceaf_r, f[2], (f[0] + f[1] + f[2]) / 3])


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def _harmonic(p: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Harmonic mean of precision and recall, 0 when either is 0 (as statistics.harmonic_mean in scorch)."""
    return np.where((p > 0) & (r > 0), _ratio(2 * p * r, p + r), 0.0)


def codes(labels: Sequence[Hashable]) -> np.ndarray:
    """Integer codes of labels by Python equality and type (1 and "1" stay distinct)."""
    index: dict = {}
    return np.array([index.setdefault((type(x).__name__, x), len(index)) for x in labels], dtype=np.int64)
