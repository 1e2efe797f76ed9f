"""The entity layer: mention checks, Wikidata-link rules, tokenization and the IOB2 `ner` view."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING

from ..errors import Located, ProblemLog
from ..schema.rules import NAME_LABELS, NER_TAGS
from .segments import check_span_text, group_by_doc

if TYPE_CHECKING:
    import pyarrow as pa

    from ..schema.models import LabelledSpan, Mention, MentionAnnotation, NerRow, Referent, Sentence

# Hand-written tokenizer (no library): it must be deterministic, keep exact document offsets
# and split wherever a gold mention starts or ends, which general tokenizers (spaCy, NLTK)
# do not promise without a model download. Order matters: abbreviations and possessives first.
# Every alternative starts with a single character class ([A-Za-z] rather than (?:[A-Za-z]\.){2,},
# \d\d* rather than \d+): the same tokens, but Python's regex engine rejects an alternative on its
# first character without entering a repeat, which makes tokenizing about a third cheaper.
_TOKEN = re.compile(
    r"[A-Za-z]\.(?:[A-Za-z]\.)+"  # U.S., J.D., p.m.
    r"|['’]s\b"  # possessive 's / ’s
    r"|\d\d*(?:[.,:]\d+)*"  # 90, 1,000, 10:00
    r"|\w\w*(?:\.(?:com|org|net))?"  # words, and domains such as RT.com
    r"|\S",  # any other single character (punctuation)
)


def mention_id(m: MentionAnnotation) -> str:
    """The stable id of a mention: <doc_id>:<start>-<end>."""
    return f"{m.doc_id}:{m.start}-{m.end}"


#: A checked mention: its located annotation and the index of the segment that holds it.
Checked = tuple["Located[MentionAnnotation]", int]


def check_mentions(
    texts: Mapping[str, str],
    segments: Mapping[str, list[Sentence]],
    items: list[Located[MentionAnnotation]],
    log: ProblemLog,
) -> list[Located[Mention]]:
    """Check every mention against its document and segments; return them as located table rows."""
    from ..schema.models import Mention, MentionAnnotation

    fields = tuple(MentionAnnotation.model_fields)
    out: list[Located[Mention]] = []
    for item, index in checked_mentions(texts, segments, items, log):
        m = item.record
        row = Mention(**{k: getattr(m, k) for k in fields}, mention_id=mention_id(m), sentence_index=index)
        out.append(Located(row, item.file, item.line, item.row))
    return out


def checked_mentions(
    texts: Mapping[str, str],
    segments: Mapping[str, list[Sentence]],
    items: list[Located[MentionAnnotation]],
    log: ProblemLog,
) -> list[Checked]:
    """The checks of `check_mentions`; return the valid mentions with their segment index (no new record objects)."""
    out: list[Checked] = []
    by_doc = group_by_doc(items)
    for doc_id in sorted(set(by_doc) - set(texts)):
        log.at(by_doc[doc_id][0], f"unknown doc_id {doc_id!r} (no such document)", "doc_id")
    for doc_id, doc_items in by_doc.items():
        if doc_id not in texts:
            continue
        segs = segments.get(doc_id, [])
        seg_starts = [s.start for s in segs]
        prev: Located[MentionAnnotation] | None = None
        for item in sorted(doc_items, key=lambda i: (i.record.start, i.record.end)):
            m = item.record
            if not check_span_text(item, texts[doc_id], log):
                continue
            if m.text != m.text.strip():
                log.at(item, "mention starts or ends with whitespace", "text")
            if prev is not None and m.start < prev.record.end:
                log.at(
                    item,
                    f"mention {m.text!r} overlaps or nests in {prev.record.text!r} "
                    f"({prev.record.start}-{prev.record.end}); mentions are flat",
                    "start",
                )
                continue
            prev = item
            pos = bisect.bisect_right(seg_starts, m.start) - 1
            if pos < 0 or m.end > segs[pos].end:
                log.at(item, f"mention {m.start}-{m.end} is not inside exactly one segment", "end")
                continue
            _check_link(item, log)
            out.append((item, segs[pos].index))
    return out


def entity_columns(mentions: list[Checked]) -> dict[str, list]:
    """The columns of the entities table from checked mentions, in their order."""
    names = ("doc_id", "start", "end", "text", "label", "kb_id", "entity_id")
    get = attrgetter(*names)
    values = list(zip(*(get(item.record) for item, _ in mentions))) if mentions else [()] * len(names)
    columns: dict[str, list] = {name: list(v) for name, v in zip(names, values)}
    columns["mention_id"] = [f"{d}:{a}-{b}" for d, a, b in zip(columns["doc_id"], columns["start"], columns["end"])]  # as mention_id()
    columns["sentence_index"] = [index for _, index in mentions]
    return columns


def _check_link(item: Located[MentionAnnotation], log: ProblemLog) -> None:
    m = item.record
    if m.label not in NAME_LABELS:
        if m.kb_id is not None:
            log.at(item, f"{m.label} mentions take no kb_id (expected null)", "kb_id")
        if m.entity_id is not None:
            log.at(item, f"{m.label} mentions take no entity_id (expected null)", "entity_id")
        return
    if m.entity_id is None:
        log.at(item, f"{m.label} mention needs an entity_id (its kb_id or a nil: slug)", "entity_id")
    elif m.kb_id is not None and m.entity_id != m.kb_id:
        log.at(item, f"entity_id {m.entity_id!r} must equal kb_id {m.kb_id!r}", "entity_id")
    elif m.kb_id is None and not m.entity_id.startswith("nil:"):
        log.at(item, f"entity_id {m.entity_id!r} without kb_id must be a nil: slug", "entity_id")


def check_identities(items: Iterable[Located], log: ProblemLog) -> None:
    """One entity_id never carries two kb_ids, and one kb_id never has two entity_ids (across documents)."""
    kb_of: dict[str, tuple[str | None, Located]] = {}
    eid_of: dict[str, tuple[str | None, Located]] = {}
    for item in items:
        m = item.record
        if m.entity_id is None:
            continue
        seen = kb_of.setdefault(m.entity_id, (m.kb_id, item))
        if seen[0] != m.kb_id:
            log.at(item, f"entity_id {m.entity_id!r} has kb_id {m.kb_id!r} here but {seen[0]!r} at {_where(seen[1])}", "kb_id")
        if m.kb_id is not None:
            seen = eid_of.setdefault(m.kb_id, (m.entity_id, item))
            if seen[0] != m.entity_id:
                log.at(item, f"kb_id {m.kb_id!r} has entity_id {m.entity_id!r} here but {seen[0]!r} at {_where(seen[1])}", "entity_id")


def check_registry(items: Iterable[Located[MentionAnnotation]], registry: list[Located[Referent]], log: ProblemLog) -> None:
    """Every entity_id is a registered referent and carries the registry's kb_id."""
    known: dict[str, Referent] = {}
    for entry in registry:
        if entry.record.entity_id in known:
            log.at(entry, f"duplicate referent {entry.record.entity_id!r}", "entity_id")
        known[entry.record.entity_id] = entry.record
    for item in items:
        m = item.record
        if m.entity_id is None:
            continue
        ref = known.get(m.entity_id)
        if ref is None:
            log.at(item, f"entity_id {m.entity_id!r} is not in entity_registry.jsonl", "entity_id")
        elif ref.kb_id != m.kb_id:
            log.at(item, f"kb_id {m.kb_id!r} differs from the registry's {ref.kb_id!r} for {m.entity_id!r}", "kb_id")


