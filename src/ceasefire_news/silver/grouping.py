"""Silver duplicate groups: MinHash LSH candidates, verified by exact Jaccard and TF-IDF cosine.

Per batch (`sketch_batch`, a plain stage over Arrow batches): each document's *content words*
(lower-cased words of two or more letters, minus scikit-learn's English stop-word list) are hashed
(31-bit) and summarised by a 128-permutation MinHash (rensa); its word 1+2-grams (same words) are
hashed into 2**20 TF-IDF features (raw counts; IDF is applied once the whole corpus is known).

Per corpus (`group`): LSH bands over the signatures give candidate pairs; every candidate pair is
scored with the exact Jaccard of the two content-word sets and the cosine of the two TF-IDF vectors
(sublinear tf, smooth idf, L2-normalised); the levels are connected components of the pairs that
pass each level's rule. Everything corpus-level is a sort or a sparse-matrix product over the
candidate pairs, never over all pairs, so cost and memory grow linearly with the corpus.

THRESHOLD RULES (fixed before any silver score was computed; never tuned on the gold; the same
text is in docs/silver.md):

- near_duplicate: Jaccard of the content-word sets >= 1/3, i.e. for two texts of equal vocabulary
  size, each shares at least half of its distinct content words with the other. A rewrite keeps the
  facts, names, numbers and quotes of its source (guidelines section 4) and so most of its content
  words; "half of each" is the neutral midpoint of "shares most" and "shares few".
- event: TF-IDF cosine >= 0.2, topic: TF-IDF cosine >= 0.1. Two unrelated news articles score
  about 0.0-0.05 (shared words are common, low-IDF ones); the topic cut is twice the top of that
  background, and the event cut twice the topic cut (an event adds shared specifics: date, place,
  participants, quotes). These cuts come from that reasoning, not from any score on the seeds, and
  the event level is LOW-CONFIDENCE silver: the gold event partition sits within about 0.01 of any
  simple cosine rule (issue 10).
- The levels are nested by construction: event groups join the near-duplicate pairs and the
  cosine-0.2 pairs, topic groups join those and the cosine-0.1 pairs.

LSH RULE: b bands of r rows (b = 128 // r), with r the smallest integer such that the expected
number of random (unrelated) candidates per document, b * N * 0.05**r, is at most 10, where 0.05
is an assumed background content-word Jaccard of unrelated news articles. Small corpora get r = 2
(almost every related pair becomes a candidate); at 1M documents r = 5, and pairs with a Jaccard
below about 0.5 are found with falling probability (docs/silver.md has the curve). Inside a band
bucket, each document is paired with the bucket's first document (a star, not all pairs), so
candidates grow linearly with the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa

METHOD = "minhash-lsh+jaccard, tfidf-cosine"
VERSION = "1"

NUM_PERM = 128
#: rensa MinHash seed (any fixed value; pinned so that signatures never change between runs).
MINHASH_SEED = 20250317
#: Hash space of the content-word sets (31-bit, so exact Jaccard is exact up to hash collisions).
WORD_FEATURES = 2**31 - 1
#: Hash space of the TF-IDF word 1+2-gram features (scikit-learn's HashingVectorizer default).
TFIDF_FEATURES = 2**20

#: The threshold rules (see the module docstring).
ND_JACCARD = (1, 3)  # Jaccard >= 1/3, compared as 3 * |A & B| >= |A | B| (exact integers)
EVENT_COSINE = 0.2
TOPIC_COSINE = 0.1
#: The LSH rule's assumptions.
BACKGROUND_JACCARD = 0.05
RANDOM_CANDIDATES_PER_DOC = 10.0
#: Scores are rounded in the pairs table so that the files never depend on the last float bits.
SCORE_DECIMALS = 6
#: Candidate pairs scored per sparse product (bounds the memory of scoring: the rows of both sides
#: are copied for the product, about 30 KB a pair for news text; 20,000 peaked 0.3 GB higher at 1M
#: documents for 5% less CPU, docs/performance.md).
SCORE_BLOCK = 5_000
#: Candidate pairs joined into the components per step (bounds the memory of the graph).
COMPONENT_EDGES = 1_000_000
#: Documents b whose candidate pairs are scored together (their features and their partners' in memory).
SCORE_DOCS = 2_000

SKETCH_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("signature", pa.list_(pa.uint32(), NUM_PERM)),
        ("words", pa.list_(pa.int32())),
        ("grams", pa.list_(pa.int32())),
        ("counts", pa.list_(pa.float32())),
    ]
)


@lru_cache(maxsize=1)
def _analyzer():
    """scikit-learn's word analyzer: lower-case, default token pattern, English stop words removed, 1+2-grams."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(ngram_range=(1, 2), stop_words="english", lowercase=True).build_analyzer()


