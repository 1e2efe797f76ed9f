"""Sentence alignment scores: pair ranking (AP, best F1) and segment retrieval (MRR@10, nDCG@10, Recall@1).

Rules (also in the README):

- Every cross-document pair of gold segments is scored; pairs missing from the predictions score
  lower than every pair given (they are ranked last, tied with each other).
- Pair ranking: average precision and best F1 (scikit-learn, as for the document pair tasks; tied
  scores are one threshold step) with `equivalent` as the positive class, and with `equivalent`
  or `partial` (`linked`) as positive.
- Retrieval: each gold segment is a query over the segments of the *other* documents, ranked by
  decreasing score. Graded relevance: equivalent = 2, partial = 1, unrelated = 0. Ties are broken
  against the system (deterministically): among candidates with equal scores the less relevant
  come first, so a constant score earns nothing. Queries without any relevant candidate are
  excluded (and counted). `mrr_at_10`: reciprocal rank of the first relevant candidate, 0 beyond
  rank 10; `ndcg_at_10`: scikit-learn's ndcg_score at k=10 (linear gain, log2 discount, as
  trec_eval's ndcg_cut); `recall_at_1`: share of queries whose top candidate is relevant (the
  retrieval literature's R@1; trec_eval calls it success@1; with several relevant candidates
  the IR recall@1 could not reach 1.0).
"""

from __future__ import annotations

import numpy as np

#: Relevance grade of each sentence_pairs label id (unrelated, partial, equivalent).
GRADES = np.array([0, 1, 2])
#: Retrieval metric keys, in output order.
RETRIEVAL_METRICS: tuple[str, ...] = ("mrr_at_10", "ndcg_at_10", "recall_at_1")
#: Cut-off of MRR and nDCG.
CUTOFF = 10


def retrieval_per_query(
    query: np.ndarray, candidate: np.ndarray, grade: np.ndarray, score: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-query MRR@10, nDCG@10 and Recall@1 over (query, candidate, grade, score) rows.

    Returns the ids of the scored queries (those with a relevant candidate), their values
    (queries x 3), and the ids of the queries excluded for having no relevant candidate.
    """
    from sklearn.metrics import ndcg_score

    # lexsort: last key first. By query, then decreasing score, then increasing grade (ties against
    # the system), then candidate id (so the order itself is deterministic too).
    if not len(query):
        return np.zeros(0, dtype=np.int64), np.zeros((0, 3)), np.zeros(0, dtype=np.int64)
    order = np.lexsort((candidate, grade, -score, query))
    q, g = query[order], grade[order]
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    ends = np.r_[starts[1:], len(q)]
    ids, values, excluded = [], [], []
    for a, b in zip(starts, ends):
        gains = g[a:b]
        relevant = np.flatnonzero(gains > 0)
        if not len(relevant):
            excluded.append(q[a])
            continue
        # MRR@10 and R@1 by hand: scikit-learn has neither, and on a resolved ranking each is one
        # lookup (ranx and pytrec_eval need a run dict per query; pytrec_eval checks these in the tests).
        rank = relevant[0] + 1
        mrr = 1.0 / rank if rank <= CUTOFF else 0.0
        if len(gains) > 1:
            # The ranking is already resolved: give scikit-learn strictly decreasing scores.
            ndcg = float(ndcg_score([gains], [-np.arange(len(gains), dtype=float)], k=CUTOFF))
        else:
            ndcg = 1.0  # one candidate, and it is relevant (scikit-learn refuses a single document)
        ids.append(q[a])
        values.append((mrr, ndcg, float(gains[0] > 0)))
    return np.array(ids, dtype=np.int64), np.array(values, dtype=float).reshape(-1, 3), np.array(excluded, dtype=np.int64)