def _where(item: Located) -> str:
    return f"{item.file}:{item.line}" if item.line is not None else f"{item.file} row {item.row}"


def tokenize(text: str, start: int, end: int, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Token spans (document offsets) of text[start:end], split at every offset in cuts."""
    cut_set = sorted(set(c for c in cuts if start < c < end))
    if not cut_set:  # the common case, without the per-token bookkeeping below
        return [m.span() for m in _TOKEN.finditer(text, start, end)]
    spans = []
    for match in _TOKEN.finditer(text, start, end):
        a, b = match.span()
        inner = cut_set[bisect.bisect_right(cut_set, a) : bisect.bisect_left(cut_set, b)]
        for c in inner:
            spans.append((a, c))
            a = c
        spans.append((a, b))
    return spans


def _segment_tags(text: str, seg: Sentence, items: list[Located], log: ProblemLog) -> tuple[list[tuple[int, int]], list[str]]:
    """Token spans of a segment and their IOB2 tags; a mention whose edges are not token edges is a problem."""
    spans = tokenize(text, seg.start, seg.end, [c for i in items for c in (i.record.start, i.record.end)])
    tags = ["O"] * len(spans)
    if not items:
        return spans, tags
    starts = {a: k for k, (a, _) in enumerate(spans)}
    ends = {b: k for k, (_, b) in enumerate(spans)}
    for item in items:
        m = item.record
        if m.start not in starts or m.end not in ends:
            log.at(item, f"mention {m.text!r} does not align with token boundaries", "start")
            continue
        first, last = starts[m.start], ends[m.end]
        tags[first] = _TAGS[f"B-{m.label}"]
        inside = _TAGS[f"I-{m.label}"]
        for k in range(first + 1, last + 1):
            tags[k] = inside
    return spans, tags


#: Every IOB2 tag once, so a tag list holds shared strings rather than one new string per token.
_TAGS: dict[str, str] = {tag: tag for tag in NER_TAGS}


def _by_segment(mentions: list[Located[Mention]]) -> dict[tuple[str, int], list[Located[Mention]]]:
    by_seg: dict[tuple[str, int], list[Located[Mention]]] = {}
    for item in mentions:
        by_seg.setdefault((item.record.doc_id, item.record.sentence_index), []).append(item)
    return by_seg


def ner_rows(texts: Mapping[str, str], segments: Mapping[str, list[Sentence]], mentions: list[Located[Mention]], log: ProblemLog) -> list[NerRow]:
    """One IOB2-tagged row per segment; a mention whose edges are not token edges is a problem."""
    from ..schema.models import NerRow

    by_seg = _by_segment(mentions)
    rows = []
    for doc_id, segs in segments.items():
        text = texts[doc_id]
        for seg in segs:
            spans, tags = _segment_tags(text, seg, by_seg.get((doc_id, seg.index), []), log)
            rows.append(
                NerRow(
                    doc_id=doc_id,
                    sentence_index=seg.index,
                    tokens=[text[a:b] for a, b in spans],
                    token_starts=[a for a, _ in spans],
                    token_ends=[b for _, b in spans],
                    ner_tags=tags,
                )
            )
    return rows


def ner_table(
    texts: Mapping[str, str],
    segments: Mapping[str, list[Sentence]],
    mentions: list[Checked],
    log: ProblemLog,
    batch_tokens: int = 1 << 16,
) -> pa.Table:
    """The ner table as Arrow in key order: the rows of `ner_rows`, built column by column.

    Flat token lists become Arrow list arrays every batch_tokens tokens, so no Python object per
    row is kept (a NerRow per segment, validated token by token, was most of a large build).
    """
    import pyarrow as pa

    from ..dataset.storage import arrow_array, dense, sort_by_key
    from ..schema.tables import TABLES

    schema = TABLES["ner"].arrow_schema
    by_seg: dict[tuple[str, int], list[Located[MentionAnnotation]]] = {}
    for item, index in mentions:
        by_seg.setdefault((item.record.doc_id, index), []).append(item)
    batches: list[pa.Table] = []
    doc_ids: list[str] = []
    indices: list[int] = []
    offsets: list[int] = [0]
    tokens: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    tags: list[str] = []

    def flush() -> None:
        if not doc_ids:
            return
        offs = arrow_array(offsets, pa.int32())
        columns = [
            arrow_array(doc_ids, pa.string()),
            arrow_array(indices, pa.int32()),
            pa.ListArray.from_arrays(offs, arrow_array(tokens, pa.string())),
            pa.ListArray.from_arrays(offs, arrow_array(starts, pa.int32())),
            pa.ListArray.from_arrays(offs, arrow_array(ends, pa.int32())),
            pa.ListArray.from_arrays(offs, arrow_array(tags, pa.string())),
        ]
        batches.append(pa.Table.from_arrays(columns, schema=schema))
        for buf in (doc_ids, indices, tokens, starts, ends, tags):
            buf.clear()
        del offsets[1:]

    for doc_id in sorted(segments):
        text = texts[doc_id]
        for seg in segments[doc_id]:
            spans, seg_tags = _segment_tags(text, seg, by_seg.get((doc_id, seg.index), []), log)
            doc_ids.append(doc_id)
            indices.append(seg.index)
            tokens.extend([text[a:b] for a, b in spans])
            starts.extend([a for a, _ in spans])
            ends.extend([b for _, b in spans])
            tags.extend(seg_tags)
            offsets.append(len(tokens))
        if len(tokens) >= batch_tokens:
            flush()
    flush()
    if not batches:
        return pa.Table.from_batches([], schema=schema)  # empty_table() imports pandas
    whole = pa.concat_tables(batches).combine_chunks()
    whole = pa.Table.from_arrays([dense(c.combine_chunks()) for c in whole.columns], schema=schema)
    return sort_by_key(whole, TABLES["ner"].key)


def decode_iob2(row: NerRow) -> list[tuple[str, int, int, str]]:
    """Spans (doc_id, start, end, label) encoded by a row's IOB2 tags."""
    spans: list[tuple[str, int, int, str]] = []
    current: list | None = None
    for tag, a, b in zip(row.ner_tags, row.token_starts, row.token_ends):
        if tag.startswith("I-") and current is not None and current[3] == tag[2:]:
            current[2] = b
            continue
        if current is not None:
            spans.append(tuple(current))  # type: ignore[arg-type]
            current = None
        if tag != "O":  # B-X, or a stray I-X that starts a span (lenient IOB2 decoding)
            current = [row.doc_id, a, b, tag[2:]]
    if current is not None:
        spans.append(tuple(current))  # type: ignore[arg-type]
    return spans


def span_f1(gold: Iterable[LabelledSpan], pred: Iterable[LabelledSpan]) -> float:
    """Strict span+label F1 between two annotations (symmetric; used for inter-annotator agreement)."""
    a = {(m.doc_id, m.start, m.end, m.label) for m in gold}
    b = {(m.doc_id, m.start, m.end, m.label) for m in pred}
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))