def _hashers():
    from sklearn.feature_extraction import FeatureHasher

    return (
        FeatureHasher(n_features=WORD_FEATURES, input_type="string", alternate_sign=False),
        FeatureHasher(n_features=TFIDF_FEATURES, input_type="string", alternate_sign=False),
    )


def _list_array(indptr: np.ndarray, values: np.ndarray, kind: pa.DataType) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(indptr.astype(np.int32)), pa.array(values, type=kind))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop-word list (a copy in silver/data/stop_words.json; a test keeps it equal)."""
    import json
    from importlib import resources

    return frozenset(json.loads(resources.files(__package__).joinpath("data/stop_words.json").read_text(encoding="utf-8"))["words"])


#: scikit-learn's default token pattern (two or more word characters), applied to lower-cased text.
_WORD = None


def _word_pattern():
    global _WORD
    if _WORD is None:
        import re

        _WORD = re.compile(r"(?u)\b\w\w+\b")
    return _WORD


def murmurhash3_32(strings: pa.Array, seed: int = 0) -> np.ndarray:
    """MurmurHash3 (x86, 32-bit, signed) of the UTF-8 bytes of every string, as scikit-learn's
    `murmurhash3_32(s, seed)` and `FeatureHasher` compute it, vectorised over an Arrow string array.

    Hand-written because no kept library hashes an Arrow array with this function: scikit-learn's
    Cython loop takes one Python string at a time (most of the sketch stage's time before), and the
    hash must stay scikit-learn's so that features mean what the docs say. Tested against
    scikit-learn on random Unicode strings.
    """
    strings = strings.cast(pa.string()) if strings.type != pa.string() else strings
    n = len(strings)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    _, off_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int32, count=n + 1 + strings.offset)[strings.offset :].astype(np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    data = np.concatenate([data, np.zeros(4, np.uint8)])  # reads past the last block never leave the buffer
    start = offsets[:-1]
    length = offsets[1:] - start
    c1, c2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
    h = np.full(n, seed, dtype=np.uint32)

    def word(at: np.ndarray) -> np.ndarray:
        return (
            data[at].astype(np.uint32) | (data[at + 1].astype(np.uint32) << np.uint32(8))
            | (data[at + 2].astype(np.uint32) << np.uint32(16)) | (data[at + 3].astype(np.uint32) << np.uint32(24))
        )

    def rotl(x: np.ndarray, r: int) -> np.ndarray:
        return (x << np.uint32(r)) | (x >> np.uint32(32 - r))

    blocks = length // 4
    active = np.arange(n)
    j = 0
    while True:
        active = active[blocks[active] > j]
        if not len(active):
            break
        k = word(start[active] + 4 * j) * c1
        k = rotl(k, 15) * c2
        x = h[active] ^ k
        h[active] = rotl(x, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        j += 1
    rest = length & 3
    tail = start + blocks * 4
    k = np.zeros(n, dtype=np.uint32)
    for r, shift in ((3, 16), (2, 8), (1, 0)):
        sel = rest >= r
        k[sel] ^= data[tail[sel] + r - 1].astype(np.uint32) << np.uint32(shift)
    sel = rest > 0
    k = rotl(k * c1, 15) * c2
    h[sel] ^= k[sel]
    h ^= length.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h.view(np.int32)


def _hash_distinct(strings: pa.Array) -> np.ndarray:
    """murmurhash3_32 of every string, hashing each distinct string once (news repeats most words)."""
    import pyarrow.compute as pc

    if not len(strings):
        return np.zeros(0, dtype=np.int32)
    encoded = pc.dictionary_encode(strings)
    return murmurhash3_32(encoded.dictionary)[encoded.indices.to_numpy(zero_copy_only=False)]


def feature_index(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """FeatureHasher's column of a signed 32-bit hash: abs(h) % n_features (with its rule for -2**31)."""
    h = hashes.astype(np.int64)
    index = np.abs(h) % n_features
    index[h == -(2**31)] = (2147483647 - (n_features - 1)) % n_features
    return index


def _grams(texts: list[str]) -> tuple[pa.Array, np.ndarray, pa.Array, np.ndarray]:
    """Content words and word bigrams of each text, as scikit-learn's analyzer makes them
    (lower-case, token pattern, stop words removed, then 1+2-grams), flat with their document numbers."""
    import itertools

    import pyarrow.compute as pc

    find = _word_pattern().findall
    per_doc = [find(t.lower()) for t in texts]
    counts = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
    tokens = pa.array(itertools.chain.from_iterable(per_doc), pa.string()) if counts.sum() else pa.array([], pa.string())
    doc = np.repeat(np.arange(len(texts)), counts)
    keep = pc.invert(pc.is_in(tokens, value_set=pa.array(sorted(stop_words())))).to_numpy(zero_copy_only=False)
    words = tokens.filter(pa.array(keep))
    word_doc = doc[keep]
    same = word_doc[1:] == word_doc[:-1] if len(word_doc) > 1 else np.zeros(0, dtype=bool)
    first = words.slice(0, max(len(words) - 1, 0)).filter(pa.array(same))
    second = words.slice(1).filter(pa.array(same))
    bigrams = pc.binary_join_element_wise(first, second, " ") if len(first) else pa.array([], pa.string())
    return words, word_doc, bigrams, word_doc[:-1][same] if len(same) else np.zeros(0, dtype=np.int64)


def _csr(doc: np.ndarray, index: np.ndarray, num_docs: int, n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, sorted unique indices, counts) per document: what FeatureHasher + sum_duplicates + sort_indices give."""
    keys, counts = np.unique(doc.astype(np.int64) * n_features + index, return_counts=True)
    rows = keys // n_features
    indptr = np.zeros(num_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=num_docs), out=indptr[1:])
    return indptr, keys % n_features, counts


def sketch_batch(docs: pa.Table | pa.RecordBatch) -> pa.Table:
    """Stage: documents (doc_id, text) -> MinHash signature, content-word set and TF-IDF counts per document.

    The features are scikit-learn's (HashingVectorizer analyzer, FeatureHasher's MurmurHash3 column)
    computed over the whole batch at once: one regex call and one Python list per document, every
    other step over flat arrays.
    """
    import rensa

    texts = docs.column("text").to_pylist()
    n = len(texts)
    words, word_doc, bigrams, bigram_doc = _grams(texts)
    word_hash = _hash_distinct(words)
    w_ptr, w_idx, _ = _csr(word_doc, feature_index(word_hash, WORD_FEATURES), n, WORD_FEATURES)
    gram_doc = np.concatenate([word_doc, bigram_doc])
    gram_idx = np.concatenate([feature_index(word_hash, TFIDF_FEATURES), feature_index(_hash_distinct(bigrams), TFIDF_FEATURES)])
    g_ptr, g_idx, g_counts = _csr(gram_doc, gram_idx, n, TFIDF_FEATURES)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(w_idx.astype(np.uint64), w_ptr.astype(np.uint64), NUM_PERM, MINHASH_SEED)
    signatures = np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(-1, NUM_PERM)
    sig = pa.FixedSizeListArray.from_arrays(pa.array(signatures.ravel(), pa.uint32()), NUM_PERM)
    return pa.table(
        [
            docs.column("doc_id"),
            sig,
            _list_array(w_ptr, w_idx.astype(np.int32), pa.int32()),
            _list_array(g_ptr, g_idx.astype(np.int32), pa.int32()),
            _list_array(g_ptr, g_counts.astype(np.float32), pa.float32()),
        ],
        schema=SKETCH_SCHEMA,
    )


def lsh_rows(num_docs: int) -> int:
    """Rows per band r by the LSH rule: smallest r with (128 // r) * N * 0.05**r <= 10."""
    for r in range(1, NUM_PERM + 1):
        if (NUM_PERM // r) * num_docs * BACKGROUND_JACCARD**r <= RANDOM_CANDIDATES_PER_DOC:
            return r
    return NUM_PERM


def candidate_probability(jaccard: float, rows: int) -> float:
    """Probability that a pair with this Jaccard becomes a candidate with `rows` rows per band."""
    return 1 - (1 - jaccard**rows) ** (NUM_PERM // rows)


# Hand-written band hash: numpy has no row hash, and a polynomial over the r 32-bit values in
# wrapping uint64 arithmetic followed by a 64-bit finaliser (splitmix64) is deterministic and fast.
_MULT = np.uint64(0x9E3779B97F4A7C15)


def band_hashes(signatures: np.ndarray, rows: int) -> Iterator[np.ndarray]:
    """For each band, one uint64 hash per document of its `rows` signature values."""
    with np.errstate(over="ignore"):
        for band in range(NUM_PERM // rows):
            h = np.zeros(len(signatures), dtype=np.uint64)
            for col in range(band * rows, (band + 1) * rows):
                h = h * _MULT + signatures[:, col].astype(np.uint64) + np.uint64(1)
            h ^= h >> np.uint64(30)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(27)
            h *= np.uint64(0x94D049BB133111EB)
            h ^= h >> np.uint64(31)
            yield h


def star_edges(h: np.ndarray) -> np.ndarray:
    """Candidate pairs (first, other) of one band: each bucket's documents paired with its first (lowest position)."""
    order = np.argsort(h, kind="stable")  # stable: positions ascend inside a bucket
    sorted_h = h[order]
    new = np.ones(len(h), dtype=bool)
    new[1:] = sorted_h[1:] != sorted_h[:-1]
    first = order[np.maximum.accumulate(np.where(new, np.arange(len(h)), 0))]
    member = ~new
    return np.stack([first[member], order[member]], axis=1)


def candidate_pairs(signatures: np.ndarray) -> tuple[np.ndarray, int]:
    """Unique candidate pairs (a < b, positions), sorted, and the rows per band used."""
    rows = lsh_rows(len(signatures))
    return band_candidates(band_hashes(signatures, rows), len(signatures)), rows


def band_candidates(bands: Iterable[np.ndarray], n: int) -> np.ndarray:
    """Unique candidate pairs (a < b, positions), sorted by (b, a), from the band hashes of n documents, one band at a time.

    Sorted by the later document b so that `score_pairs` finds each block of documents b as one
    contiguous run of pairs (no ordering array over all pairs).
    """
    keys = [np.empty(0, dtype=np.int64)]
    for h in bands:
        e = star_edges(h)
        keys.append(e[:, 1].astype(np.int64) * n + e[:, 0])
        if sum(len(k) for k in keys) > 4 * n:
            keys = [_sorted_unique(np.concatenate(keys))]
    unique = _sorted_unique(np.concatenate(keys))
    del keys
    # Positions as int32 while they fit: the candidate pairs and the arrays made from them are the
    # part of grouping's memory that grows with the corpus (8.0 million pairs at 1M documents).
    out = np.empty((len(unique), 2), dtype=np.int32 if n < 2**31 else np.int64)
    out[:, 1] = unique // n
    np.remainder(unique, n, out=unique)
    out[:, 0] = unique
    return out


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """np.unique of an array we own, sorted in place (np.unique sorts a copy: one more corpus-sized array)."""
    keys.sort()
    if len(keys) < 2:
        return keys
    keep = np.empty(len(keys), dtype=bool)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


@dataclass
class ShardFeatures:
    """The content-word sets and L2-normalised TF-IDF vectors of some documents, as CSR matrices."""

    words: object  # scipy.sparse.csr_matrix, binary
    tfidf: object  # scipy.sparse.csr_matrix, rows of unit length (or zero)


def features(table: pa.Table, idf: np.ndarray) -> ShardFeatures:
    """CSR matrices of a sketch table's rows (IDF applied to the TF-IDF counts)."""
    from scipy.sparse import csr_matrix

    n = table.num_rows
    words = table.column("words").combine_chunks()
    grams = table.column("grams").combine_chunks()
    counts = table.column("counts").combine_chunks()
    w_ptr = np.asarray(words.offsets) - words.offsets[0].as_py()
    g_ptr = np.asarray(grams.offsets) - grams.offsets[0].as_py()
    w_idx = np.asarray(words.flatten(), dtype=np.int32)
    g_idx = np.asarray(grams.flatten(), dtype=np.int32)
    tf = np.asarray(counts.flatten(), dtype=np.float64)
    weights = (1.0 + np.log(tf)) * idf[g_idx] if len(tf) else tf
    norms = np.sqrt(np.add.reduceat(weights**2, g_ptr[:-1])) if len(tf) else np.zeros(n)
    lengths = np.diff(g_ptr)
    norms = np.where(lengths > 0, norms, 1.0) if len(tf) else norms
    weights = weights / np.repeat(norms, lengths) if len(tf) else weights
    return ShardFeatures(
        csr_matrix((np.ones(len(w_idx)), w_idx, w_ptr), shape=(n, WORD_FEATURES)),
        csr_matrix((weights, g_idx, g_ptr), shape=(n, TFIDF_FEATURES)),
    )


def smooth_idf(df: np.ndarray, num_docs: int) -> np.ndarray:
    """scikit-learn's smooth IDF: ln((1 + N) / (1 + df)) + 1."""
    return np.log((1.0 + num_docs) / (1.0 + df)) + 1.0


def document_frequencies(sketch: pa.Table) -> np.ndarray:
    """How many of the sketch's documents contain each TF-IDF feature (length 2**20)."""
    grams = np.asarray(sketch.column("grams").combine_chunks().flatten(), dtype=np.int64)
    return np.bincount(grams, minlength=TFIDF_FEATURES)


class SketchStore:
    """The sketches of every shard, kept on disk (Arrow IPC, memory-mapped) and read back by position."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: list[Path] = []
        self.offsets: list[int] = [0]
        self.df = np.zeros(TFIDF_FEATURES, dtype=np.int64)

    def add(self, sketch: pa.Table) -> None:
        """Append one shard's sketches (rows in the shard's document order)."""
        path = self.folder / f"sketch-{len(self.paths):05d}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, sketch.schema) as writer:
            writer.write_table(sketch)
        self.paths.append(path)
        self.offsets.append(self.offsets[-1] + sketch.num_rows)
        self.df += document_frequencies(sketch)

    @property
    def num_docs(self) -> int:
        """Documents stored so far."""
        return self.offsets[-1]

    def read(self, shard: int, columns: Sequence[str] | None = None) -> pa.Table:
        """One shard's sketches (memory-mapped: only the pages used are read)."""
        table = pa.ipc.open_file(pa.memory_map(str(self.paths[shard]))).read_all()
        return table.select(list(columns)) if columns is not None else table

    def band_hashes(self, rows: int) -> Iterator[np.ndarray]:
        """`band_hashes` of every stored signature, one band at a time, never holding all signatures.

        Each shard's band hashes go to one scratch file per band (8 bytes per document and band);
        the bands are then read back one by one. At 1M documents the signatures are 512 MB and a
        band 8 MB, so grouping's memory no longer holds the corpus's sketches.
        """
        paths = [self.folder / f"band-{band:03d}.u64" for band in range(NUM_PERM // rows)]
        files = [open(path, "wb") for path in paths]
        try:
            for shard in range(len(self.paths)):
                sig = self.read(shard, ["signature"]).column(0).combine_chunks()
                values = np.asarray(sig.flatten(), dtype=np.uint32).reshape(-1, NUM_PERM)
                for file, h in zip(files, band_hashes(values, rows)):
                    file.write(h.tobytes())
        finally:
            for file in files:
                file.close()
        for path in paths:
            h = np.fromfile(path, dtype=np.uint64)
            path.unlink()
            yield h

    def shard_of(self, positions: np.ndarray) -> np.ndarray:
        """The shard holding each position."""
        return np.searchsorted(np.asarray(self.offsets), positions, side="right") - 1


def score_pairs(store: SketchStore, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard numerator/denominator and TF-IDF cosine of each candidate pair (a, b positions).

    Pairs are processed per block of SCORE_DOCS documents b (a slice of one shard); the documents a
    they need are taken from the (memory-mapped) sketch files, so memory holds the feature matrices of
    one block and its partners, never of a whole shard or the corpus.
    """
    from scipy.sparse import vstack

    idf = smooth_idf(store.df, store.num_docs)
    counts = np.zeros((len(pairs), 2), dtype=np.int32)  # |A & B|, |A | B| (word sets are far below 2**31)
    cosine = np.zeros(len(pairs), dtype=np.float64)
    if not len(pairs):
        return counts, cosine
    b_pos = pairs[:, 1]
    if np.any(b_pos[1:] < b_pos[:-1]):
        raise ValueError("score_pairs needs pairs sorted by their second position (band_candidates' order)")
    offsets = np.asarray(store.offsets)
    # Blocks of SCORE_DOCS documents b inside each shard; a block's pairs are one contiguous run,
    # because the pairs are sorted by b.
    blocks = [
        (shard, first, min(first + SCORE_DOCS, store.offsets[shard + 1]))
        for shard in range(len(store.paths))
        for first in range(store.offsets[shard], store.offsets[shard + 1], SCORE_DOCS)
    ]
    for shard, first, end in blocks:
        lo_pair, hi_pair = (int(i) for i in np.searchsorted(b_pos, [first, end], side="left"))
        if lo_pair == hi_pair:
            continue
        mine = features(store.read(shard).slice(first - store.offsets[shard], end - first), idf)
        a_pos = pairs[lo_pair:hi_pair, 0]
        needed = np.unique(a_pos)
        parts = []
        shard_of_needed = store.shard_of(needed)
        for other in np.unique(shard_of_needed):
            rows = needed[shard_of_needed == other] - offsets[other]
            parts.append(features(store.read(int(other)).take(pa.array(rows)), idf))
        partner_words = vstack([p.words for p in parts]).tocsr()
        partner_tfidf = vstack([p.tfidf for p in parts]).tocsr()
        del parts
        # In blocks of pairs: the row-wise products allocate a few bytes per feature of both rows,
        # so one block's memory is bounded whatever the number of candidates in the shard.
        for lo in range(lo_pair, hi_pair, SCORE_BLOCK):
            hi = min(lo + SCORE_BLOCK, hi_pair)
            a_rows = np.searchsorted(needed, pairs[lo:hi, 0])
            b_rows = pairs[lo:hi, 1] - first
            wa, wb = partner_words[a_rows], mine.words[b_rows]
            common = np.asarray(wa.multiply(wb).sum(axis=1)).ravel().astype(np.int64)
            sizes = np.diff(wa.indptr) + np.diff(wb.indptr)
            counts[lo:hi, 0] = common
            counts[lo:hi, 1] = sizes - common
            cosine[lo:hi] = np.asarray(partner_tfidf[a_rows].multiply(mine.tfidf[b_rows]).sum(axis=1)).ravel()
    return counts, cosine


def components(num_docs: int, pairs: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """Connected-component label of every position for the graph of the pairs (those where `keep`, if given).

    The edges are taken COMPONENT_EDGES at a time: each chunk joins the components found so far
    (its ends replaced by their current labels), so memory holds one chunk's graph and a label per
    document, not the whole candidate graph (scipy's graph of 8 million pairs took about 0.3 GB).
    Labels are arbitrary integers; only which positions share one matters.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    labels = np.arange(num_docs, dtype=np.int32)
    for lo in range(0, len(pairs), COMPONENT_EDGES):
        part = pairs[lo : lo + COMPONENT_EDGES]
        if keep is not None:
            part = part[keep[lo : lo + COMPONENT_EDGES]]
        if not len(part):
            continue
        graph = coo_matrix((np.ones(len(part)), (labels[part[:, 0]], labels[part[:, 1]])), shape=(num_docs, num_docs))
        labels = connected_components(graph, directed=False)[1][labels]
    return labels


def group_ids(prefix: str, labels: np.ndarray, doc_ids: pa.Array) -> pa.Array:
    """Group id of every position: prefix + the smallest doc_id of its component (order-independent)."""
    import pyarrow.compute as pc

    table = pa.table({"label": pa.array(labels, pa.int64()), "doc_id": doc_ids})
    smallest = table.group_by("label").aggregate([("doc_id", "min")])
    index = pc.index_in(table.column("label"), value_set=smallest.column("label"))
    first = pc.take(smallest.column("doc_id_min"), index)
    return pc.binary_join_element_wise(pa.scalar(prefix), first, "")


@dataclass
class Grouping:
    """The corpus-level result: a group id per position at each level, and the scored candidate pairs."""

    near_duplicate: pa.Array
    event: pa.Array
    topic: pa.Array
    pairs: np.ndarray  # (E, 2) positions, a < b
    jaccard: np.ndarray
    cosine: np.ndarray
    rows: int
    labels: dict[str, np.ndarray]


def group(store: SketchStore, doc_ids: pa.Array) -> Grouping:
    """Candidates by LSH, scores on candidates only, then nested connected components per level."""
    from .progress import release_memory

    n = store.num_docs
    rows = lsh_rows(n)
    pairs = band_candidates(store.band_hashes(rows), n)
    counts, cosine = score_pairs(store, pairs)
    release_memory()  # scoring's blocks are freed: their pages go back before the graphs are built
    nd = counts[:, 0] * ND_JACCARD[1] >= counts[:, 1] * ND_JACCARD[0]
    nd &= counts[:, 1] > 0
    # Jaccard in place (no corpus-sized temporaries): |A | B| = 0 only for two empty sets, whose
    # |A & B| is 0 too, so dividing by max(|A | B|, 1) gives the 0.0 such a pair is declared to have.
    jaccard = counts[:, 0].astype(np.float64)
    jaccard /= np.maximum(counts[:, 1], 1)
    del counts
    np.round(jaccard, SCORE_DECIMALS, out=jaccard)
    event = nd | (cosine >= EVENT_COSINE)
    topic = event | (cosine >= TOPIC_COSINE)
    np.round(cosine, SCORE_DECIMALS, out=cosine)
    labels = {level: components(n, pairs, mask) for level, mask in (("near_duplicate", nd), ("event", event), ("topic", topic))}
    del nd, event, topic
    release_memory()
    return Grouping(
        near_duplicate=group_ids("nd:", labels["near_duplicate"], doc_ids),
        event=group_ids("event:", labels["event"], doc_ids),
        topic=group_ids("topic:", labels["topic"], doc_ids),
        pairs=pairs,
        jaccard=jaccard,
        cosine=cosine,
        rows=rows,
        labels=labels,
    )


def expected_rows_note(num_docs: int) -> str:
    """A sentence for the card: the LSH setting used and the chance of finding pairs at a few Jaccards."""
    r = lsh_rows(num_docs)
    probs = ", ".join(f"{name}: {candidate_probability(j, r):.2f}" for name, j in (("0.2", 0.2), ("1/3", 1 / 3), ("0.5", 0.5), ("0.7", 0.7)))
    return f"LSH {NUM_PERM // r} bands x {r} rows; chance that a pair becomes a candidate at Jaccard {probs}"

