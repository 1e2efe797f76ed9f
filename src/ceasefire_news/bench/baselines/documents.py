"""Document-level baselines: one clustering of the corpus and one score per document pair.

Threshold rule. Every thresholded method has ONE global threshold, fixed in this file before any
score was computed and never tuned on the gold labels; its origin is given next to the constant.
A method predicts a single clustering of the corpus (connected components of the pairs whose
score reaches its threshold) and scores it against all three group levels (near_duplicate, event,
topic); its pair scores are the same for the three `*_pairs` tasks. A baseline has no notion of
level, so it gets no per-level threshold.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from typing import Any

from ..predictions import CLUSTERING_TASKS as GROUP_TASKS
from ..predictions import PAIR_TASKS
from .embeddings import encode, load_embedding_model
from .text import Rows, doc_pairs, doc_segments, doc_texts, jaccard, normalize_text, word_ngrams, words

Predictions = dict[str, list[dict[str, Any]]]

DOC_TASKS: tuple[str, ...] = GROUP_TASKS + PAIR_TASKS

# --- thresholds (fixed before any result was seen; see the module docstring) -------------------

#: MinHash settings as popular dedup tools ship them: word 5-grams and 128 permutations; LSH at
#: 0.7 (data-juicer's document_minhash_deduplicator default Jaccard threshold, with 5-gram windows)
#: and at the looser 0.5. The seed is datasketch's own default, passed explicitly so it is pinned.
MINHASH_NGRAM = 5
MINHASH_NUM_PERM = 128
MINHASH_SEED = 1
MINHASH_THRESHOLDS: tuple[float, ...] = (0.5, 0.7)

#: Exact word-unigram Jaccard: the same cut as the looser MinHash LSH threshold, so the two differ
#: only in shingle size (1 vs 5 words) and exact vs estimated Jaccard, not in the threshold.
JACCARD_THRESHOLD = 0.5

#: TF-IDF cosine: no library ships a default; 0.5 is the midpoint of the [0, 1] range of cosines
#: between non-negative TF-IDF vectors (the same neutral cut as the Jaccard baseline).
TFIDF_THRESHOLD = 0.5

#: Embedding cosine (both variants): sentence-transformers' own default for grouping texts by
#: embedding, `util.community_detection(threshold=0.75)`.
EMBEDDING_THRESHOLD = 0.75

#: Trivial baselines. The constant score is the midpoint of [0, 1]; the random scores are uniform
#: on [0, 1) from Python's Mersenne Twister with this fixed seed, and both are thresholded at the
#: same midpoint 0.5, so the constant one always links everything (= all-in-one).
CONSTANT_SCORE = 0.5
RANDOM_SEED = 20250101
TRIVIAL_THRESHOLD = 0.5

#: Pair scores are rounded so prediction files do not change with the last bits of float math.
SCORE_DECIMALS = 6

# --- pair scores -> predictions -------------------------------------------------------------------


def connected_groups(doc_ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """doc_id -> group id for the connected components of the graph; a group's id is its smallest doc_id."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ids = sorted(doc_ids)
    index = {doc_id: i for i, doc_id in enumerate(ids)}
    edge_list = sorted({(index[a], index[b]) for a, b in edges})
    rows = [i for i, _ in edge_list]
    cols = [j for _, j in edge_list]
    graph = coo_matrix(([1] * len(edge_list), (rows, cols)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    first: dict[int, str] = {}
    for doc_id, label in zip(ids, labels):
        first.setdefault(int(label), doc_id)  # ids are sorted, so the first seen is the smallest
    return {doc_id: first[int(label)] for doc_id, label in zip(ids, labels)}


def group_records(groups: Mapping[str, str]) -> list[dict[str, Any]]:
    """Records {"doc_id", "group"} in doc_id order."""
    return [{"doc_id": doc_id, "group": groups[doc_id]} for doc_id in sorted(groups)]


def pair_records(scores: Mapping[tuple[str, str], float]) -> list[dict[str, Any]]:
    """Records {"doc_a", "doc_b", "score"} in (doc_a, doc_b) order."""
    return [
        {"doc_a": a, "doc_b": b, "score": round(float(scores[(a, b)]), SCORE_DECIMALS)}
        for a, b in sorted(scores)
    ]


def document_predictions(
    doc_ids: Iterable[str], scores: Mapping[tuple[str, str], float], edges: Iterable[tuple[str, str]]
) -> Predictions:
    """Predictions for the three group tasks (from edges) and the three pair tasks (from scores)."""
    groups = group_records(connected_groups(doc_ids, edges))
    pairs = pair_records(scores)
    out: Predictions = {task: [dict(r) for r in groups] for task in GROUP_TASKS}
    out.update({task: [dict(r) for r in pairs] for task in PAIR_TASKS})
    return out


def thresholded(
    doc_ids: Iterable[str], scores: Mapping[tuple[str, str], float], threshold: float
) -> Predictions:
    """Group and pair predictions: clusters are connected components of pairs with score >= threshold."""
    edges = [pair for pair, score in scores.items() if score >= threshold]
    return document_predictions(doc_ids, scores, edges)


# --- trivial methods --------------------------------------------------------------------------


def all_in_one(documents: Rows) -> Predictions:
    """Every document in one cluster (group tasks only)."""
    ids = list(doc_texts(documents))
    return {task: group_records({d: ids[0] for d in ids}) for task in GROUP_TASKS}


def singletons(documents: Rows) -> Predictions:
    """Every document alone (group tasks only)."""
    ids = list(doc_texts(documents))
    return {task: group_records({d: d for d in ids}) for task in GROUP_TASKS}


def constant_scores(documents: Rows, value: float = CONSTANT_SCORE) -> Predictions:
    """The same score for every pair, thresholded at TRIVIAL_THRESHOLD (so it links everything)."""
    ids = list(doc_texts(documents))
    return thresholded(ids, {pair: value for pair in doc_pairs(ids)}, TRIVIAL_THRESHOLD)


def random_scores(documents: Rows, seed: int = RANDOM_SEED) -> Predictions:
    """Seeded uniform random pair scores in pair order, thresholded at TRIVIAL_THRESHOLD."""
    ids = list(doc_texts(documents))
    rng = random.Random(seed)
    return thresholded(ids, {pair: rng.random() for pair in doc_pairs(ids)}, TRIVIAL_THRESHOLD)


# --- real methods -----------------------------------------------------------------------------


def exact_hash(documents: Rows) -> Predictions:
    """Exact duplicates: SHA-256 of the normalised text; pair score 1.0 for equal hashes, else 0.0."""
    texts = doc_texts(documents)
    digest = {d: hashlib.sha256(normalize_text(t).encode("utf-8")).hexdigest() for d, t in texts.items()}
    scores = {(a, b): 1.0 if digest[a] == digest[b] else 0.0 for a, b in doc_pairs(texts)}
    return thresholded(texts, scores, 1.0)


def minhashes(documents: Rows) -> dict[str, Any]:
    """doc_id -> datasketch MinHash of the document's word 5-gram set (128 permutations, fixed seed)."""
    from datasketch import MinHash

    out = {}
    for doc_id, text in doc_texts(documents).items():
        mh = MinHash(num_perm=MINHASH_NUM_PERM, seed=MINHASH_SEED)
        mh.update_batch(s.encode("utf-8") for s in sorted(word_ngrams(text, MINHASH_NGRAM)))
        out[doc_id] = mh
    return out


def minhash_lsh_candidates(documents: Rows, threshold: float) -> list[tuple[str, str]]:
    """The candidate pairs that a datasketch MinHashLSH at `threshold` returns, as sorted (doc_a, doc_b)."""
    from datasketch import MinHashLSH

    hashes = minhashes(documents)
    lsh = MinHashLSH(threshold=threshold, num_perm=MINHASH_NUM_PERM)
    for doc_id, mh in hashes.items():
        lsh.insert(doc_id, mh)
    found = set()
    for doc_id, mh in hashes.items():
        for other in lsh.query(mh):
            if other != doc_id:
                found.add((min(doc_id, other), max(doc_id, other)))
    return sorted(found)


def minhash_lsh(documents: Rows, threshold: float) -> Predictions:
    """MinHash LSH: clusters = connected components of LSH candidate pairs; pair score = estimated Jaccard."""
    documents = list(documents)
    hashes = minhashes(documents)
    scores = {(a, b): hashes[a].jaccard(hashes[b]) for a, b in doc_pairs(hashes)}
    return document_predictions(hashes, scores, minhash_lsh_candidates(documents, threshold))


def unigram_jaccard_scores(documents: Rows) -> dict[tuple[str, str], float]:
    """Exact Jaccard of the word-unigram sets of every pair."""
    sets = {d: set(words(t)) for d, t in doc_texts(documents).items()}
    return {(a, b): jaccard(sets[a], sets[b]) for a, b in doc_pairs(sets)}


def unigram_jaccard(documents: Rows, threshold: float = JACCARD_THRESHOLD) -> Predictions:
    """Exact word-unigram Jaccard, thresholded at JACCARD_THRESHOLD."""
    documents = list(documents)
    return thresholded(doc_texts(documents), unigram_jaccard_scores(documents), threshold)


def tfidf_scores(documents: Rows) -> dict[tuple[str, str], float]:
    """Cosine of scikit-learn TF-IDF vectors (default settings, fitted on the corpus itself) of every pair."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    texts = doc_texts(documents)
    ids = list(texts)
    matrix = TfidfVectorizer().fit_transform([texts[d] for d in ids])
    sim = cosine_similarity(matrix)
    pos = {d: i for i, d in enumerate(ids)}
    return {(a, b): float(sim[pos[a], pos[b]]) for a, b in doc_pairs(ids)}


def tfidf_cosine(documents: Rows, threshold: float = TFIDF_THRESHOLD) -> Predictions:
    """TF-IDF cosine, thresholded at TFIDF_THRESHOLD."""
    documents = list(documents)
    return thresholded(doc_texts(documents), tfidf_scores(documents), threshold)


def embedding_scores(documents: Rows, model: Any = None) -> dict[tuple[str, str], float]:
    """Cosine of whole-document embeddings of every pair.

    The model reads at most its max_seq_length (256 word pieces for all-MiniLM-L6-v2), so a
    document embedding is that of its opening; that is how the model is conventionally applied.
    """
    model = model if model is not None else load_embedding_model()
    texts = doc_texts(documents)
    ids = list(texts)
    emb = encode([texts[d] for d in ids], model)
    sim = emb @ emb.T
    pos = {d: i for i, d in enumerate(ids)}
    return {(a, b): float(sim[pos[a], pos[b]]) for a, b in doc_pairs(ids)}


def embedding_cosine(documents: Rows, threshold: float = EMBEDDING_THRESHOLD, model: Any = None) -> Predictions:
    """Whole-document embedding cosine, thresholded at EMBEDDING_THRESHOLD."""
    documents = list(documents)
    return thresholded(doc_texts(documents), embedding_scores(documents, model), threshold)


def aligned_embedding_scores(sentences: Rows, model: Any = None) -> dict[tuple[str, str], float]:
    """Sentence-aligned similarity of every pair of documents from their gold segments.

    Each segment is embedded; for each segment of A the best cosine among B's segments is taken and
    averaged over A; the score is the mean of the A->B and B->A averages (symmetric).
    """
    model = model if model is not None else load_embedding_model()
    segments = doc_segments(sentences)
    emb = {doc_id: encode(texts, model) for doc_id, texts in segments.items()}
    scores = {}
    for a, b in doc_pairs(emb):
        sim = emb[a] @ emb[b].T
        scores[(a, b)] = (float(sim.max(axis=1).mean()) + float(sim.max(axis=0).mean())) / 2
    return scores


def aligned_embedding_cosine(
    documents: Rows, sentences: Rows, threshold: float = EMBEDDING_THRESHOLD, model: Any = None
) -> Predictions:
    """Sentence-aligned embedding similarity, thresholded at EMBEDDING_THRESHOLD."""
    texts = doc_texts(documents)
    scores = aligned_embedding_scores(sentences, model)
    missing = sorted(set(doc_pairs(texts)) - set(scores))
    if missing:
        raise ValueError(f"no segments for some documents; pairs without a score: {missing[:3]}")
    return thresholded(texts, scores, threshold)
