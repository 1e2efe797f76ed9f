"""Silver groups: the written LSH rule, star candidates, exact scores, nested levels, pinned seed result."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ceasefire_news.silver.grouping import (
    EVENT_COSINE,
    ND_JACCARD,
    TOPIC_COSINE,
    SketchStore,
    band_hashes,
    candidate_pairs,
    group,
    lsh_rows,
    sketch_batch,
    star_edges,
)

from .conftest import DOC_IDS, seed_texts


def test_threshold_rules_are_the_written_ones() -> None:
    assert ND_JACCARD == (1, 3) and EVENT_COSINE == 0.2 and TOPIC_COSINE == 0.1
    text = Path(__file__).resolve().parents[2].joinpath("docs", "silver.md").read_text(encoding="utf-8")
    assert "near_duplicate: Jaccard >= 1/3" in text and "event: cosine >= 0.2; topic: cosine >= 0.1" in text


@pytest.mark.parametrize(("n", "rows"), [(2, 2), (10, 2), (1_000, 3), (10_000, 4), (100_000, 5), (1_000_000, 5)])
def test_lsh_rule(n: int, rows: int) -> None:
    assert lsh_rows(n) == rows
    assert (128 // rows) * n * 0.05**rows <= 10
    if rows > 1:
        assert (128 // (rows - 1)) * n * 0.05 ** (rows - 1) > 10


def test_star_edges_pair_each_bucket_with_its_first_document() -> None:
    h = np.array([7, 3, 7, 9, 3, 7], dtype=np.uint64)
    assert star_edges(h).tolist() == [[1, 4], [0, 2], [0, 5]]


def test_band_hashes_are_deterministic_and_band_specific() -> None:
    sig = np.arange(2 * 128, dtype=np.uint32).reshape(2, 128)
    first = [h.tolist() for h in band_hashes(sig, 4)]
    assert first == [h.tolist() for h in band_hashes(sig.copy(), 4)]
    assert len(first) == 32 and len({tuple(h) for h in first}) == 32


def test_store_band_hashes_equal_the_in_memory_ones(tmp_path: Path) -> None:
    """Grouping reads the bands shard by shard from scratch files: same hashes, same order, files removed."""
    rng = np.random.default_rng(7)
    sig = rng.integers(0, 2**32, size=(25, 128), dtype=np.uint32)
    store = SketchStore(tmp_path)
    for lo, hi in ((0, 10), (10, 11), (11, 25)):  # shards of uneven size, one of a single document
        n = hi - lo
        store.add(
            pa.table(
                {
                    "doc_id": [f"d{k:02d}" for k in range(lo, hi)],
                    "signature": pa.FixedSizeListArray.from_arrays(pa.array(sig[lo:hi].ravel(), pa.uint32()), 128),
                    "words": pa.array([[1]] * n, pa.list_(pa.int32())),
                    "grams": pa.array([[1]] * n, pa.list_(pa.int32())),
                    "counts": pa.array([[1.0]] * n, pa.list_(pa.float32())),
                }
            )
        )
    spilled = [h.tolist() for h in store.band_hashes(4)]
    assert spilled == [h.tolist() for h in band_hashes(sig, 4)]
    assert not list(tmp_path.glob("band-*"))


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"(?u)\b\w\w+\b", text.lower()) if w not in ENGLISH_STOP_WORDS}


@pytest.fixture(scope="module")
def seeds_grouped(tmp_path_factory: pytest.TempPathFactory):
    texts = seed_texts()
    docs = pa.table({"doc_id": list(texts), "text": list(texts.values())})
    store = SketchStore(tmp_path_factory.mktemp("sketch"))
    store.add(sketch_batch(docs.slice(0, 3)))  # two "shards", so scores join across shard files
    store.add(sketch_batch(docs.slice(3)))
    return texts, group(store, docs.column("doc_id").combine_chunks())


def test_scores_are_exact_on_candidates(seeds_grouped) -> None:
    texts, result = seeds_grouped
    words = {d: content_words(t) for d, t in texts.items()}
    for (a, b), jaccard in zip(result.pairs.tolist(), result.jaccard):
        wa, wb = words[DOC_IDS[a]], words[DOC_IDS[b]]
        assert jaccard == pytest.approx(len(wa & wb) / len(wa | wb), abs=1e-6)


def test_tfidf_cosine_matches_scikit_learn(seeds_grouped) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts, result = seeds_grouped
    matrix = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", sublinear_tf=True).fit_transform(list(texts.values()))
    cosine = (matrix @ matrix.T).toarray()
    for (a, b), value in zip(result.pairs.tolist(), result.cosine):
        assert value == pytest.approx(cosine[a, b], abs=2e-3)  # hashed features: collisions may move the last digits


@pytest.mark.parametrize(("score_docs", "score_block"), [(1, 1), (2, 3), (4, 2)])
def test_scores_do_not_depend_on_the_scoring_block(
    seeds_grouped, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, score_docs: int, score_block: int
) -> None:
    """Blocks of a few documents b (cut at the boundary of the two shard files) and of a few pairs give the same scores, bit for bit."""
    import ceasefire_news.silver.grouping as grouping

    texts, result = seeds_grouped
    docs = pa.table({"doc_id": list(texts), "text": list(texts.values())})
    store = SketchStore(tmp_path)
    store.add(sketch_batch(docs.slice(0, 3)))
    store.add(sketch_batch(docs.slice(3)))
    monkeypatch.setattr(grouping, "SCORE_DOCS", score_docs)
    monkeypatch.setattr(grouping, "SCORE_BLOCK", score_block)
    counts, cosine = grouping.score_pairs(store, result.pairs)
    assert len(result.pairs) >= 5
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(counts[:, 1] > 0, counts[:, 0] / np.maximum(counts[:, 1], 1), 0.0)
    assert np.round(jaccard, grouping.SCORE_DECIMALS).tolist() == result.jaccard.tolist()
    assert np.round(cosine, grouping.SCORE_DECIMALS).tolist() == result.cosine.tolist()


def test_seed_groups_are_pinned(seeds_grouped, data_regression) -> None:
    _, result = seeds_grouped
    data_regression.check(
        {
            "rows_per_band": result.rows,
            "near_duplicate": result.near_duplicate.to_pylist(),
            "event": result.event.to_pylist(),
            "topic": result.topic.to_pylist(),
            "pairs": [[DOC_IDS[a], DOC_IDS[b], float(j), float(c)] for (a, b), j, c in zip(result.pairs.tolist(), result.jaccard, result.cosine)],
        }
    )


def test_levels_nest(seeds_grouped) -> None:
    _, result = seeds_grouped
    for finer, coarser in (("near_duplicate", "event"), ("event", "topic")):
        parent: dict[int, int] = {}
        for f, c in zip(result.labels[finer], result.labels[coarser]):
            assert parent.setdefault(int(f), int(c)) == int(c)


def test_scoring_needs_band_candidates_order(seeds_grouped, tmp_path: Path) -> None:
    """Pairs not sorted by their second position are refused, not scored against the wrong block."""
    import ceasefire_news.silver.grouping as grouping

    texts, result = seeds_grouped
    store = SketchStore(tmp_path)
    store.add(sketch_batch(pa.table({"doc_id": list(texts), "text": list(texts.values())})))
    with pytest.raises(ValueError, match="sorted by their second position"):
        grouping.score_pairs(store, result.pairs[::-1].copy())


def test_candidates_stay_linear_when_everything_collides() -> None:
    sig = np.zeros((1000, 128), dtype=np.uint32)  # 1,000 identical documents: one bucket per band
    pairs, rows = candidate_pairs(sig)
    assert rows == 3
    assert pairs.tolist() == [[0, k] for k in range(1, 1000)]  # a star, not 499,500 pairs


def test_stop_word_copy_is_scikit_learns() -> None:
    from ceasefire_news.silver.grouping import stop_words

    assert stop_words() == ENGLISH_STOP_WORDS


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=30))
def test_murmurhash_equals_scikit_learn(strings: list[str]) -> None:
    from sklearn.utils import murmurhash3_32 as reference

    from ceasefire_news.silver.grouping import feature_index, murmurhash3_32

    strings = [s.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for s in strings]
    got = murmurhash3_32(pa.array(strings, pa.string()).slice(0))
    assert got.tolist() == [reference(s.encode("utf-8"), seed=0) for s in strings]
    assert feature_index(got, 2**20).tolist() == [abs(h) % 2**20 for h in got.tolist()]


def test_sketch_features_equal_scikit_learns_hashing_vectorizer() -> None:
    """The batch sketch gives exactly the sets and counts of HashingVectorizer's analyzer + FeatureHasher (the definition in the docs)."""
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.feature_extraction.text import HashingVectorizer

    texts = [*seed_texts().values(), "", "the and of", "Ünïcode wörds, ÉLAN élan 123 x"]
    docs = pa.table({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    sketch = sketch_batch(docs)
    analyze = HashingVectorizer(ngram_range=(1, 2), stop_words="english", lowercase=True).build_analyzer()
    grams = [analyze(t) for t in texts]
    for column, features, items in (("words", 2**31 - 1, [[g for g in d if " " not in g] for g in [None] for d in grams]), ("grams", 2**20, grams)):
        matrix = FeatureHasher(n_features=features, input_type="string", alternate_sign=False).transform(items).tocsr()
        matrix.sum_duplicates()
        matrix.sort_indices()
        got = sketch.column(column).combine_chunks()
        assert np.asarray(got.offsets).tolist() == matrix.indptr.tolist()
        assert np.asarray(got.flatten()).tolist() == matrix.indices.tolist()
        if column == "grams":
            assert np.asarray(sketch.column("counts").combine_chunks().flatten()).tolist() == matrix.data.tolist()


@pytest.mark.parametrize("chunk", [1, 3, 1_000_000])
def test_components_in_chunks_are_scipys_components(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Joining the edges a chunk at a time gives the same partition as scipy over the whole graph, with and without a mask."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    import ceasefire_news.silver.grouping as grouping

    monkeypatch.setattr(grouping, "COMPONENT_EDGES", chunk)

    def partition(labels: np.ndarray) -> list[int]:
        first: dict[int, int] = {}
        return [first.setdefault(int(x), len(first)) for x in labels]

    rng = np.random.default_rng(11)
    for n, e in ((1, 0), (5, 0), (30, 12), (60, 45), (200, 150)):
        pairs = np.sort(rng.integers(0, n, size=(e, 2)), axis=1).astype(np.int32)
        pairs = pairs[pairs[:, 0] < pairs[:, 1]]
        keep = rng.random(len(pairs)) < 0.6
        for mask in (None, keep):
            chosen = pairs if mask is None else pairs[mask]
            graph = coo_matrix((np.ones(len(chosen)), (chosen[:, 0], chosen[:, 1])), shape=(n, n))
            expected = connected_components(graph, directed=False)[1]
            assert partition(grouping.components(n, pairs, mask)) == partition(expected)
